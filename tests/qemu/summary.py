#!/usr/bin/env python3
"""Readable per-case summary of QEMU guest results (host side).

    tests/qemu/summary.py RESULTS.jsonl|RESULTS_DIR ... [--no-details]

One line per case of every results.jsonl given (a directory means its
results.jsonl): NIC, way (console/hpctl), case, origin, verdict, duration;
then, for each failure, its detail and the tail of every process log it
carries. Lines written by hpd_result (smoke.sh, pci-hotplug.sh) have no
via/origin/ms and show "-". Exit status 0; 1 when nothing could be read.
"""
import json
import os
import sys


def load(path):
    if os.path.isdir(path):
        path = os.path.join(path, "results.jsonl")
    rows = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    rows.append({"case": f"(line {n} of {path} is not JSON)", "status": "fail",
                                 "detail": line[:200]})
    except OSError:
        return None
    return rows


def main(argv):
    details = "--no-details" not in argv
    paths = [a for a in argv if a != "--no-details"]
    rows = []
    for p in paths:
        r = load(p)
        if r is not None:
            rows.extend(r)
    if not rows:
        return 1
    fmt = "  {:<12} {:<8} {:<28} {:<23} {:<5} {:>8}"
    print(fmt.format("NIC", "VIA", "CASE", "ORIGIN", "", "MS"))
    for r in rows:
        ms = r.get("ms")
        print(fmt.format(str(r.get("nic", "-")), str(r.get("via", "-")), str(r.get("case", "?")),
                         str(r.get("origin", "-")), str(r.get("status", "?")).upper(),
                         "-" if ms is None else str(ms)))
    fails = [r for r in rows if r.get("status") == "fail"]
    if details:
        for r in fails:
            print(f"  FAILED {r.get('nic', '-')} {r.get('via', '-')} {r.get('case')} "
                  f"({r.get('origin', '-')}):")
            print("    " + str(r.get("detail", "")).replace("\n", "\n    "))
            for name, tail in (r.get("logs") or {}).items():
                print(f"    --- {name} (tail)")
                print("      " + str(tail).rstrip().replace("\n", "\n      "))
    by = {}
    for r in rows:
        by[r.get("status", "?")] = by.get(r.get("status", "?"), 0) + 1
    total_ms = sum(r.get("ms") or 0 for r in rows)
    print(f"  {len(rows)} cases: {by.get('pass', 0)} passed, {by.get('fail', 0)} failed, "
          f"{by.get('skip', 0)} skipped" + (f"; {total_ms / 1000:.1f} s in timed cases"
                                             if total_ms else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
