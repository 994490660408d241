#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Physical hotplug under a running group (issue 16), INSIDE the QEMU guest:
#   tests/qemu/run-guest.sh --nic e1000       --script tests/qemu/pci-physical.sh
#   tests/qemu/run-guest.sh --nic virtio-vfio --script tests/qemu/pci-physical.sh
# One primary, one secondary and one worker secondary (hotplugd --worker
# rxonly, polling the NIC), the NIC attached and started through the
# primary's devices file, whose entry is also its arrival rule
# ({"devargs": ADDR, "bound_to": USER_DRIVER, "start": true}). Cases:
#   removed_device_del   device_del while attached and started: device.removed,
#                        every list empty, nobody crashed, the kernel's removal
#                        completes (ADDR gone from /sys/bus/pci/devices), the
#                        state file records it under "removed"; timed
#   arrived_device_add   device_add, then the test binds it to the userspace
#                        driver (sysfs): device.arrived, attached and started
#                        everywhere as before, the worker polls it again; timed
#   (both PT_PHYS_RUNS times, default 3: p50 and max in the detail)
#   restart_keeps_removed  a primary started while the NIC is away neither
#                        attaches it nor forgets it
#   removed_unbind       unbind from the userspace driver while attached
#   arrived_by_id        a rule by vendor:device (no address) attaches and
#                        starts the NIC everywhere once bound to the driver
#   removed_during_user_detach  the removal arrives while a user's detach of the
#                        device is paused between its ping and its quiesce
#                        (test build: HOTPLUGD_PRIMARY_PAUSE)
#   removed_member_frozen  a secondary SIGSTOPped: fenced, the removal completes
#   removed_inside_burst every burst of the worker also reads the NIC's
#                        registers: on uio the removal faults it inside the
#                        burst (SIGBUS) and DPDK's handler must remap the BARs
#   sigbus_without_handler  (uio) the control: the same worker without that
#                        handler dies of SIGBUS, the rest of the group goes on
# The last four run the test build (fault hooks, ASan+UBSan): no sanitizer
# report may appear in any log (but the control's). Every case ends with
# hpctl check. The device.removed event's steps split the time into
# DPDK's own stop and remove and hotplugd's rounds (timings.txt).
# Results: one JSON line per case in $HPD_RESULTS/results.jsonl; logs in
# $HPD_RESULTS/physical/; the timings also in $HPD_RESULTS/physical/timings.txt.
set -u

declare -F hpd_result >/dev/null || . "$(dirname "$0")/guest-prep.sh"
if [ "${HPD_IN_GUEST:-0}" != 1 ] || ! hpd_in_guest; then
	echo "pci-physical.sh: only in the QEMU guest (tests/qemu/run-guest.sh --script $0)" >&2
	exit 2
fi

addr=${HPD_PCI_ADDR:?}
export HPD_BIND_METHOD=sysfs
RUNS=${PT_PHYS_RUNS:-3}
LOGLEVEL=${PT_LOG_LEVEL:-info} # debug: each round's and device call's end, in ms
OP_TIMEOUT=${PT_OP_TIMEOUT:-60}
RUN=/run/hpp WORK=/tmp/hpp LOGS=$HPD_RESULTS/physical
failed=0

rm -rf "$WORK" "$LOGS"
mkdir -p "$WORK/bin" "$WORK/tbin" "$LOGS" "$RUN"
mkfifo "$WORK/nap"
exec {NAPFD}<>"$WORK/nap"
nap() { read -r -t "$1" -u "$NAPFD" _; }
now() { NOW=$((${EPOCHREALTIME/./} / 1000)); }
slurp() { SLURP=; [ -e "$1" ] && IFS= read -r -d '' SLURP <"$1"; return 0; }

# Release programs (snapshot of the run) and the test build's (fault hooks,
# sanitizers), copied to the guest's tmpfs.
for p in hotplugd hpctl; do
	for d in "$HPD_RESULTS/bin" "$HPD_BUILDDIR/src/daemon" "$HPD_BUILDDIR/src/ctl"; do
		[ -x "$d/$p" ] && { cp "$d/$p" "$WORK/bin/"; break; }
	done
done
TESTBUILD=${HOTPLUGD_TEST_BUILDDIR:-$HPD_TOP/build-test}
# run-guest.sh's snapshot first (a work tree under /tmp is not visible here)
for d in "$HPD_RESULTS/tbin" "$TESTBUILD/src/daemon"; do
	[ -x "$d/hotplugd" ] && { cp "$d/hotplugd" "$WORK/tbin/"; break; }
done
HPCTL=$WORK/bin/hpctl

result() { # case pass|fail detail [ms]
	local d=$3
	d=${d//\\/\\\\}
	d=${d//\"/\\\"}
	d=${d//[$'\001'-$'\037']/ }
	printf '{"case":"%s","nic":"%s","via":"hpctl","origin":"-","status":"%s","detail":"%s","ms":%s}\n' \
		"$1" "$HPD_NIC_KIND" "$2" "$d" "${4:-0}" >>"$HPD_RESULTS/results.jsonl"
	echo "pci-physical: [$2] $1: $3"
	[ "$2" = pass ] || failed=$((failed + 1))
}

# ---------------------------------------------------------------- the group
declare -A PID
P='' BIN=''
WRK_ENV=() # the worker's environment (test build hooks)
DEVS=''    # the primary's devices file, when not the NIC's own entry
hp() { # role args...: HP_RC, HP_OUT
	local r=$1 who=()
	shift
	[ "$r" = pri ] || who=(--pid "${PID[$r]}")
	HP_OUT=$("$HPCTL" -r "$RUN" --file-prefix "$P" "${who[@]}" -t $((OP_TIMEOUT * 1000)) "$@" 2>&1)
	HP_RC=$?
}

start_role() { # role [env...]
	local r=$1 args
	shift
	case $r in
	pri) args=(-l 0 --base-virtaddr=0x200000000000 --file-prefix "$P" --proc-type=auto --
		-r "$RUN" -n pri --state-file "$WORK/$P-state.json" --devices "$WORK/devices.json") ;;
	sec) args=(-l 1 --file-prefix "$P" --proc-type=auto -- -r "$RUN" -n sec) ;;
	wrk) args=(--lcores 0@0,1@1 --file-prefix "$P" --proc-type=auto -- -r "$RUN" -n wrk
		--worker rxonly) ;;
	esac
	[ "$r" = wrk ] && set -- "$@" "${WRK_ENV[@]}"
	env "$@" "$BIN" "${args[@]}" --log-level "$LOGLEVEL" </dev/null >>"$LOGS/$P-$r.log" 2>&1 &
	PID[$r]=$!
}

wait_until() { # seconds command...: status 0 once the command succeeds
	local dl
	now
	dl=$((NOW + $1 * 1000))
	shift
	while ! "$@"; do
		now
		[ "$NOW" -ge "$dl" ] && return 1
		nap 0.05
	done
	return 0 # (the loop's own status is the last nap's)
}
sock_up() { [ -S "$RUN/$P/${1:-control.sock}" ]; }
joined() { hp pri --json ps && [[ "$HP_OUT" == *"\"pid\":${PID[$1]},"* || "$HP_OUT" == *"\"pid\":${PID[$1]}}"* ]]; }

# group_up BIN PREFIX [primary env...]: the primary restores the NIC from
# the devices file (attach + start), then the secondary and the worker.
group_up() {
	BIN=$1 P=$2
	shift 2
	rm -rf "${RUN:?}/$P" "/var/run/dpdk/$P" "$WORK/$P-state.json"
	if [ -n "$DEVS" ]; then
		printf '%s\n' "$DEVS" >"$WORK/devices.json"
	else
		printf '[{"devargs":"%s","bound_to":"%s","start":true}]\n' "$addr" "$HPD_USER_DRIVER" \
			>"$WORK/devices.json"
	fi
	start_role pri "$@"
	wait_until 120 sock_up || { UP_ERR="primary not up"; return 1; }
	if [ -n "$DEVS" ]; then
		wait_until 60 restored || { UP_ERR="primary did not finish its restore"; return 1; }
	else
		wait_until 60 started_in pri || { UP_ERR="primary did not restore $addr started: $HP_OUT"; return 1; }
	fi
	start_role sec
	start_role wrk
	wait_until 120 joined sec || { UP_ERR="secondary did not join"; return 1; }
	wait_until 120 joined wrk || { UP_ERR="worker did not join"; return 1; }
	"$HPCTL" -r "$RUN" --file-prefix "$P" --json watch >"$WORK/$P-events" 2>/dev/null &
	PID[watch]=$!
	[ -n "$DEVS" ] && return 0 # nothing attached yet
	wait_until 30 polled || { UP_ERR="the worker does not poll $addr: $HP_OUT"; return 1; }
}

group_down() {
	local r
	for r in watch wrk sec pri; do
		[ -n "${PID[$r]:-}" ] && kill -TERM "${PID[$r]}" 2>/dev/null
	done
	for r in watch wrk sec pri; do
		[ -n "${PID[$r]:-}" ] || continue
		wait_until 30 dead "$r" || kill -KILL "${PID[$r]}" 2>/dev/null
		wait "${PID[$r]}" 2>/dev/null
	done
	PID=()
	cp "$WORK/$P-events" "$WORK/$P-state.json" "$LOGS/" 2>/dev/null
	rm -rf "${RUN:?}/$P" "/var/run/dpdk/$P"
	rm -f /dev/hugepages/"$P"map_* 2>/dev/null
}
dead() { ! kill -0 "${PID[$1]}" 2>/dev/null; }
alive_all() { # the group's processes still run (the frozen one excepted: $1)
	local r
	for r in pri sec wrk; do
		[ "$r" = "${1:-}" ] && continue
		dead "$r" && { ALIVE_ERR="$r (pid ${PID[$r]}) died"; return 1; }
	done
	return 0
}

started_in() { hp "$1" --json list && [[ "$HP_OUT" == *"\"name\":\"$addr\""* && "$HP_OUT" == *'"state":"started"'* ]]; }
absent_in() { hp "$1" --json list && [[ "$HP_OUT" != *"\"$addr\""* ]]; }
absent_everywhere() { absent_in pri && absent_in sec && absent_in wrk; }
started_everywhere() { started_in pri && started_in sec && started_in wrk; }
polled() { hp wrk --json stats && [[ "$HP_OUT" == *'"polled":true'* ]]; }
kernel_gone() { [ ! -e "/sys/bus/pci/devices/$addr" ]; }
checked() { hp pri check; [ "$HP_RC" = 0 ]; }

# The Nth event named $1 in the watch stream, in EV; its "ms" in EV_MS.
nth_event() { # name n
	local line n=0
	slurp "$WORK/$P-events"
	while IFS= read -r line; do
		[[ "$line" == *"\"event\":\"$1\""* ]] || continue
		n=$((n + 1))
		if [ "$n" -ge "$2" ]; then
			EV=$line
			EV_MS=0
			[[ "$line" =~ \"ms\":([0-9.]+) ]] && EV_MS=${BASH_REMATCH[1]}
			return 0
		fi
	done <<<"$SLURP"
	return 1
}
count_events() { # name -> COUNT
	slurp "$WORK/$P-events"
	local line
	COUNT=0
	while IFS= read -r line; do
		[[ "$line" == *"\"event\":\"$1\""* ]] && COUNT=$((COUNT + 1))
	done <<<"$SLURP"
}

sanitizer_clean() { # a sanitizer's report in any log of the group
	local f
	for f in "$LOGS/$P"-*.log; do
		slurp "$f"
		if [[ "$SLURP" == *"ERROR: AddressSanitizer"* || "$SLURP" == *"runtime error:"* ||
			"$SLURP" == *"ERROR: LeakSanitizer"* ]]; then
			SAN_ERR="sanitizer report in ${f##*/}"
			return 1
		fi
	done
}

p50() { # numbers... -> REPLY (median, integers), MAX
	local s
	s=$(printf '%s\n' "$@" | sort -n)
	mapfile -t s <<<"$s"
	REPLY=${s[$(((${#s[@]} - 1) / 2))]}
	MAX=${s[$((${#s[@]} - 1))]}
}

# timings CASE NOTE "LABEL:ARRAY"...: one pass line with the p50 and max of
# each array (the first p50 is the case's ms), also in timings.txt
timings() {
	local c=$1 note=$2 d='' first='' a ref
	shift 2
	for a in "$@"; do
		ref="${a##*:}[@]"
		p50 "${!ref}"
		d+="${a%:*} p50 ${REPLY} ms (max $MAX, runs ${!ref}); "
		[ -n "$first" ] || first=$REPLY
	done
	result "$c" pass "$d$note" "$first"
	echo "$c $HPD_NIC_KIND: $d$note" >>"$LOGS/timings.txt"
}

# ---------------------------------------------------------------- steps
# unplug: device_del, then the group lets go; sets U_SIG_MS (signal to
# detached everywhere, the primary's figure), U_REQ_MS (the guest's
# request to every list empty), U_KERNEL_MS (request to the kernel's
# removal complete). N is the device.removed event's number.
unplug() { # n [frozen role]
	local n=$1 frozen=${2:-} t0 t1
	now
	t0=$NOW
	hpd_qemu_monitor "device_del hpdnic0" >/dev/null || { FAIL="device_del refused: status $?"; return 1; }
	wait_until "$OP_TIMEOUT" nth_event device.removed "$n" ||
		{ FAIL="no device.removed #$n event"; return 1; }
	U_SIG_MS=${EV_MS%.*}
	[[ "$EV" =~ \"signal\":\"([a-z-]+)\" ]] && U_SIGNAL=${BASH_REMATCH[1]}
	split_steps "$EV"
	if [ "$frozen" = sec ]; then
		absent_in pri && absent_in wrk || { FAIL="still listed after device.removed: $HP_OUT"; return 1; }
	else
		absent_everywhere || { FAIL="still listed after device.removed: $HP_OUT"; return 1; }
	fi
	now
	t1=$NOW
	U_REQ_MS=$((t1 - t0))
	wait_until 30 kernel_gone || { FAIL="$addr still in /sys/bus/pci/devices"; return 1; }
	now
	U_KERNEL_MS=$((NOW - t0))
	alive_all "$frozen" || { FAIL=$ALIVE_ERR; return 1; }
	checked || { FAIL="hpctl check: $HP_OUT"; return 1; }
}

# The event's steps split into the primary's device calls (DPDK's own
# teardown: the driver's stop and the EAL's remove, which includes the
# members' EAL detach) and everything else (hotplugd's rounds and the
# time between steps): U_DPDK_MS, U_OURS_MS; U_STEPS lists them.
split_steps() { # event line
	local rest=$1 obj name by ms dpdk=0
	U_STEPS=''
	while [[ "$rest" =~ \{[^{}]*\"step\":[^{}]*\} ]]; do
		obj=${BASH_REMATCH[0]}
		rest=${rest#*"$obj"}
		[[ "$obj" =~ \"step\":\"([a-z]+)\" ]] && name=${BASH_REMATCH[1]}
		[[ "$obj" =~ \"by\":\"([a-z]+)\" ]] && by=${BASH_REMATCH[1]}
		[[ "$obj" =~ \"ms\":([0-9]+) ]] && ms=${BASH_REMATCH[1]}
		U_STEPS+="$name=$ms "
		[ "$by" = primary ] && dpdk=$((dpdk + ms))
	done
	U_DPDK_MS=$dpdk
	U_OURS_MS=$((${EV_MS%.*} - dpdk))
}

# replug: device_add, the kernel's driver binds, the test binds the
# userspace driver; the arrival rule attaches and starts it everywhere.
replug() { # n
	local n=$1 t0 tb
	now
	t0=$NOW
	hpd_nic_replug "$addr" 30 >/dev/null 2>&1 || { FAIL="device_add: $addr not back"; return 1; }
	wait_until 30 kernel_bound || { FAIL="$addr not on $HPD_KERNEL_DRIVER after device_add"; return 1; }
	now
	tb=$NOW
	hpd_bind_user "$addr" >/dev/null 2>&1 || { FAIL="bind to $HPD_USER_DRIVER failed"; return 1; }
	wait_until "$OP_TIMEOUT" nth_event device.arrived "$n" ||
		{ FAIL="no device.arrived #$n event"; return 1; }
	[[ "$EV" == *'"errno"'* ]] && { FAIL="arrival failed: $EV"; return 1; }
	A_SIG_MS=${EV_MS%.*}
	wait_until 30 started_everywhere || { FAIL="not started everywhere: $HP_OUT"; return 1; }
	now
	A_BIND_MS=$((NOW - tb))
	A_REQ_MS=$((NOW - t0))
	# a secondary probes a PCI device inside the primary's rte_dev_probe,
	# before the primary can configure it, so it has no queue arrays and
	# its worker leaves it alone (docs/operations.md); said, not required
	A_POLLED=no
	polled && A_POLLED=yes
	alive_all || { FAIL=$ALIVE_ERR; return 1; }
	checked || { FAIL="hpctl check: $HP_OUT"; return 1; }
}
kernel_bound() { [ "$(hpd_driver_of "$addr")" = "$HPD_KERNEL_DRIVER" ]; }
paused() { slurp "$LOGS/$P-pri.log"; [[ "$SLURP" == *"fault injection: pause"* ]]; }
dead_pid() { ! kill -0 "$1" 2>/dev/null; }
# the NIC present and on the userspace driver again, whatever the last case left
back_user() {
	if [ ! -e "/sys/bus/pci/devices/$addr" ]; then
		hpd_nic_replug "$addr" 30 >/dev/null 2>&1
		wait_until 30 kernel_bound
	fi
	[ "$(hpd_driver_of "$addr")" = "$HPD_USER_DRIVER" ] || hpd_bind_user "$addr" >/dev/null 2>&1
}
restored() { hp pri --json status && [[ "$HP_OUT" == *'"restore"'* ]]; }

cleanup() {
	group_down 2>/dev/null
	[ -e "/sys/bus/pci/devices/$addr" ] || hpd_nic_replug "$addr" 30 >/dev/null 2>&1
	rm -rf "$RUN" "$WORK"
}
trap cleanup EXIT

# ---------------------------------------------------------------- cases
echo "pci-physical: $HPD_NIC_KIND $addr ($HPD_KERNEL_DRIVER / $HPD_USER_DRIVER), $RUNS runs"
hpd_bind_user "$addr" >/dev/null 2>&1 || { result setup fail "cannot bind $HPD_USER_DRIVER"; exit 1; }

if ! group_up "$WORK/bin/hotplugd" pp-rel; then
	result group_up fail "$UP_ERR"
	exit 1
fi
sig=() req=() kern=() dpdk=() ours=() asig=() abind=() areq=() ok=1
for i in $(seq 1 "$RUNS"); do
	if ! unplug "$i"; then result removed_device_del fail "run $i: $FAIL"; ok=0; break; fi
	sig+=("$U_SIG_MS") req+=("$U_REQ_MS") kern+=("$U_KERNEL_MS")
	dpdk+=("$U_DPDK_MS") ours+=("$U_OURS_MS")
	echo "removed_device_del $HPD_NIC_KIND run $i: steps ${U_STEPS}(ms)" >>"$LOGS/timings.txt"
	if [ "$i" = 1 ]; then
		slurp "$WORK/$P-state.json"
		if [[ "$SLURP" != *'"removed"'*"\"$addr\""* ]]; then
			result removed_device_del fail "the state file does not record $addr as removed: $SLURP"
			ok=0
			break
		fi
	fi
	if [ "$i" = "$RUNS" ]; then break; fi # the last one stays away for the restart case
	if ! replug "$i"; then result arrived_device_add fail "run $i: $FAIL"; ok=0; break; fi
	asig+=("$A_SIG_MS") abind+=("$A_BIND_MS") areq+=("$A_REQ_MS")
done
if [ "$ok" = 1 ]; then
	timings removed_device_del "signal $U_SIGNAL" "signal->detached everywhere:sig" \
		"of which DPDK's stop and remove (driver and EAL):dpdk" \
		"of which hotplugd's rounds and steps between:ours" \
		"device_del request->every list empty:req" "device_del request->gone from sysfs:kern"
	[ ${#asig[@]} -gt 0 ] && timings arrived_device_add "bound by the test (sysfs); the worker polls it again: $A_POLLED" \
		"bind uevent->attached and started everywhere:asig" \
		"bind->started in every list:abind" "device_add request->started everywhere:areq"
fi
[ "$ok" = 1 ] || group_down

# restart while the NIC is away: not attached, still remembered
if [ "$ok" = 1 ]; then
	group_down
	start_role pri
	if ! wait_until 120 sock_up || ! wait_until 30 restored; then
		result restart_keeps_removed fail "primary not up"
	else
		slurp "$WORK/$P-state.json"
		st=$SLURP
		slurp "$LOGS/$P-pri.log"
		if ! absent_in pri; then
			result restart_keeps_removed fail "the primary lists $addr: $HP_OUT"
		elif [[ "$st" != *'"removed"'*"\"$addr\""* ]]; then
			result restart_keeps_removed fail "forgotten: $st"
		else
			result restart_keeps_removed pass "not attached, still under \"removed\" in the state file"
		fi
	fi
	group_down
fi

# unbind from the userspace driver while attached and started
back_user
if group_up "$WORK/bin/hotplugd" pp-unb; then
	now
	t0=$NOW
	echo "$addr" >"/sys/bus/pci/drivers/$HPD_USER_DRIVER/unbind" &
	ub=$!
	if ! wait_until "$OP_TIMEOUT" nth_event device.removed 1; then
		result removed_unbind fail "no device.removed"
	elif ! absent_everywhere; then
		result removed_unbind fail "still listed: $HP_OUT"
	elif ! wait_until 30 dead_pid "$ub"; then
		result removed_unbind fail "the unbind did not return"
	elif ! alive_all || ! checked; then
		result removed_unbind fail "${ALIVE_ERR:-hpctl check: $HP_OUT}"
	else
		[[ "$EV" =~ \"signal\":\"([a-z-]+)\" ]]
		now
		result removed_unbind pass "signal ${BASH_REMATCH[1]}, ${EV_MS%.*} ms signal->detached; unbind returned after $((NOW - t0)) ms" "${EV_MS%.*}"
	fi
	wait "$ub" 2>/dev/null
else
	result removed_unbind fail "$UP_ERR"
fi
group_down

# arrival by vendor:device: a rule naming no address attaches and starts
# the NIC, kernel-bound when the group came up, once it is bound to the
# userspace driver
back_user
hpd_bind_kernel "$addr" >/dev/null 2>&1
read -r ven <"/sys/bus/pci/devices/$addr/vendor"
read -r dev <"/sys/bus/pci/devices/$addr/device"
ID="${ven#0x}:${dev#0x}"
DEVS="[{\"match\":\"$ID\",\"bound_to\":\"$HPD_USER_DRIVER\",\"start\":true}]"
if group_up "$WORK/bin/hotplugd" pp-vid; then
	if absent_everywhere && hpd_bind_user "$addr" >/dev/null 2>&1 &&
		wait_until "$OP_TIMEOUT" nth_event device.arrived 1; then
		if [[ "$EV" == *'"errno"'* ]]; then
			result arrived_by_id fail "arrival failed: $EV"
		elif ! wait_until 30 started_everywhere || ! alive_all || ! checked; then
			result arrived_by_id fail "${ALIVE_ERR:-not started everywhere: $HP_OUT}"
		else
			result arrived_by_id pass "rule match $ID bound_to $HPD_USER_DRIVER (no address): attached and started everywhere ${EV_MS%.*} ms after the bind uevent" "${EV_MS%.*}"
		fi
	else
		result arrived_by_id fail "no device.arrived after the bind to $HPD_USER_DRIVER (listed before it: $HP_OUT)"
	fi
else
	result arrived_by_id fail "$UP_ERR"
fi
DEVS=''
group_down

# test build: a removal while a user's detach is in flight, and with a
# frozen member
if [ ! -x "$WORK/tbin/hotplugd" ]; then
	result removed_during_user_detach fail "no test build at $TESTBUILD (scripts/test.sh builds it)"
else
	back_user
	if group_up "$WORK/tbin/hotplugd" pp-inf HOTPLUGD_PRIMARY_PAUSE=detach:ping:3000; then
		hp sec detach "$addr" >"$WORK/detach.out" 2>&1 &
		dp=$!
		if ! wait_until 30 paused; then
			result removed_during_user_detach fail "no pause in the primary's log"
		elif ! hpd_qemu_monitor "device_del hpdnic0" >/dev/null; then
			result removed_during_user_detach fail "device_del refused"
		elif ! wait_until "$OP_TIMEOUT" dead_pid "$dp"; then
			result removed_during_user_detach fail "the user's detach did not return"
		else
			wait "$dp"
			drc=$?
			if [ "$drc" != 0 ]; then
				result removed_during_user_detach fail "the user's detach failed ($drc): $(cat "$WORK/detach.out")"
			elif ! wait_until 30 kernel_gone; then
				result removed_during_user_detach fail "$addr still in sysfs"
			elif ! absent_everywhere || ! alive_all || ! checked; then
				result removed_during_user_detach fail "${ALIVE_ERR:-after: $HP_OUT}"
			elif ! sanitizer_clean; then
				result removed_during_user_detach fail "$SAN_ERR"
			else
				count_events device.removed
				result removed_during_user_detach pass "user's detach answered ok, device.removed events: $COUNT (the removal found it detached), kernel removal complete, test build (ASan+UBSan) clean"
			fi
		fi
	else
		result removed_during_user_detach fail "$UP_ERR"
	fi
	group_down
	back_user
	if group_up "$WORK/tbin/hotplugd" pp-frz; then
		kill -STOP "${PID[sec]}"
		if ! unplug 1 sec; then
			result removed_member_frozen fail "$FAIL"
		elif ! wait_until 10 dead sec; then
			result removed_member_frozen fail "the frozen member was not fenced"
		elif ! sanitizer_clean; then
			result removed_member_frozen fail "$SAN_ERR"
		else
			count_events member.fenced
			result removed_member_frozen pass "frozen member fenced ($COUNT member.fenced), signal $U_SIGNAL, signal->detached ${U_SIG_MS} ms, kernel removal complete after ${U_KERNEL_MS} ms; test build clean" "$U_SIG_MS"
		fi
	else
		result removed_member_frozen fail "$UP_ERR"
	fi
	kill -CONT "${PID[sec]}" 2>/dev/null
	group_down

	# Every burst of the worker also reads the NIC's counters from its
	# registers (HOTPLUGD_BURST_TOUCHES_DEVICE), so the removal finds it
	# inside a burst on the device. uio: once the kernel has removed the
	# device the worker's BAR mappings are revoked (=revoke: this guest's
	# 6.1 kernel leaves sysfs resource mappings of a removed device in
	# place, so the test build does what a revoking kernel would), the
	# worker faults (SIGBUS) and DPDK's hotplug failure handler remaps
	# them ("Successful remap" in the worker's log: a worker runs no device
	# event monitor, only the SIGBUS path remaps there). The primary holds
	# the quiesce back 1.5 s so that the fault comes first. vfio-pci keeps
	# the BARs mapped until the group lets go: no fault.
	back_user
	WRK_ENV=(HOTPLUGD_BURST_TOUCHES_DEVICE=revoke)
	if group_up "$WORK/tbin/hotplugd" pp-bus HOTPLUGD_PRIMARY_PAUSE=removal:ping:1500; then
		if ! unplug 1; then
			result removed_inside_burst fail "$FAIL"
		elif ! sanitizer_clean; then
			result removed_inside_burst fail "$SAN_ERR"
		else
			slurp "$LOGS/$P-wrk.log"
			if [[ "$SLURP" == *"Successful remap resource for device $addr"* ]]; then
				result removed_inside_burst pass "the worker faulted inside a burst on the removed BARs (SIGBUS) and DPDK remapped them; nobody died, signal $U_SIGNAL, signal->detached ${U_SIG_MS} ms (the 1.5 s hold of the quiesce included); test build clean" "$U_SIG_MS"
			elif [ "$HPD_USER_DRIVER" = vfio-pci ]; then
				result removed_inside_burst pass "no fault: vfio-pci keeps the BARs mapped until the group lets go (the vfio request waits for it); the worker polled the port until quiesced; nobody died, signal $U_SIGNAL, signal->detached ${U_SIG_MS} ms (the 1.5 s hold of the quiesce included); test build clean" "$U_SIG_MS"
			else
				result removed_inside_burst fail "no remap in the worker's log: the case did not fault it (uio takes the BARs away at once)"
			fi
		fi
	else
		result removed_inside_burst fail "$UP_ERR"
	fi
	group_down

	# The control: the same without DPDK's handler in the worker must kill
	# it, or the case above proves nothing (uio only: vfio never faults).
	if [ "$HPD_USER_DRIVER" != vfio-pci ]; then
		back_user
		WRK_ENV=(HOTPLUGD_BURST_TOUCHES_DEVICE=revoke HOTPLUGD_NO_FAILURE_HANDLER=1)
		if group_up "$WORK/tbin/hotplugd" pp-ctl HOTPLUGD_PRIMARY_PAUSE=removal:ping:1500; then
			wp=${PID[wrk]}
			if ! hpd_qemu_monitor "device_del hpdnic0" >/dev/null; then
				result sigbus_without_handler fail "device_del refused"
			elif ! wait_until 30 dead wrk; then
				result sigbus_without_handler fail "the worker without the handler survived: the removal case does not fault a burst"
			else
				wait "$wp"
				wst=$?
				slurp "$LOGS/$P-wrk.log"
				if [ "$wst" = $((128 + 7)) ] || [[ "$SLURP" == *"BUS on"* ]]; then
					if wait_until "$OP_TIMEOUT" nth_event device.removed 1 &&
						absent_in pri && absent_in sec && alive_all wrk && checked; then
						result sigbus_without_handler pass "control: without DPDK's handler the worker dies of SIGBUS (status $wst) inside its burst; the rest of the group detached it, hpctl check clean"
					else
						result sigbus_without_handler fail "the group after the worker's death: ${ALIVE_ERR:-$HP_OUT}"
					fi
				else
					result sigbus_without_handler fail "the worker died, but not of SIGBUS (status $wst)"
				fi
			fi
		else
			result sigbus_without_handler fail "$UP_ERR"
		fi
		group_down
	fi
	WRK_ENV=()
fi

# leave the NIC as the next script expects it: present, on its kernel driver
[ -e "/sys/bus/pci/devices/$addr" ] || hpd_nic_replug "$addr" 30 >/dev/null 2>&1
wait_until 30 kernel_bound || hpd_bind_kernel "$addr" >/dev/null 2>&1
echo "pci-physical: $failed failed"
[ "$failed" -eq 0 ]
