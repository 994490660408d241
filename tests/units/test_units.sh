#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Tests of what hotplugd ships for systemd and for operators:
#   - systemd-analyze verify of every unit, clean (no warning at all)
#   - sysusers.d and tmpfiles.d entries applied to a scratch root
#   - man pages: scdoc builds them, they name every option and command of
#     --help, and the units' Documentation= references resolve
#   - socket activation (systemd-socket-activate) and the bash completion
#     against that daemon
#   - readiness: READY=1 / STATUS= / STOPPING=1 (and WATCHDOG=1 once the
#     daemon sends it) on a NOTIFY_SOCKET of our own; a secondary's
#     readiness and its exit status 75 when the primary dies
#   - the sandbox of the units: a group run with the units' capability
#     bounding set, no-new-privileges and umask, in a network namespace of
#     its own, attaches, starts, stops and detaches virtual devices, and
#     every system call it makes is in the units' SystemCallFilter=
#   - the shipped units under a systemd (user) manager of our own, in
#     private mount and network namespaces and a cgroup subtree of its own:
#     socket activation, the sandbox as systemd applies it, secondaries,
#     devices, crash and watchdog recovery, restart order, stop
#     (HOTPLUGD_UNITS_MANAGER=0 skips this part)
#
#   tests/units/test_units.sh            (HOTPLUGD_BUILDDIR, default build/)
#
# The daemons run with --no-pci, file prefixes of their own, a runtime
# directory under a temporary directory, and are stopped (only they) at the
# end. Needs root and free hugepages for the daemon tests, otherwise those
# are skipped. Last line: "N passed, N failed"; exit 1 if anything failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=${HOTPLUGD_BUILDDIR:-$top/build}
# HOTPLUGD_INSTALLED=1 (the deb stage): the installed files instead of the
# tree's: the programs from PATH, the units, sysusers.d and tmpfiles.d
# entries, completions and man pages where the package put them. The parts
# that test how the programs behave rather than what is installed
# (readiness, the sandboxed run, meson install) are the units stage's.
installed=${HOTPLUGD_INSTALLED:-0}
if [[ $installed == 1 ]]; then
	hotplugd=$(command -v hotplugd)
	hpctl=$(command -v hpctl)
	unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
	sysusers=/usr/lib/sysusers.d/hotplugd.conf
	tmpfiles=/usr/lib/tmpfiles.d/hotplugd.conf
	bashcomp=/usr/share/bash-completion/completions/hpctl
	zshcomp=/usr/share/zsh/vendor-completions/_hpctl
else
	hotplugd=$builddir/src/daemon/hotplugd
	hpctl=$builddir/src/ctl/hpctl
	unitdir=$top/systemd
	sysusers=$top/systemd/sysusers.d/hotplugd.conf
	tmpfiles=$top/systemd/tmpfiles.d/hotplugd.conf
	bashcomp=$top/contrib/bash-completion/hpctl
	zshcomp=$top/contrib/zsh-completion/_hpctl
fi
unitlib=$here/unitlib.py
units=(hotplugd.service hotplugd.socket hotplugd-secondary@.service)
START_DEADLINE=60 # seconds: EAL initialisation on a loaded machine

passed=0 failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
fail() { echo "FAIL - $*"; failed=$((failed + 1)); }
# A skip is a skip locally (counted); with CI=true it is a failure: CI is
# never green by not running a check. HOTPLUGD_UNITS_MANAGER=0 is a choice,
# not a lack, and stays a skip.
skipped=0
skip() {
	if [ "${CI:-}" = true ] && [[ $* != *"HOTPLUGD_UNITS_MANAGER=0"* ]]; then
		fail "$* (CI=true: a check that cannot run is a failure)"
	else
		echo "skip - $*"
		skipped=$((skipped + 1))
	fi
}
check() { # check NAME COMMAND... : ok when COMMAND succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}
# Count the "ok -"/"FAIL -" lines of a helper, pass the rest through.
tally() {
	local line
	while IFS= read -r line; do
		echo "$line"
		case $line in
		"ok - "*) passed=$((passed + 1)) ;;
		"FAIL - "*) failed=$((failed + 1)) ;;
		esac
	done
}
# wait_until DEADLINE_S COMMAND...: poll COMMAND until it succeeds or the
# deadline passes.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.05
	done
}

# example_joins BIN WHAT: the example forwarder BIN, started as a secondary
# (--no-pci) of a primary of our own, joins the group (the primary's ps
# lists it) and exits 0 on SIGTERM. Needs root and hugepages (skipped
# otherwise), like every daemon test.
example_joins() {
	local bin=$1 what=$2 P=${pfx}e run=$tmp/run-example ppid apid rc
	if [[ $EUID != 0 ]] || ! grep -q ' /dev/hugepages hugetlbfs' /proc/mounts; then
		skip "$what: a group needs root and hugetlbfs"
		return
	fi
	mkdir -p "$run"
	"$hotplugd" -l 0 --no-pci --file-prefix "$P" --proc-type=primary \
		--base-virtaddr 0x200000000000 -- -r "$run" -n example-primary "${nostate[@]}" \
		>"$tmp/example-primary.log" 2>&1 &
	ppid=$!
	pids+=("$ppid")
	if ! wait_until "$START_DEADLINE" test -S "$run/$P/control.sock"; then
		fail "$what: the primary did not start: $(tail -n 3 "$tmp/example-primary.log" | tr '\n' '|')"
		return
	fi
	# no LD_LIBRARY_PATH: the library is found where the build put it
	env -u LD_LIBRARY_PATH "$bin" -l 0,1 --no-pci --file-prefix "$P" --proc-type=secondary \
		-- --name example >"$tmp/example.log" 2>&1 &
	apid=$!
	pids+=("$apid")
	if wait_until "$START_DEADLINE" eval \
		'"$hpctl" -r "$run" --file-prefix "$P" --json ps 2>/dev/null | grep -q "\"pid\":$apid"'; then
		ok "$what joins a group (the primary's ps lists it)"
	else
		fail "$what did not join: $(tail -n 3 "$tmp/example.log" | tr '\n' '|')"
	fi
	kill -TERM "$apid" 2>/dev/null
	wait "$apid"
	rc=$?
	check "$what exits 0 on SIGTERM (status $rc)" test "$rc" = 0
	kill -TERM "$ppid" 2>/dev/null
	wait "$ppid"
}

# The units as a test can load them: ExecStart= pointing at the build tree
# (systemd-analyze verify insists that the executable exists).
render_units() { # DIR
	local u
	mkdir -p "$1"
	for u in "${units[@]}"; do
		sed "s|/usr/sbin/hotplugd|$hotplugd|g" "$unitdir/$u" >"$1/$u"
	done
}

# The values of a unit setting, space separated (every line of it).
unit_setting() { # UNIT KEY
	sed -n "s/^$2=//p" "$unitdir/$1" | tr '\n' ' '
}

# caps_match PID: the process's capability bounding set is exactly the
# units' CapabilityBoundingSet= (needs capsh to decode; true without it).
caps_match() {
	local want got
	if ! command -v capsh >/dev/null; then # no way to decode: not a pass in CI
		[ "${CI:-}" != true ]
		return
	fi
	want=$(for c in $(unit_setting hotplugd.service CapabilityBoundingSet); do echo "${c,,}"; done | sort | tr '\n' ,)
	got=$(capsh --decode="$(awk '/^CapBnd:/ {print $2}' "/proc/$1/status")" | sed 's/.*=//' | tr , '\n' | sort | tr '\n' ,)
	[[ $got == "$want" ]]
}

# Every system call a systemd syscall-filter set expression allows.
expand_syscalls() { # @group|name ...
	local -a queue=("$@")
	local -A seen=()
	local g t
	while ((${#queue[@]})); do
		g=${queue[0]}
		queue=("${queue[@]:1}")
		[[ -n ${seen[$g]-} ]] && continue
		seen[$g]=1
		if [[ $g != @* ]]; then
			echo "$g"
			continue
		fi
		for t in $(systemd-analyze syscall-filter "$g" 2>/dev/null | grep -v '^ *#' | tail -n +2); do
			queue+=("$t")
		done
	done | sort -u
}

# ---------------------------------------------------------------------------
# Sandbox test body, run by ourselves in a new network namespace:
#   test_units.sh --sandbox TMP PREFIX CAPS HAS_STATE
if [[ ${1-} == --sandbox ]]; then
	tmp=$2 prefix=$3 caps=$4 has_state=$5
	run=$tmp/run
	group=$run/$prefix
	status=0
	say() { echo "$*"; }
	sfail() { echo "FAIL - $*"; status=1; }
	sok() { echo "ok - $*"; }
	ip link set lo up &&
		ip link add "vethu$$" type veth peer name "vethv$$" &&
		ip link set "vethu$$" up && ip link set "vethv$$" up ||
		{ sfail "sandbox: cannot create a veth pair"; exit 1; }

	export RUNTIME_DIRECTORY=$run
	unset HOTPLUGD_RUNTIME_DIR NOTIFY_SOCKET LISTEN_FDS LISTEN_PID
	umask 0027 # UMask= of the units
	ids=(--clear-groups)
	getent group hotplugd >/dev/null && ids+=(--regid hotplugd)
	# shellcheck disable=SC2054 # the commas are setpriv's
	sandbox=(setpriv --bounding-set=-all,"$caps" --inh-caps=-all --no-new-privs "${ids[@]}")
	trace() { # NAME: strace, when there is one, writing a summary per process
		if command -v strace >/dev/null; then
			echo strace -f -qq -c -o "$tmp/syscalls.$1"
		fi
	}
	eal=(-l 0 --no-pci --file-prefix "$prefix")
	state=()
	if [[ $has_state == yes ]]; then
		mkdir -p "$tmp/state"
		state=(--state-file "$tmp/state/state.json")
	fi
	# shellcheck disable=SC2046
	"${sandbox[@]}" $(trace primary) "$hotplugd" "${eal[@]}" --proc-type=primary -- \
		-n sandbox-primary "${state[@]}" >"$tmp/sandbox-primary.log" 2>&1 &
	ppid_=$!
	if ! wait_until "$START_DEADLINE" test -S "$group/control.sock"; then
		sfail "sandbox: primary did not start: $(tail -n 5 "$tmp/sandbox-primary.log" | tr '\n' '|')"
		kill "$ppid_" 2>/dev/null
		exit 1
	fi
	primary_pid=$(python3 "$unitlib" rpc "$group/control.sock" status |
		grep -o '"pid": [0-9]*' | grep -o '[0-9]*$')
	# The sandbox is real: the daemon's bounding set and no_new_privs.
	got=$(awk '/^(CapBnd|NoNewPrivs):/ {print $1 $2}' "/proc/$primary_pid/status" | tr '\n' ' ')
	bnd=$(awk '/^CapBnd:/ {print $2}' "/proc/$primary_pid/status")
	names=$(command -v capsh >/dev/null && capsh --decode="$bnd" | sed 's/.*=//')
	expected=$(tr ',+' '\n ' <<<"$caps" | sed 's/^ *//; s/^/cap_/' | sort | tr '\n' ',')
	if [[ $got == *"NoNewPrivs:1"* ]] &&
		{ { [[ -z $names ]] && [ "${CI:-}" != true ]; } || [[ $(tr ',' '\n' <<<"$names" | sort | tr '\n' ',') == "$expected" ]]; }; then
		sok "sandbox: the primary runs with no_new_privs and the bounding set ${names:-$bnd}"
	else
		sfail "sandbox: not sandboxed as intended: $got ${names:-}"
	fi
	# shellcheck disable=SC2046
	"${sandbox[@]}" $(trace secondary) "$hotplugd" "${eal[@]}" --proc-type=secondary -- \
		-n sandbox-secondary "${state[@]}" >"$tmp/sandbox-secondary.log" 2>&1 &
	spid_=$!
	joined() { [[ $("$hpctl" -r "$run" --file-prefix "$prefix" --json ps 2>/dev/null |
		grep -o '"role":"secondary"') ]]; }
	if wait_until "$START_DEADLINE" joined; then
		sok "sandbox: a secondary joins the primary"
	else
		sfail "sandbox: the secondary did not join: $(tail -n 5 "$tmp/sandbox-secondary.log" | tr '\n' '|')"
	fi

	h=("$hpctl" -r "$run" --file-prefix "$prefix")
	devices=(
		"net_null0|net_null0|"
		"net_ring0|net_ring0|"
		"net_af_packet,iface=vethu$$|net_af_packet|CAP_NET_RAW, CAP_NET_ADMIN, AF_PACKET"
		"net_tap0,iface=tapu$$|net_tap0|CAP_NET_ADMIN, AF_NETLINK, AF_INET"
		"net_vhost0,iface=$group/sockets/vh0,queues=1,client=0|net_vhost0|AF_UNIX"
	)
	for d in "${devices[@]}"; do
		IFS='|' read -r devargs name needs <<<"$d"
		what="sandbox: attach, start, stop $name${needs:+ (needs $needs)}"
		if out=$("${h[@]}" attach "$devargs" 2>&1) &&
			out=$("${h[@]}" start "$name" 2>&1) &&
			out=$("${h[@]}" stop "$name" 2>&1); then
			sok "$what"
		else
			sfail "$what: $out"
		fi
	done
	if out=$("${h[@]}" check 2>&1); then sok "sandbox: every member agrees ($out)"; else sfail "sandbox: check: $out"; fi
	if [[ $has_state == yes ]]; then
		if grep -q net_vhost0 "$tmp/state/state.json" 2>/dev/null; then
			sok "sandbox: the state file records the devices"
		else
			sfail "sandbox: state file: $(cat "$tmp/state/state.json" 2>&1)"
		fi
	fi
	for d in "${devices[@]}"; do
		IFS='|' read -r devargs name needs <<<"$d"
		out=$("${h[@]}" detach "$name" 2>&1) || sfail "sandbox: detach $name: $out"
	done
	kill -TERM "$primary_pid"
	wait "$ppid_"
	prc=$?
	wait "$spid_"
	src=$?
	[[ $prc == 0 ]] && sok "sandbox: primary exits 0" ||
		sfail "sandbox: primary exit status $prc: $(tail -n 5 "$tmp/sandbox-primary.log" | tr '\n' '|')"
	[[ $src == 75 ]] && sok "sandbox: secondary exits 75 after its primary" ||
		sfail "sandbox: secondary exit status $src: $(tail -n 5 "$tmp/sandbox-secondary.log" | tr '\n' '|')"
	ip link del "vethu$$" 2>/dev/null
	exit $status
fi

# Under systemd the primary's audit lines and events are journal records
# with fields (src/daemon/core/journal.c): read them back as JSON. The
# attaches of the test before are the accepted ones; one refused here.
journal_records() { # PRIMARY_PID
	local out jdir=/proc/$manager/root/run/log/journal jpid=$1
	"${H[@]}" attach net_null0 >/dev/null 2>&1 # EEXIST: attached before
	journal_check() {
		journalctl -D "$jdir" -o json --no-pager 2>/dev/null | python3 -c '
import json, sys
pp, audit, finished, attached = sys.argv[1:]
recs = [json.loads(l) for l in sys.stdin if l.strip()]
mine = [r for r in recs if r.get("_PID") == pp]
a = [r for r in mine if r.get("MESSAGE_ID") == audit and r.get("METHOD") == "attach"
     and r.get("DEVICE") == "net_null0"]
ok = [r for r in a if r.get("OUTCOME") == "ok"]
refused = [r for r in a if r.get("OUTCOME") == "EEXIST"]
hp = sorted({r.get("_PID") for r in recs if r.get("SYSLOG_IDENTIFIER") == "hotplugd"})
ids = sorted({r.get("MESSAGE_ID", "-") for r in recs if r.get("_PID") == pp})[:4]
assert ok and refused, (f"audit records ok {len(ok)} refused {len(refused)} of {len(mine)} "
    f"(of {len(recs)} records; pp {pp}, hotplugd pids {hp}, ids {ids})")
for r in ok + refused:
    assert r["CALLER_COMM"] == "hpctl" and r["CALLER_UID"] == "0", r
    assert int(r["CALLER_PID"]) > 0 and int(r["DURATION_USEC"]) >= 0, r
    assert r["PRIORITY"] == "5" and r["SYSLOG_IDENTIFIER"] == "hotplugd", r
    assert r["MESSAGE"].startswith("audit: "), r
assert "already attached" in refused[-1]["REASON"], refused[-1]
fin = [r for r in mine if r.get("MESSAGE_ID") == finished and r.get("OUTCOME") == "EEXIST"]
assert fin and fin[-1]["OPERATION"] == "attach" and fin[-1]["DEVICE"] == "net_null0", fin
assert json.loads(fin[-1]["HOTPLUGD_EVENT_JSON"])["event"] == "operation.finished"
att = [r for r in mine if r.get("MESSAGE_ID") == attached and r.get("DEVICE") == "net_null0"]
assert att and att[-1]["HOTPLUGD_EVENT"] == "device.attached" and att[-1]["PORT"], att
joined = [r for r in mine if r.get("HOTPLUGD_EVENT") == "member.joined"]
assert joined and int(joined[-1]["MEMBER_PID"]) > 0, joined
' "$1" "$(msgid audit)" "$(msgid operation.finished)" "$(msgid device.attached)" 2>&1
	}
	# $1 inside wait_until's eval would be wait_until's own argument
	if wait_until 10 eval 'out=$(journal_check "$jpid")'; then
		ok "systemd: audit lines and events in the journal with their fields and MESSAGE_IDs"
	else
		fail "systemd: journal records: $(tail -n 3 <<<"$out" | tr '\n' '|')"
	fi
}
# The MESSAGE_ID of a kind, from the catalog (checked against the code).
msgid() {
	awk -v k="$1" '/^-- /{id=$2} /^Subject:/{if ((k == "audit" && $2 == "audit:") ||
		($2 == "event" && $3 == k":")) print id}' "$top/systemd/hotplugd.catalog"
}

# The shipped units, run by a systemd user manager of our own (see
# --manager-cg): socket activation, the sandbox as systemd applies it, the
# secondaries' dependencies, crash and watchdog recovery, restart order.
manager_tests() {
	local P=${pfx}d U S H unit pp out
	xdg=$(mktemp -d /dev/shm/hpd-units.XXXXXX) || { skip "units under systemd: no /dev/shm"; return; }
	chmod 700 "$xdg"
	U=$tmp/cfg/systemd/user
	mkdir -p "$U/hotplugd.service.d" "$xdg/default"
	printf '[Unit]\nDescription=nothing\n' >"$U/hpd-idle.target"
	for unit in "${units[@]}"; do
		sed -e "s|/usr/sbin/hotplugd|$hotplugd|g" \
			-e "s|/run/hotplugd/rte/|$xdg/hotplugd/$P/|" \
			-e "s|/etc/default/|$xdg/default/|" "$unitdir/$unit" >"$U/$unit"
	done
	cat >"$xdg/default/hotplugd" <<-EOF
		HOTPLUGD_EAL_ARGS="--file-prefix $P -l 0 --no-pci"
		HOTPLUGD_ARGS="$([[ $has_state == yes ]] && echo "--state-file=$xdg/state.json")"
	EOF
	# a shorter watchdog, to see it fire within the test
	printf '[Service]\nWatchdogSec=2s\n' >"$U/hotplugd.service.d/test.conf"
	case $hotplugd in /home/* | /root/* | /run/user/* | /tmp/* | /var/tmp/*)
		printf 'ProtectHome=no\nPrivateTmp=no\n' >>"$U/hotplugd.service.d/test.conf"
		mkdir -p "$U/hotplugd-secondary@.service.d"
		printf '[Service]\nProtectHome=no\nPrivateTmp=no\n' >"$U/hotplugd-secondary@.service.d/test.conf"
		echo "#   the build tree is under a directory the units hide: ProtectHome=no, PrivateTmp=no here"
		private_tmp=no
		;;
	esac

	bash "$0" --manager-cg "$xdg" "$tmp/cfg" >"$tmp/manager.log" 2>&1 &
	pids+=($!)
	manager=$! # the same pid once it execs systemd: its /run/log is its journal's
	if ! wait_until 30 test -S "$xdg/systemd/private"; then
		fail "units under systemd: the manager did not start: $(tail -n 5 "$tmp/manager.log" | tr '\n' '|')"
		return
	fi
	S=(env XDG_RUNTIME_DIR="$xdg" systemctl --user --no-pager)
	H=("$hpctl" -r "$xdg/hotplugd" --file-prefix "$P")
	prop() { "${S[@]}" show -p "$2" --value "$1"; }
	journal() { "${S[@]}" status "$@" 2>&1 | tail -n 4 | tr '\n' '|'; }

	"${S[@]}" start hotplugd.socket
	if out=$("${H[@]}" -t $((START_DEADLINE * 1000)) status 2>&1) &&
		[[ $(prop hotplugd.service ActiveState) == active ]]; then
		ok "systemd: a client starts the primary through hotplugd.socket (Type=notify: active)"
	else
		fail "systemd: socket activation: $out $(journal hotplugd.service)"
		return
	fi
	pp=$(prop hotplugd.service MainPID)
	out=$(grep -E '^(NoNewPrivs|Seccomp):' "/proc/$pp/status" | tr -s '\t\n' '  ')
	if [[ $out == *"NoNewPrivs: 1"*"Seccomp: 2"* ]] && caps_match "$pp" &&
		{ [[ ${private_tmp:-yes} == no ]] ||
		  awk '$5 == "/tmp" && $4 ~ /systemd-private/ {f = 1} END {exit !f}' "/proc/$pp/mountinfo"; }; then
		ok "systemd: the primary runs sandboxed (bounding set, no_new_privs, seccomp, private /tmp)"
	else
		fail "systemd: sandbox: $out $(awk '/^CapBnd:/' "/proc/$pp/status")"
	fi
	out=$(stat -c '%a:%G' "$xdg/hotplugd" "$xdg/hotplugd/$P/control.sock" "$xdg/hotplugd/dpdk" | tr '\n' ' ')
	if [[ $out == "750:hotplugd 660:hotplugd 700:hotplugd " ]] || ! getent group hotplugd >/dev/null; then
		ok "systemd: runtime directory 0750, control socket 0660, DPDK's files 0700, group hotplugd"
	else
		fail "systemd: permissions (runtime dir, socket, DPDK dir): $out"
	fi

	"${S[@]}" start hotplugd-secondary@w1.service hotplugd-secondary@w2.service
	if [[ $(prop hotplugd-secondary@w1.service ActiveState) == active &&
		$(prop hotplugd-secondary@w2.service ActiveState) == active ]] &&
		wait_until 10 eval '[[ $(prop hotplugd-secondary@w1.service StatusText) == *"primary pid $pp"* ]]'; then
		ok "systemd: two secondaries join the primary (READY=1 after joining)"
	else
		fail "systemd: secondaries: $(journal hotplugd-secondary@w1.service)"
	fi
	out=
	for d in net_null0 net_af_packet,iface=veth-hpd0 net_tap0,iface=taphpd0 \
		"net_vhost0,iface=$xdg/hotplugd/$P/sockets/vh0,queues=1,client=0" net_ring0; do
		out+=$("${H[@]}" attach "$d" 2>&1 >/dev/null)
	done
	for d in net_null0 net_af_packet net_tap0 net_vhost0; do
		out+=$("${H[@]}" start "$d" 2>&1 >/dev/null)
	done
	before=$("${H[@]}" list 2>&1 | awk 'NR > 1 {print $2, $5}' | sort | tr '\n' ' ')
	if [[ -z $out ]] && "${H[@]}" check >/dev/null 2>&1; then
		ok "systemd: null, af_packet, tap, vhost, ring attach and start under the full sandbox; members agree"
	else
		fail "systemd: devices under the sandbox: $out $("${H[@]}" check 2>&1)"
	fi
	journal_records "$pp"

	group_state() {
		local u
		for u in hotplugd.service hotplugd-secondary@w1.service hotplugd-secondary@w2.service; do
			printf '%s: %s/%s restarts=%s result=%s; ' "$u" "$(prop $u ActiveState)" \
				"$(prop $u SubState)" "$(prop $u NRestarts)" "$(prop $u Result)"
		done
		# where the primary's threads are, if it is stuck
		local t m
		m=$(prop hotplugd.service MainPID)
		for t in /proc/${m:-0}/task/*; do
			[[ $m != 0 && -e $t/stat ]] &&
				printf 'thread %s %s %s; ' "${t##*/}" "$(cut -d' ' -f2,3 "$t/stat")" "$(cat "$t/wchan" 2>/dev/null)"
		done
	}
	secondaries() { echo "$(prop hotplugd-secondary@w1.service MainPID) $(prop hotplugd-secondary@w2.service MainPID)"; }
	# group_back N: the primary restarted N times, secondaries other than
	# those in $old active again, and every member agrees.
	local old
	group_back() {
		[[ $(prop hotplugd.service NRestarts) -ge $1 &&
			$(prop hotplugd.service ActiveState) == active &&
			$(prop hotplugd-secondary@w1.service ActiveState) == active &&
			$(prop hotplugd-secondary@w2.service ActiveState) == active &&
			" $old " != *" $(prop hotplugd-secondary@w1.service MainPID) "* &&
			" $old " != *" $(prop hotplugd-secondary@w2.service MainPID) "* ]] &&
			"${H[@]}" check >/dev/null 2>&1
	}

	# A crash: the primary comes back (Restart=on-failure) with its devices;
	# the secondaries exit 75 and come back after it.
	old=$(secondaries)
	kill -SEGV "$pp"
	if wait_until 30 group_back 1; then
		ok "systemd: after a primary crash the primary and both secondaries are back and agree (Requires=, RestartForceExitStatus=75)"
	else
		fail "systemd: crash recovery: $(group_state) $(journal hotplugd.service) $(journal hotplugd-secondary@w1.service)"
	fi
	if [[ $has_state == yes ]]; then
		after=$("${H[@]}" list 2>&1 | awk 'NR > 1 {print $2, $5}' | sort | tr '\n' ' ')
		if [[ $after == "$before" ]]; then
			ok "systemd: after the crash every device is back, the started ones started (state file)"
		else
			fail "systemd: devices after the crash: want '$before', got '$after'; $("${H[@]}" --json status 2>&1 | grep -o '"restore":.*' | grep -o '"outcome": *"[^o][^"]*"' | head -n 3 | tr '\n' ' ')"
		fi
	fi

	# A hung primary: the watchdog (2 s here) has it killed and restarted.
	old=$(secondaries)
	kill -STOP "$(prop hotplugd.service MainPID)"
	if wait_until 30 group_back 2; then
		ok "systemd: a hung primary is restarted by the watchdog, the group recovers"
	else
		fail "systemd: watchdog: $(group_state) $(journal hotplugd.service)"
	fi

	# systemctl restart: secondaries down first, up after the primary.
	local w1 # used in the eval below
	# shellcheck disable=SC2034
	w1=$(prop hotplugd-secondary@w1.service MainPID)
	"${S[@]}" restart hotplugd.service
	if wait_until 30 eval '[[ $(prop hotplugd-secondary@w1.service ActiveState) == active && $(prop hotplugd-secondary@w1.service MainPID) != "$w1" ]]' &&
		(($(prop hotplugd-secondary@w1.service InactiveEnterTimestampMonotonic) <= $(prop hotplugd.service InactiveEnterTimestampMonotonic) &&
			$(prop hotplugd-secondary@w1.service ActiveEnterTimestampMonotonic) >= $(prop hotplugd.service ActiveEnterTimestampMonotonic))) &&
		wait_until 15 eval '"${H[@]}" check >/dev/null 2>&1'; then
		ok "systemd: restart of the primary stops the secondaries first and starts them after it"
	else
		fail "systemd: restart order: $(journal hotplugd-secondary@w1.service)"
	fi

	"${S[@]}" stop hotplugd.service 2>/dev/null
	if [[ $(prop hotplugd-secondary@w1.service ActiveState) == inactive &&
		$(prop hotplugd-secondary@w2.service ActiveState) == inactive &&
		$(prop hotplugd.socket ActiveState) == active ]]; then
		ok "systemd: stopping the primary stops its secondaries; the socket stays"
	else
		fail "systemd: stop: $(journal hotplugd-secondary@w1.service)"
	fi
	"${S[@]}" stop hotplugd.socket 'hotplugd*' >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# A systemd (user) manager of our own, to run the real units:
#   test_units.sh --manager-cg XDG_RUNTIME_DIR XDG_CONFIG_HOME
# first moves itself into a cgroup subtree of its own in every hierarchy, so
# that the manager never touches another process's cgroup (a manager whose
# cgroup is the root moves every process of the host into init.scope), then
#   test_units.sh --manager-ns ...
# runs in private mount and network namespaces: a /run/systemd of its own
# (a user manager insists on one), a veth pair, and the manager.
if [[ ${1-} == --manager-cg ]]; then
	cg=hpd-units-$$
	for h in systemd unified cpu cpuacct memory pids blkio devices freezer; do
		d=/sys/fs/cgroup/$h
		[[ -d $d ]] || continue
		mkdir "$d/$cg" && echo $$ >"$d/$cg/cgroup.procs" || { echo "cgroup $h: cannot move"; exit 1; }
	done
	echo "$cg" >"$2.cgroup"
	exec unshare -m -n --propagation private bash "$0" --manager-ns "$2" "$3"
fi
if [[ ${1-} == --manager-ns ]]; then
	# /run a mount point of its own: where it is not (this host's /run is a
	# directory of /), systemd 252 gives a unit with ProtectControlGroups= a
	# fresh /run, which hides journald's native socket from it, and
	# sd_journal_send() to a missing socket drops records without an error
	mount --bind /run /run || exit 1
	mount -t tmpfs tmpfs /run/systemd || exit 1
	mkdir -p /run/systemd/system /run/systemd/inaccessible
	(cd /run/systemd/inaccessible && touch reg && mkdir dir && mknod chr c 0 0 &&
		mknod blk b 0 0 && mkfifo fifo &&
		python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("sock")' &&
		chmod 0000 reg dir chr blk fifo sock) || exit 1
	ip link set lo up && ip link add veth-hpd0 type veth peer name veth-hpd1 &&
		ip link set veth-hpd0 up && ip link set veth-hpd1 up || exit 1
	# A journald of our own, so that the units' structured records can be
	# read back: its sockets in this /run/systemd, its files in a private
	# /run/log; no kernel log, no audit, nothing forwarded.
	mkdir -p /run/log && mount -t tmpfs tmpfs /run/log || exit 1
	mkdir -p /run/systemd/journal /run/systemd/journald.conf.d
	printf '[Journal]\nStorage=volatile\nReadKMsg=no\nAudit=no\nForwardToSyslog=no\nForwardToWall=no\nForwardToConsole=no\n' \
		>/run/systemd/journald.conf.d/hpd-units.conf
	/lib/systemd/systemd-journald </dev/null >"$2.journald.log" 2>&1 &
	echo $! >"$2.journald"
	wait_until 10 test -S /run/systemd/journal/stdout || { echo "journald did not start"; exit 1; }
	export XDG_RUNTIME_DIR=$2 XDG_CONFIG_HOME=$3
	exec /lib/systemd/systemd --user --unit=hpd-idle.target
fi

# ---------------------------------------------------------------------------
tmp=$(mktemp -d /tmp/hpd-units.XXXXXX)
# DPDK file prefixes of our own: "hpdu<pid>x" + a letter, so that the
# clean-up globs below match nothing of any other run.
pfx=hpdu$$x
pids=()
xdg= # the manager's runtime directory, outside /tmp (the units' PrivateTmp=)
cleanup() {
	local p h cg
	[[ -n $xdg && -S $xdg/systemd/private ]] &&
		XDG_RUNTIME_DIR=$xdg timeout 30 systemctl --user stop 'hotplugd*' >/dev/null 2>&1
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait_until 10 eval "! kill -0 $p 2>/dev/null" || kill -KILL "$p" 2>/dev/null
	done
	if [[ -n $xdg && -f $xdg.journald ]]; then # the manager's journald
		p=$(cat "$xdg.journald")
		kill -TERM "$p" 2>/dev/null
		wait_until 10 eval "! kill -0 $p 2>/dev/null" || kill -KILL "$p" 2>/dev/null
	fi
	if [[ -n $xdg ]]; then
		cg=$(cat "$xdg.cgroup" 2>/dev/null)
		for h in /sys/fs/cgroup/*/; do
			[[ -n $cg && -d $h$cg ]] && find "$h$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
		rm -rf "$xdg" "$xdg.cgroup" "$xdg.journald" "$xdg.journald.log"
	fi
	rm -rf "$tmp"
	rm -rf /var/run/dpdk/"$pfx"?
	rm -f /dev/hugepages/"$pfx"?map_*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for prog in "$hotplugd" "$hpctl"; do
	[[ -x $prog ]] || { echo "$prog missing: build first (ninja -C $builddir)"; echo "0 passed, 1 failed"; exit 1; }
done
command -v python3 >/dev/null || { echo "python3 missing"; echo "0 passed, 1 failed"; exit 1; }
# A hotplugd that keeps a state file (/var/lib/hotplugd/<prefix>/ by
# default) is told not to, or to keep it in our directory.
has_state=no
"$hotplugd" -- --help 2>&1 | grep -q -- --no-state && has_state=yes
nostate=()
[[ $has_state == yes ]] && nostate=(--no-state)

# --- 1. systemd-analyze verify ---------------------------------------------
if command -v systemd-analyze >/dev/null; then
	render_units "$tmp/units"
	for u in "${units[@]}" hotplugd-secondary@units-test.service; do
		out=$(cd "$tmp/units" && systemd-analyze verify --man=no "./$u" 2>&1)
		rc=$?
		if [[ $rc == 0 && -z $out ]]; then
			ok "systemd-analyze verify $u: clean"
		else
			fail "systemd-analyze verify $u (status $rc): $out"
		fi
	done
	# The analyser's own summary, for the record (not a pass/fail criterion).
	for u in hotplugd.service hotplugd-secondary@units-test.service; do
		level=$(cd "$tmp/units" && systemd-analyze security --offline=yes "./$u" 2>/dev/null |
			grep -o 'Overall exposure level.*')
		[[ -n $level ]] && echo "#   $level"
	done
else
	skip "systemd-analyze verify: systemd-analyze not installed"
fi

# --- 2. sysusers.d and tmpfiles.d, applied to a scratch root ----------------
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
	root=$tmp/root
	mkdir -p "$root/etc"
	if out=$(systemd-sysusers --root="$root" "$sysusers" 2>&1) &&
		grep -q '^hotplugd:' "$root/etc/group" && grep -q '^hotplugd-admin:' "$root/etc/group"; then
		ok "sysusers.d: creates groups hotplugd and hotplugd-admin"
	else
		fail "sysusers.d: $out"
	fi
	gid=$(sed -n 's/^hotplugd:x:\([0-9]*\):.*/\1/p' "$root/etc/group")
	if out=$(systemd-tmpfiles --root="$root" --create "$tmpfiles" 2>&1) &&
		[[ $(stat -c '%a %u %g' "$root/run/hotplugd") == "750 0 $gid" &&
		$(stat -c '%a %u %g' "$root/var/lib/hotplugd") == "750 0 $gid" ]]; then
		ok "tmpfiles.d: /run/hotplugd and /var/lib/hotplugd are 0750 root:hotplugd"
	else
		fail "tmpfiles.d: $out $(stat -c '%n %a %u %g' "$root/run/hotplugd" "$root/var/lib/hotplugd" 2>&1)"
	fi
else
	skip "sysusers.d/tmpfiles.d: systemd-sysusers or systemd-tmpfiles not installed"
fi

# --- the journal's MESSAGE_IDs: one list in the code, the catalog and the docs
ids_of() { grep -oh '[0-9a-f]\{32\}' "$@" | sort -u | tr '\n' ' '; }
code_ids=$(ids_of "$top/src/daemon/core/journal.c" "$top/src/daemon/core/journal.h")
catalog_ids=$(grep '^-- ' "$top/systemd/hotplugd.catalog" | ids_of -)
doc_ids=$(grep -o '^| `[0-9a-f]\{32\}`' "$top/docs/operations.md" | ids_of -)
check "journal: the MESSAGE_IDs of the code, systemd/hotplugd.catalog and operations.md agree" \
	test -n "$code_ids" -a "$code_ids" = "$catalog_ids" -a "$code_ids" = "$doc_ids"
croot=$tmp/catalog-root
mkdir -p "$croot/usr/lib/systemd/catalog" "$croot/var/lib/systemd"
cp "$top/systemd/hotplugd.catalog" "$croot/usr/lib/systemd/catalog/"
if command -v journalctl >/dev/null; then
	n=$(journalctl --root="$croot" --update-catalog 2>&1 && journalctl --root="$croot" --list-catalog 2>&1 | grep -c hotplugd)
	check "journal: journalctl compiles the catalog, an entry per MESSAGE_ID (got $n)" \
		test "$n" = "$(wc -w <<<"$code_ids")"
else
	skip "journal: journalctl not installed"
fi

# --- 3. man pages --------------------------------------------------------------
mandir=$tmp/man/man8
mkdir -p "$mandir"
if command -v scdoc >/dev/null; then
	for page in hotplugd.8 hpctl.8 libhotplugd-member.3; do
		if out=$(scdoc <"$top/docs/man/$page.scd" 2>&1 >"$mandir/$page"); then
			ok "scdoc builds $page"
		else
			fail "scdoc $page: $out"
		fi
	done
else
	skip "man pages: scdoc not installed"
fi
# The pages that are installed (or that meson built) name the release they
# document: "hotplugd VERSION" in their footer (.TH), the version that
# hotplugd --version prints.
version=$("$hotplugd" --version 2>/dev/null | awk '{print $NF; exit}')
manpath=$tmp/man
[[ $installed == 1 ]] && manpath=/usr/share/man
for page in hotplugd.8 hpctl.8 libhotplugd-member.3; do
	if [[ $installed == 1 ]]; then
		f=$manpath/man${page##*.}/$page.gz
		th=$(zcat "$f" 2>/dev/null | grep -m1 '^\.TH')
	else
		f=$builddir/docs/man/$page
		[[ -f $f ]] || continue # no scdoc when the tree was built
		th=$(grep -m1 '^\.TH' "$f")
	fi
	check "man page $f carries version ${version:-?} ($th)" \
		test -n "$version" -a "${th/\"hotplugd $version\"/}" != "$th"
done
if [[ $installed == 1 ]]; then
	check "man dpdk-hotplug_mp opens hotplugd(8)" \
		bash -c 'man -w dpdk-hotplug_mp >/dev/null && [[ $(readlink -f /usr/share/man/man8/dpdk-hotplug_mp.8.gz) == */hotplugd.8.gz ]]'
fi
# Every option and command of --help is documented.
missing=
for o in $("$hotplugd" -- --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	grep -q -- "\*$o\*" "$top/docs/man/hotplugd.8.scd" || missing+=" $o"
done
check "hotplugd.8 documents every option of hotplugd --help${missing:+ (missing:$missing)}" test -z "$missing"
missing=
help=$("$hpctl" --help 2>&1)
for o in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u) \
	$(sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' <<<"$help"); do
	grep -q -- "\*$o\*" "$top/docs/man/hpctl.8.scd" || missing+=" $o"
done
check "hpctl.8 documents every option and command of hpctl --help${missing:+ (missing:$missing)}" test -z "$missing"
# The bash completion offers exactly hpctl's command table (--help lists
# it) and every option of --help: they cannot drift apart.
completion_of() { # WORD... CURRENT: what the completion offers, sorted, one line
	bash --norc --noprofile -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_hpctl
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		_ "$bashcomp" "$@"
}
want=$(sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' <<<"$help" | sort | tr '\n' ' ')
got=$(completion_of hpctl "")
check "completion: the commands of hpctl --help ($want), got ($got)" test "$got" = "$want"
missing=
offered=" $(completion_of hpctl --) "
for o in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
	[[ $offered == *" $o "* ]] || missing+=" $o"
done
check "completion: every option of hpctl --help${missing:+ (missing:$missing)}" test -z "$missing"
got=$(completion_of hpctl list --no)
check "completion: an option after the command (hpctl list --no -> --no-legend, got $got)" \
	test "$got" = "--no-legend "
got=$(completion_of hpctl --json = "")
check "completion: hpctl --json= -> pretty (got $got)" test "$got" = "pretty "
got=$(completion_of hpctl --json = pretty "")
check "completion: the commands after --json=pretty (got $got)" test "$got" = "$want"
# The zsh completion: its commands come from hpctl --help when it runs
# (checked by calling its helper with zsh's completion builtins stubbed:
# _describe and compadd print what they are given), its options are
# written out and must be exactly those of --help.
zsh_completion_of() { # FUNCTION ARG WORD...: what the helper offers, sorted, one line
	local fn=$1 arg=$2
	shift 2
	zsh -f -c '
		f=$1 fn=$2 arg=$3
		shift 3
		_arguments() { return 1 }
		source $f
		_describe() { print -l -- ${${(P)4}%%:*} }
		compadd() {
			while [[ $1 == -* ]]; do
				case $1 in
				-a) print -l -- ${(P)2}; return ;;
				-S) shift 2 ;;
				*) shift ;;
				esac
			done
			print -l -- "$@"
		}
		words=("$@") CURRENT=$#
		$fn ${arg:+$arg}' _ "$zshcomp" "$fn" "$arg" "$@" | sort | tr '\n' ' '
}
if command -v zsh >/dev/null; then
	check "zsh completion: $zshcomp parses" zsh -n "$zshcomp"
	got=$(zsh_completion_of _hpctl_commands "" "$hpctl" "")
	check "zsh completion: the commands of hpctl --help ($want), got ($got)" test "$got" = "$want"
	# every option of --help, and none that hpctl(8) does not document
	# (which the man page check above holds to --help)
	missing= extra=
	zopts=" $(grep -o -- '--[a-z][a-z-]*' "$zshcomp" | sort -u | tr '\n' ' ') "
	for o in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
		[[ $zopts == *" $o "* ]] || missing+=" $o"
	done
	for o in $zopts; do
		grep -q -- "\*$o\*" "$top/docs/man/hpctl.8.scd" || extra+=" $o"
	done
	check "zsh completion: every option of hpctl --help${missing:+ (missing:$missing)}, none hpctl(8) lacks${extra:+ (extra:$extra)}" \
		test -z "$missing$extra"
else
	skip "zsh completion: zsh not installed"
fi
if command -v systemd-analyze >/dev/null && command -v man >/dev/null && [[ -s $mandir/hotplugd.8 ]]; then
	out=$(cd "$tmp/units" && MANPATH=$manpath systemd-analyze verify --man=yes ./hotplugd.service 2>&1)
	check "units: Documentation= man pages resolve${out:+ ($out)}" test -z "$out"
fi

# --- daemon tests: root and hugepages -----------------------------------------
free_huge=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
if [[ $EUID != 0 ]]; then
	skip "daemon tests: not root"
elif [[ ${free_huge:-0} -lt 16 ]] || ! grep -q ' /dev/hugepages hugetlbfs' /proc/mounts; then
	skip "daemon tests: no hugetlbfs on /dev/hugepages or fewer than 16 free hugepages"
else
	# --- 4. socket activation -------------------------------------------------
	run=$tmp/run
	P=${pfx}a
	sock=$run/$P/control.sock
	mkdir -p "$run/$P"
	if command -v systemd-socket-activate >/dev/null; then
		systemd-socket-activate -l "$sock" -E RUNTIME_DIRECTORY="$run" \
			"$hotplugd" -l 0 --no-pci --file-prefix "$P" --proc-type=primary -- \
			-r "$run" -n units-activated "${nostate[@]}" >"$tmp/activated.log" 2>&1 &
		apid=$!
		pids+=("$apid")
		# It listens first and starts hotplugd on the first connection, which
		# then waits for the EAL: the call has the start-up deadline.
		wait_until 10 test -S "$sock"
		if ans=$(python3 "$unitlib" rpc "$sock" status --deadline "$START_DEADLINE" 2>&1) &&
			[[ $ans == *'"id": 1'* && $ans == *'"role": "primary"'* ]]; then
			ok "socket activation: status answered on the socket passed by systemd"
		else
			fail "socket activation: $ans; log: $(tail -n 5 "$tmp/activated.log" | tr '\n' '|')"
		fi
		check "socket activation: the daemon logs \"control socket passed by systemd\"" \
			grep -q "control socket passed by systemd" "$tmp/activated.log"

		# --- 5. bash completion, against that daemon --------------------------
		h=("$hpctl" -r "$run" --file-prefix "$P")
		"${h[@]}" attach net_null0 >/dev/null && "${h[@]}" attach net_ring0 >/dev/null &&
			"${h[@]}" start net_null0 >/dev/null ||
			fail "completion: cannot set up net_null0 (started) and net_ring0 (stopped)"
		expect_completion() { # EXPECTED WORD... CURRENT
			local want=$1 got
			shift
			got=$(completion_of "$@")
			got=${got% }
			if [[ $got == "$want" ]]; then
				ok "completion: hpctl ${*:2} -> $want"
			else
				fail "completion: hpctl ${*:2}: got '$got', want '$want'"
			fi
		}
		expect_completion "attach check configure detach list metrics ps queues start stats status stop watch" "$hpctl" ""
		expect_completion "--file-prefix" "$hpctl" --fi
		expect_completion "$P" "$hpctl" -r "$run" --file-prefix "$P"
		expect_completion "net_null0 net_ring0" "$hpctl" -r "$run" --file-prefix "$P" detach ""
		expect_completion "net_ring0" "$hpctl" -r "$run" --file-prefix "$P" start ""
		expect_completion "net_null0 net_ring0" "$hpctl" -r "$run" --file-prefix "$P" configure ""
		expect_completion "off on" "$hpctl" -r "$run" --file-prefix "$P" start net_ring0 --promisc ""
		expect_completion "ip,udp" "$hpctl" start net_ring0 --rss ip,u
		expect_completion "net_null0" "$hpctl" -r "$run" --file-prefix = "$P" stop ""
		expect_completion "$apid" "$hpctl" -r "$run" --file-prefix "$P" --pid ""
		expect_completion "net_null0" "$hpctl" --json -r "$run" --file-prefix "$P" detach net_nu
		expect_completion "net_null0 net_ring0" "$hpctl" detach --json -r "$run" --file-prefix "$P" ""
		expect_completion "net_null" "$hpctl" -r "$run" --file-prefix "$P" attach net_nu
		# net_af_xdp is a DPDK driver the built-in policy refuses: not offered
		expect_completion "net_af_packet" "$hpctl" -r "$run" --file-prefix "$P" attach net_af
		allowed=$("${h[@]}" --json status | python3 -c 'import json,sys
print(" ".join(sorted(d for d in json.load(sys.stdin)["allowed_drivers"] if d != "pci")))')
		got=$(completion_of "$hpctl" -r "$run" --file-prefix "$P" attach "")
		check "completion: attach offers the policy's drivers ($allowed), got ($got)" \
			test "${got% }" = "$allowed"
		if command -v zsh >/dev/null; then
			got=$(zsh_completion_of _hpctl_drivers "" "$hpctl" -r "$run" --file-prefix "$P" attach "")
			check "zsh completion: attach offers the policy's drivers ($allowed), got ($got)" \
				test "${got% }" = "$allowed"
			got=$(zsh_completion_of _hpctl_devices stopped "$hpctl" -r "$run" --file-prefix "$P" start "")
			check "zsh completion: start offers the stopped ports (net_ring0), got ($got)" \
				test "$got" = "net_ring0 "
		fi
		expect_completion "" "$hpctl" -r "$run" --file-prefix "$P" detach net_null0 ""

		kill -TERM "$apid"
		wait_until 15 eval "! kill -0 $apid 2>/dev/null"
		wait "$apid"
		rc=$?
		check "socket activation: exits 0 on SIGTERM (status $rc)" test "$rc" = 0
		check "socket activation: the daemon leaves the socket file, which systemd owns" test -S "$sock"
	else
		skip "socket activation: systemd-socket-activate not installed"
	fi

	# --- 6. readiness --------------------------------------------------------
	if [[ $installed == 1 ]]; then
		echo "#   installed files: readiness and the sandboxed run are the units stage's"
	else
		wd=no
		grep -q -a 'WATCHDOG=1' "$hotplugd" && wd=yes
		python3 "$unitlib" readiness --hotplugd "$hotplugd" --run "$run" --prefix "${pfx}b" \
			--tmp "$tmp" --watchdog "$wd" ${nostate:+--no-state} >"$tmp/readiness.out" 2>&1
		rc=$?
		tally <"$tmp/readiness.out"
		if [[ $rc != 0 ]] && ! grep -q '^FAIL - ' "$tmp/readiness.out"; then
			fail "readiness: the helper failed (status $rc)"
		fi

		# --- 7. the units' sandbox -------------------------------------------------
		caps=
		for c in $(unit_setting hotplugd.service CapabilityBoundingSet); do
			c=${c#CAP_}
			caps+=",+${c,,}"
		done
		caps=${caps#,}
		if ! command -v setpriv >/dev/null || ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
			skip "sandbox: setpriv, unshare or ip missing"
		else
			echo "#   sandbox: bounding set $caps, no-new-privs, umask 0027, private netns"
			unshare -n bash "$0" --sandbox "$tmp" "${pfx}c" "$caps" "$has_state" >"$tmp/sandbox.out" 2>&1
			rc=$?
			tally <"$tmp/sandbox.out"
			if [[ $rc != 0 ]] && ! grep -q '^FAIL - ' "$tmp/sandbox.out"; then
				fail "sandbox: the sandboxed run failed (status $rc)"
			fi
			if [[ -f $tmp/syscalls.primary ]]; then
				# shellcheck disable=SC2046 # one word per set
				allowed=$(expand_syscalls $(unit_setting hotplugd.service SystemCallFilter))
				used=$(awk '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {print $NF}' \
					"$tmp"/syscalls.* | sort -u)
				extra=$(comm -23 <(echo "$used") <(echo "$allowed") | tr '\n' ' ')
				if [[ -n $used && -z $extra ]]; then
					ok "sandbox: all $(wc -w <<<"$used") system calls made are in SystemCallFilter="
				else
					fail "sandbox: system calls outside SystemCallFilter=: ${extra:-none traced}"
				fi
			else
				skip "sandbox: system calls: strace not installed"
			fi
		fi
	fi

	# --- 8. the real units, under a systemd manager ----------------------------
	if [[ ${HOTPLUGD_UNITS_MANAGER:-1} == 0 ]]; then
		skip "units under systemd: HOTPLUGD_UNITS_MANAGER=0"
	elif [[ ! -x /lib/systemd/systemd ]] || ! command -v systemctl >/dev/null ||
		[[ ! -d /sys/fs/cgroup/systemd && ! -f /sys/fs/cgroup/cgroup.procs ]]; then
		skip "units under systemd: no systemd binary or cgroup hierarchy"
	else
		manager_tests
	fi
fi

# --- 9. meson install into a DESTDIR: everything lands where it belongs -----

# libhotplugd-member as a third party sees it: header, pkg-config file and
# man page installed; the example builds out of tree with nothing but
# pkg-config, links, and the library exports only its API.
member_library_installed() { # DESTDIR PREFIX
	local dest=$1 prefix=$2 libdir pcdir work exported
	libdir=$(meson introspect "$builddir" --buildoptions |
		python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "libdir"))')
	[[ $libdir == /* ]] || libdir=$prefix/$libdir
	pcdir=$dest$libdir/pkgconfig
	check "libhotplugd-member: library, header, pkg-config file and man page installed" \
		test -e "$dest$libdir/libhotplugd-member.so.0" -a -e "$dest$prefix/include/hotplugd/member.h" \
		-a -e "$pcdir/libhotplugd-member.pc" -a -e "$dest$prefix/share/man/man3/libhotplugd-member.3"
	work=$(mktemp -d /tmp/hpd-example.XXXXXX)
	cp "$top/examples/hpd_fwd.c" "$top/examples/Makefile" "$work/"
	# the staged .pc, pointed at the stage (a sysroot would move libdpdk's
	# paths too)
	sed "s|^prefix=.*|prefix=$dest$prefix|" "$pcdir/libhotplugd-member.pc" >"$work/libhotplugd-member.pc"
	if PKG_CONFIG_PATH=$work make -C "$work" >"$work/build.log" 2>&1; then
		check "examples/hpd_fwd builds out of tree through pkg-config alone (PKG_CONFIG_PATH)" true
		# a prefix outside the loader's path: the Makefile's rpath finds it
		check "hpd_fwd links the staged libhotplugd-member without LD_LIBRARY_PATH" \
			bash -c "env -u LD_LIBRARY_PATH ldd $work/hpd_fwd | grep -q 'libhotplugd-member.so.0 => $dest'"
		example_joins "$work/hpd_fwd" "hpd_fwd built against a temporary prefix"
	else
		fail "examples/hpd_fwd out of tree: $(tail -3 "$work/build.log")"
	fi
	exported=$(nm -D --defined-only "$dest$libdir/libhotplugd-member.so.0" |
		awk '$2 == "T" {print $3}' | grep -v '^hpd_member_' || true)
	check "libhotplugd-member exports hpd_member_* only${exported:+ (also: $exported)}" test -z "$exported"
	rm -rf "$work"
}

# The installed -dev package as a third party sees it: its example builds
# with pkg-config alone (no PKG_CONFIG_PATH) and runs.
if [[ $installed == 1 ]]; then
	work=$(mktemp -d /tmp/hpd-example.XXXXXX)
	cp /usr/share/doc/libhotplugd-member-dev/examples/* "$work/"
	gunzip -f "$work"/*.gz 2>/dev/null
	if env -u PKG_CONFIG_PATH make -C "$work" >"$work/build.log" 2>&1; then
		ok "the installed example builds with pkg-config alone"
		example_joins "$work/hpd_fwd" "hpd_fwd built against the installed -dev package"
	else
		fail "the installed example: $(tail -n 3 "$work/build.log" | tr '\n' '|')"
	fi
	rm -rf "$work"
	echo "$passed passed, $failed failed, $skipped skipped"
	[[ $failed == 0 ]]
	exit
fi

# The Python client as a script sees it: importable from where meson put
# it, by the system's Python, with the protocol's document beside it, and
# documented (pydoc).
python_client_installed() { # DESTDIR
	local dest=$1 init dir
	init=$(find "$dest" -path '*/hotplugd/__init__.py' -print -quit)
	if [[ -z $init ]]; then
		fail "python client: hotplugd/__init__.py not installed"
		return
	fi
	dir=$(dirname "$(dirname "$init")")
	check "python client: installed with openrpc.json beside it" test -e "$dir/hotplugd/openrpc.json"
	check "python client: import hotplugd by /usr/bin/python3, its document loads, pydoc documents it" \
		env -u PYTHONPATH PYTHONPATH="$dir" /usr/bin/python3 -c '
import hotplugd, hotplugd.schema, os, pydoc, sys
assert os.path.dirname(hotplugd.__file__) == sys.argv[1] + "/hotplugd", hotplugd.__file__
assert hotplugd.schema.document()["info"]["version"]
assert "EventStream" in pydoc.render_doc(hotplugd, renderer=pydoc.plaintext)' "$dir"
}

dest=$(mktemp -d /tmp/hpd-destdir.XXXXXX)
if DESTDIR=$dest meson install -C "$builddir" --no-rebuild --quiet >"$dest.log" 2>&1; then
	prefix=$(meson introspect "$builddir" --buildoptions |
		python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
	missing=""
	for f in "$prefix/sbin/hotplugd" "$prefix/bin/hpctl" "$prefix/bin/dpdk-hotplug_mp" \
		"$prefix/share/man/man8/hotplugd.8" "$prefix/share/man/man8/hpctl.8"; do
		[[ -e $dest$f ]] || missing+=" $f"
	done
	for f in hotplugd.service hotplugd.socket hotplugd-secondary@.service hotplugd.conf hpctl hotplugd.catalog; do
		[[ -n $(find "$dest" -name "$f" -print -quit) ]] || missing+=" $f"
	done
	check "meson install into DESTDIR installs binaries, units, man pages, sysusers/tmpfiles, completion, catalog${missing:+ (missing:$missing)}" \
		test -z "$missing"
	# systemd's directories only for /usr; under any other prefix, the prefix's
	if [[ $prefix == /usr ]]; then
		sd=$dest$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
	else
		sd=$dest$prefix/lib/systemd/system
	fi
	outside=$(cd "$dest" && find . \( -path "./${prefix#/}" -o -path ".${sd#"$dest"}" \) -prune -o \
		! -type d -print | tr '\n' ' ')
	check "meson install --prefix $prefix: units in $sd, nothing outside the prefix${outside:+ (outside: $outside)}" \
		test -e "$sd/hotplugd.service" -a -z "$outside"
	missing=
	for f in share/doc/hotplugd/protocol.md share/doc/hotplugd/operations.md \
		share/doc/hotplugd/NEWS.md share/zsh/vendor-completions/_hpctl; do
		[[ -e $dest$prefix/$f ]] || missing+=" $f"
	done
	check "meson install: the documents and the zsh completion${missing:+ (missing:$missing)}" test -z "$missing"
	member_library_installed "$dest" "$prefix"
	python_client_installed "$dest"
else
	fail "meson install into DESTDIR: $(tail -3 "$dest.log")"
fi
rm -rf "$dest" "$dest.log"

echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed == 0 ]]
