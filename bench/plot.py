#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The benchmark pictures, from a results.json (run.py writes both).

    bench/plot.py [RESULTS_JSON [OUT_DIR]]   (default bench/results.json, its directory)

latency.png   attach and detach latency against group size, log scale: one
              colour per system (hotplugd, the raw EAL), p50 solid, p99
              dashed; the ratio hotplugd / EAL under each point (lower is
              better)
datapath.png  forwarding rate steady and during hotplug churn, per member
              and polling CPU; the ratio churn / steady over each pair
              (higher is better, target >= 0.95)
Both say the machine and the date of the run. Needs matplotlib (Debian's
python3-matplotlib); without it nothing is drawn and the reason printed."""
import json
import os
import sys

HOTPLUGD, EAL = "tab:blue", "tab:orange"  # one colour per system, in both pictures


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        return plt
    except ImportError:
        print("  (no matplotlib, python3-matplotlib: pictures not drawn)")
        return None


def _stamp(fig, r, when_key="when"):
    fig.text(0.99, 0.01, f"{r.get('machine', '?')} · run of {r.get(when_key) or r.get('when', '?')}",
             ha="right", va="bottom", fontsize=8, color="dimgray")


def latency(r, path):
    plt = _pyplot()
    if plt is None:
        return False
    rows = r["latency"]
    size = [x["secondaries"] + 1 for x in rows]  # the primary and its secondaries
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True)
    for ax, op in zip(axes, ("attach", "detach")):
        for who, colour, label in (("hotplugd", HOTPLUGD, "hotplugd (whole group)"),
                                   ("anchor", EAL, "raw EAL rte_dev_probe/remove")):
            for q, style in (("p50", "-"), ("p99", "--")):
                ax.plot(size, [x[who][op][f"{q}_ms"] for x in rows], style, color=colour,
                        marker="o" if q == "p50" else None, label=f"{label} {q}")
        for s, x in zip(size, rows):
            ax.annotate(f"{x[f'ratio_{op}_p50']:.2f}", (s, x["hotplugd"][op]["p50_ms"]),
                        textcoords="offset points", xytext=(0, -13), ha="center",
                        fontsize=7, color=HOTPLUGD)
        ax.set_yscale("log")
        ax.set_xscale("log", base=2)
        ax.set_xticks(size)
        ax.set_xticklabels([str(s) for s in size])
        ax.set_title(f"{op} of net_null: lower is better")
        ax.set_xlabel("group size (primary + secondaries)")
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("latency, ms (log scale)")
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("hotplug latency against group size; under each hotplugd point its p50 "
                 "ratio hotplugd / raw EAL (lower is better)", fontsize=10)
    _stamp(fig, r)
    fig.tight_layout(rect=(0, 0.03, 1, 0.95))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def datapath(r, path):
    plt = _pyplot()
    if plt is None:
        return False
    d = r["datapath"]
    runs = d["runs"]
    fig, ax = plt.subplots(figsize=(8, 4.4))
    width = 0.38
    for i, x in enumerate(runs):
        colour = HOTPLUGD if x["member"] == "hotplugd" else "tab:green"
        ax.bar(i - width / 2, x["steady_pps"] / 1e6, width, color=colour, alpha=0.45,
               label="steady" if i == 0 else None)
        ax.bar(i + width / 2, x["churn_pps"] / 1e6, width, color=colour,
               label="during hotplug churn" if i == 0 else None)
        ax.annotate(f"{x['ratio']:.3f}", (i, max(x["steady_pps"], x["churn_pps"]) / 1e6),
                    textcoords="offset points", xytext=(0, 3), ha="center", fontsize=9,
                    fontweight="bold" if x["ratio"] >= 0.95 else "normal",
                    color="black" if x["ratio"] >= 0.95 else "firebrick")
    ax.set_xticks(range(len(runs)))
    ax.set_xticklabels([
        ("hotplugd --worker" if x["member"] == "hotplugd" else "examples/hpd_fwd") +
        f"\npolling lcore on CPU {x['worker_cpu']}" +
        (" (disk IRQs)" if x["worker_cpu"] == d.get("disk_irq_cpu") else "") for x in runs],
        fontsize=8)
    ax.set_ylabel("forwarded, Mpps (higher is better)")
    ax.set_ylim(0, max(max(x["steady_pps"], x["churn_pps"]) for x in runs) / 1e6 * 1.18)
    ax.set_title("data path during hotplug churn; over each pair the ratio churn / steady\n"
                 "(higher is better, target >= 0.95 off the disk's IRQ CPU)", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, axis="y")
    _stamp(fig, r, "datapath_when")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def draw(r, out):
    """Both pictures into OUT; the names of those drawn."""
    drawn = []
    if latency(r, os.path.join(out, "latency.png")):
        drawn.append("latency.png")
    if r.get("datapath", {}).get("runs") and datapath(r, os.path.join(out, "datapath.png")):
        drawn.append("datapath.png")
    return drawn


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    src = argv[1] if len(argv) > 1 else os.path.join(here, "results.json")
    out = argv[2] if len(argv) > 2 else os.path.dirname(os.path.abspath(src))
    with open(src) as f:
        r = json.load(f)
    drawn = draw(r, out)
    print(f"wrote {', '.join(os.path.join(out, d) for d in drawn) or 'nothing'}")
    return 0 if drawn else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
