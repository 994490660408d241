#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# The physical-device (PCI) cases of the user's acceptance test plan
# (hotplug_mp_test_plan.rst), run INSIDE the QEMU guest on its emulated NIC:
#   tests/qemu/run-guest.sh --nic e1000       --script tests/qemu/pci-testplan.sh
#   tests/qemu/run-guest.sh --nic virtio-vfio --script tests/qemu/pci-testplan.sh
# (tests/qemu/run-all.sh runs it with the other guest scripts in one boot.)
#
# Each group is ONE primary and TWO secondaries, all --proc-type=auto, driven
# either through the test-plan console (dpdk-hotplug_mp, "example> ", fed
# through a FIFO each) or through hpctl (hotplugd processes). For each of the
# two ways ("via"), three groups:
#   A  started while the NIC is on its kernel driver: it is block-listed and
#      not probed; attach is refused (EBUSY) while the kernel holds it; then
#      bound to the userspace driver, attached from the primary / a secondary,
#      detached from another process (cross), and the plan's "repeat" case
#      (twice: attach, duplicate attach -> EEXIST, detach, duplicate detach
#      -> ENOENT, every process's list unchanged after each failure);
#   B, C  started with the NIC already bound: every process lists it (the
#      primary's start-up probe); detached from the primary (B) or from a
#      secondary (C).
# then the NIC goes back to its kernel driver and the kernel must see it.
# Every case ends with "hpctl check" (must exit 0), and quitting a group
# checks every process exits 0.
#
# One JSON line per case in $HPD_RESULTS/results.jsonl:
#   {"case","nic","via","origin","status","detail","ms"[,"logs"]}
# ("logs": the processes' log tails, on failure). Process logs are kept in
# $HPD_RESULTS/testplan/. Exit status 0 when every case passed.
#
# Knobs (environment, or HPD_TESTPLAN_ARGS in run-guest.sh's .hpd-env):
#   PT_VIAS="console hpctl"   which ways to drive the groups
#   PT_BIND_METHOD=sysfs      bind helpers' method (sysfs: seconds faster
#                             than dpdk-devbind.py under TCG; smoke.sh covers
#                             dpdk-devbind.py)
#   PT_OP_TIMEOUT=90          seconds a command may take in the guest
#   PT_START_TIMEOUT=120      seconds a process may take to start
set -u

if [ "${HPD_IN_GUEST:-0}" != 1 ] || ! grep -qw 'hpd.guest=1' /proc/cmdline; then
	echo "pci-testplan.sh: runs only inside the QEMU guest (tests/qemu/run-guest.sh --script $0)" >&2
	exit 2
fi
declare -F hpd_result >/dev/null || . "$HPD_QEMU_DIR/guest-prep.sh"

addr=${HPD_PCI_ADDR:?}
export HPD_BIND_METHOD=${PT_BIND_METHOD:-sysfs}
read -r -a VIAS <<<"${PT_VIAS:-console hpctl}"
OP_TIMEOUT=${PT_OP_TIMEOUT:-90}
START_TIMEOUT=${PT_START_TIMEOUT:-120}
RUN=/run/hpt           # hotplugd's --runtime-dir
WORK=/tmp/hpt          # guest tmpfs: logs while running (polled), FIFOs
LOGS=$HPD_RESULTS/testplan
ROLES=(pri sec1 sec2)
failed=0 passed=0

rm -rf "$WORK" "$LOGS"
mkdir -p "$WORK/bin" "$LOGS" "$RUN"

# ---------------------------------------------------------------- basics
# Under TCG a fork+exec costs 0.05-0.2 s: the polling below uses builtins
# only (EPOCHREALTIME, read -t on a FIFO as a sleep, read -d '' of files).
mkfifo "$WORK/nap"
exec {NAPFD}<>"$WORK/nap"
nap() { read -r -t "$1" -u "$NAPFD" _; }
now() { NOW=$((${EPOCHREALTIME/./} / 1000)); } # ms, in $NOW
slurp() { SLURP=; [ -e "$1" ] && IFS= read -r -d '' SLURP <"$1"; return 0; }

# JSON string of $1 in $REPLY (no fork).
jstr() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}
	s=${s//$'\t'/\\t}
	s=${s//[$'\001'-$'\037']/}
	REPLY="\"$s\""
}

# The programs: run-guest.sh snapshots them into the results share at the
# start of the run (a rebuild on the host meanwhile cannot tear them); they
# are copied again to the guest's tmpfs, which execs faster than 9p.
for p in hotplugd dpdk-hotplug_mp hpctl; do
	src=$HPD_RESULTS/bin/$p
	[ -x "$src" ] || src=$HPD_BUILDDIR/src/daemon/$p
	[ -x "$src" ] || src=$HPD_BUILDDIR/src/ctl/$p
	if [ -x "$src" ]; then
		cp "$src" "$WORK/bin/$p"
	else
		jstr "$p not built (looked in $HPD_RESULTS/bin and $HPD_BUILDDIR/src): run ninja -C build"
		printf '{"case":"programs","nic":"%s","via":"-","origin":"-","status":"fail","detail":%s,"ms":0}\n' \
			"$HPD_NIC_KIND" "$REPLY" >>"$HPD_RESULTS/results.jsonl"
		echo "pci-testplan: $p not built" >&2
		exit 1
	fi
done
HOTPLUGD=$WORK/bin/hotplugd CONSOLE=$WORK/bin/dpdk-hotplug_mp HPCTL=$WORK/bin/hpctl

# Secondaries on lcore 1, or on 0 like the primary when there is one vCPU.
if [ "$(nproc)" -ge 2 ]; then SEC_LCORES=(-l 1); else SEC_LCORES=(-l 0); fi

# ---------------------------------------------------------------- groups
declare -A PID OUT ERR FD OFF EXITED
G_VIA='' G_PREFIX='' G_UP=0
ALL_PREFIXES=()

sock_of() { # role -> $REPLY
	if [ "$1" = pri ]; then REPLY=$RUN/$G_PREFIX/control.sock; else REPLY=$RUN/$G_PREFIX/member.${PID[$1]}.sock; fi
}

proc_args() { # role -> PARGS
	if [ "$1" = pri ]; then
		PARGS=(-l 0 --base-virtaddr=0x200000000000)
	else
		PARGS=("${SEC_LCORES[@]}")
	fi
	PARGS+=(--file-prefix "$G_PREFIX" --proc-type=auto -- -r "$RUN" --no-state -n "$1")
}

start_proc() { # role
	local r=$1 bin=$HOTPLUGD fd
	[ "$G_VIA" = console ] && bin=$CONSOLE
	proc_args "$r"
	OUT[$r]=$WORK/$G_PREFIX-$r.out ERR[$r]=$WORK/$G_PREFIX-$r.err OFF[$r]=0
	EXITED[$r]=''
	if [ "$G_VIA" = console ]; then
		mkfifo "$WORK/$G_PREFIX-$r.in"
		# Read-write: opening does not wait for the reader, and the
		# console never sees EOF (which would make it quit) between lines.
		exec {fd}<>"$WORK/$G_PREFIX-$r.in"
		FD[$r]=$fd
		"$bin" "${PARGS[@]}" <"$WORK/$G_PREFIX-$r.in" >"${OUT[$r]}" 2>"${ERR[$r]}" &
	else
		"$bin" "${PARGS[@]}" </dev/null >"${OUT[$r]}" 2>"${ERR[$r]}" &
	fi
	PID[$r]=$!
}

alive() { [ -z "${EXITED[$1]}" ] && kill -0 "${PID[$1]}" 2>/dev/null; }

# Reaps a process that has gone; its status in EXITED[role].
reap() {
	local st=0
	[ -n "${EXITED[$1]}" ] && return
	wait "${PID[$1]}" 2>/dev/null || st=$?
	EXITED[$1]=$st
}

# Waits for the role's control socket and, on the console, its first
# prompt. Sets WAIT_ERR on failure.
wait_ready() {
	local r=$1 dl
	now
	dl=$((NOW + START_TIMEOUT * 1000))
	sock_of "$r"
	while :; do
		if [ -S "$REPLY" ]; then
			if [ "$G_VIA" != console ]; then return 0; fi
			slurp "${OUT[$r]}"
			if [[ "$SLURP" == *'example> '* ]]; then
				local before=${SLURP%%'example> '*}
				OFF[$r]=$((${#before} + 9))
				return 0
			fi
		fi
		if ! alive "$r"; then
			reap "$r"
			WAIT_ERR="$r (pid ${PID[$r]}) exited with status ${EXITED[$r]} before it was ready"
			return 1
		fi
		now
		if [ "$NOW" -ge "$dl" ]; then
			WAIT_ERR="$r (pid ${PID[$r]}) not ready after ${START_TIMEOUT}s (no $REPLY"
			[ "$G_VIA" = console ] && WAIT_ERR+=" or no prompt"
			WAIT_ERR+=")"
			return 1
		fi
		nap 0.05
	done
}

# group_start VIA TAG: primary first, then both secondaries at once.
group_start() {
	G_VIA=$1 G_PREFIX=tp-$1-$2 G_UP=0
	ALL_PREFIXES+=("$G_PREFIX")
	rm -rf "${RUN:?}/$G_PREFIX" "/var/run/dpdk/$G_PREFIX"
	start_proc pri
	wait_ready pri || return 1
	start_proc sec1
	start_proc sec2
	wait_ready sec1 || return 1
	wait_ready sec2 || return 1
	G_UP=1
}

# Quits the group as the plan does (console: "quit"; hotplugd: SIGTERM),
# secondaries first; QUIT_DETAIL says how each left. Fails unless all
# exited with status 0 in time.
group_quit() {
	local r dl ok=0 wave
	QUIT_DETAIL=''
	for wave in "sec1 sec2" pri; do
		for r in $wave; do
			if [ -z "${PID[$r]:-}" ] || ! alive "$r"; then continue; fi
			if [ "$G_VIA" = console ]; then
				printf 'quit\n' >&"${FD[$r]}"
			else
				kill -TERM "${PID[$r]}" 2>/dev/null
			fi
		done
		now
		dl=$((NOW + 60000))
		for r in $wave; do
			[ -n "${PID[$r]:-}" ] || continue
			while alive "$r"; do
				now
				[ "$NOW" -ge "$dl" ] && break
				nap 0.05
			done
		done
	done
	for r in sec1 sec2 pri; do
		[ -n "${PID[$r]:-}" ] || continue
		if alive "$r"; then
			kill -KILL "${PID[$r]}" 2>/dev/null
			reap "$r"
			QUIT_DETAIL+="$r did not exit within 60s (killed); "
			ok=1
		else
			reap "$r"
			QUIT_DETAIL+="$r exit ${EXITED[$r]}; "
			[ "${EXITED[$r]}" = 0 ] || ok=1
		fi
	done
	group_teardown
	return $ok
}

# Kills what is left of the group (by pid), keeps its logs, removes its
# runtime files.
group_teardown() {
	local r fd
	for r in "${ROLES[@]}"; do
		[ -n "${PID[$r]:-}" ] || continue
		if alive "$r"; then
			kill -KILL "${PID[$r]}" 2>/dev/null
			reap "$r"
		fi
		if [ -n "${FD[$r]:-}" ]; then
			fd=${FD[$r]}
			exec {fd}>&-
			unset "FD[$r]"
		fi
		cp "${OUT[$r]}" "${ERR[$r]}" "$LOGS/" 2>/dev/null
		rm -f "$WORK/$G_PREFIX-$r.in"
	done
	PID=() G_UP=0
	rm -rf "${RUN:?}/$G_PREFIX" "/var/run/dpdk/$G_PREFIX"
	rm -f /dev/hugepages/"$G_PREFIX"map_* 2>/dev/null
}

# ---------------------------------------------------------------- talking
# con_cmd ROLE LINE: one console command; its output (up to the next
# prompt) in CON_OUT. Status 0, or 1 with CON_OUT saying what went wrong.
con_cmd() {
	local r=$1 rest dl
	if ! alive "$r"; then
		reap "$r"
		CON_OUT="$r exited (status ${EXITED[$r]})"
		return 1
	fi
	printf '%s\n' "$2" >&"${FD[$r]}"
	now
	dl=$((NOW + OP_TIMEOUT * 1000))
	while :; do
		slurp "${OUT[$r]}"
		rest=${SLURP:${OFF[$r]}}
		if [[ "$rest" == *'example> '* ]]; then
			CON_OUT=${rest%%'example> '*}
			OFF[$r]=$((OFF[$r] + ${#CON_OUT} + 9))
			CON_OUT=${CON_OUT%$'\n'}
			return 0
		fi
		if ! alive "$r"; then
			reap "$r"
			CON_OUT="$r exited (status ${EXITED[$r]}) after \"$2\"; output: $rest"
			return 1
		fi
		now
		if [ "$NOW" -ge "$dl" ]; then
			CON_OUT="no prompt from $r within ${OP_TIMEOUT}s after \"$2\"; output: $rest"
			return 1
		fi
		nap 0.02
	done
}

# hp ROLE ARGS...: hpctl to ROLE's process; HP_RC, HP_OUT (stdout), HP_ERR.
hp() {
	local r=$1
	shift
	local who=()
	[ "$r" = pri ] || who=(--pid "${PID[$r]}")
	HP_OUT=$("$HPCTL" -r "$RUN" --file-prefix "$G_PREFIX" "${who[@]}" -t $((OP_TIMEOUT * 1000)) \
		"$@" 2>"$WORK/hpctl.err")
	HP_RC=$?
	slurp "$WORK/hpctl.err"
	HP_ERR=${SLURP%$'\n'}
}

# op ROLE attach|detach ARG -> OP_STATUS ok|failed|error, OP_ERRNO (hpctl),
# OP_REASON, OP_TEXT (what the user saw).
op() {
	local r=$1 verb=$2 arg=$3
	OP_ERRNO='' OP_REASON='' OP_TEXT=''
	if [ "$G_VIA" = console ]; then
		if ! con_cmd "$r" "$verb $arg"; then
			OP_STATUS=error OP_TEXT=$CON_OUT
			return
		fi
		OP_TEXT=$CON_OUT
		case "$CON_OUT" in
		"${verb}ed device $arg") OP_STATUS=ok ;;
		"failed to $verb device $arg: "*)
			OP_STATUS=failed
			OP_REASON=${CON_OUT#"failed to $verb device $arg: "}
			;;
		*) OP_STATUS=error ;;
		esac
	else
		hp "$r" --json "$verb" "$arg"
		OP_TEXT="exit $HP_RC: $HP_OUT${HP_ERR:+ / $HP_ERR}"
		case $HP_RC in
		0) OP_STATUS=ok ;;
		1)
			OP_STATUS=failed
			[[ "$HP_OUT" =~ \"errno\":\"([A-Z0-9]+)\" ]] && OP_ERRNO=${BASH_REMATCH[1]}
			[[ "$HP_OUT" =~ \"reason\":\"(([^\"\\]|\\.)*)\" ]] && OP_REASON=${BASH_REMATCH[1]}
			;;
		*) OP_STATUS=error ;;
		esac
	fi
}

# "0 name;1 name" of the "ports" array of hpctl's list --json, in REPLY;
# status 1 when an entry lacks port or name. Values that are objects or
# arrays themselves (e.g. a port's "datapath") are first replaced by null,
# innermost first, so that each port entry is a flat {...}; "ports"
# itself is marked "<" so that it stays.
ports_of_json() {
	local s=$1 obj port name out='' rc=0
	[[ "$s" == *'"ports":['* ]] || { REPLY=''; return 1; }
	s=${s/\"ports\":\[/\"ports\":<} # not flattened itself
	while [[ "$s" =~ :(\{[^{}]*\}|\[[^][]*\]) ]]; do
		s=${s/"${BASH_REMATCH[0]}"/:null}
	done
	s=${s#*\"ports\":<}
	s=${s%%\]*}
	while [[ "$s" =~ \{([^{}]*)\} ]]; do
		obj=${BASH_REMATCH[1]}
		s=${s#*"${BASH_REMATCH[0]}"}
		port='?' name='?'
		[[ "$obj" =~ \"port\":([0-9]+) ]] && port=${BASH_REMATCH[1]}
		[[ "$obj" =~ \"name\":\"([^\"]*)\" ]] && name=${BASH_REMATCH[1]}
		[ "$port" = '?' ] || [ "$name" = '?' ] && rc=1
		out+="${out:+;}$port $name"
	done
	REPLY=$out
	return $rc
}

# list_of ROLE -> LIST "0 name;..." ("" when empty); status 1 with LIST the
# error when the list could not be had.
list_of() {
	local r=$1 line out=''
	if [ "$G_VIA" = console ]; then
		con_cmd "$r" list || { LIST="error: $CON_OUT"; return 1; }
		if [[ "$CON_OUT" != 'list all etherdev'* ]]; then
			LIST="error: unexpected list output: $CON_OUT"
			return 1
		fi
		while IFS= read -r line; do
			[ "$line" = 'list all etherdev' ] && continue
			[ -n "$line" ] || continue
			if [[ "$line" =~ ^([0-9]+)$'\t'(.+)$ ]]; then
				out+="${out:+;}${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
			else
				LIST="error: unexpected list line: $line"
				return 1
			fi
		done <<<"$CON_OUT"
	else
		hp "$r" --json list
		if [ "$HP_RC" != 0 ]; then
			LIST="error: hpctl list exit $HP_RC: $HP_ERR"
			return 1
		fi
		if ! ports_of_json "$HP_OUT"; then
			LIST="error: cannot read hpctl list --json: $HP_OUT"
			return 1
		fi
		out=$REPLY
	fi
	LIST=$out
}

# lists_are WANT: every process lists exactly WANT ("" = no device);
# LISTS describes what each listed.
lists_are() {
	local r ok=0
	LISTS=''
	for r in "${ROLES[@]}"; do
		list_of "$r" || ok=1
		[ "$LIST" = "$1" ] || ok=1
		LISTS+="$r=[${LIST}] "
	done
	LISTS=${LISTS% }
	return $ok
}

check_group() {
	hp pri check
	CHECK="hpctl check exit $HP_RC: ${HP_OUT}${HP_ERR:+ / $HP_ERR}"
	[ "$HP_RC" = 0 ]
}

# ---------------------------------------------------------------- results
CASE='' ORIGIN='' STEPS='' CASE_T0=0
case_begin() { # name origin
	CASE=$1 ORIGIN=$2 STEPS=''
	now
	CASE_T0=$NOW
	echo "pci-testplan: [$G_VIA] $CASE ($ORIGIN) ..."
}
step() { STEPS+="$*; "; }

logs_json() { # tails of every process's logs of the group, as a JSON object
	local r f obj='' t
	for r in "${ROLES[@]}"; do
		for f in "${ERR[$r]:-}" "${OUT[$r]:-}"; do
			if [ -z "$f" ] || [ ! -s "$f" ]; then continue; fi
			t=$(tail -n 15 "$f" 2>/dev/null | tail -c 2500)
			jstr "$t"
			obj+="${obj:+,}\"${f##*/}\":$REPLY"
		done
	done
	REPLY="{$obj}"
}

# case_end pass|fail [DETAIL]: one JSON line; on failure with the logs.
case_end() {
	local st=$1 detail=${STEPS}${2:-} line d c o
	detail=${detail%; }
	now
	jstr "$detail"
	d=$REPLY
	jstr "$CASE"
	c=$REPLY
	jstr "$ORIGIN"
	o=$REPLY
	line="{\"case\":$c,\"nic\":\"$HPD_NIC_KIND\",\"via\":\"$G_VIA\",\"origin\":$o,\"status\":\"$st\",\"detail\":$d,\"ms\":$((NOW - CASE_T0))"
	if [ "$st" = fail ]; then
		logs_json
		line+=",\"logs\":$REPLY"
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
	printf '%s}\n' "$line" >>"$HPD_RESULTS/results.jsonl"
	echo "pci-testplan: [$st] [$G_VIA] $CASE ($ORIGIN) $((NOW - CASE_T0)) ms: $detail"
}

# Each case body returns 0 (passed) or 1 with the reason in FAIL; then the
# group must be consistent (hpctl check).
FAIL=''
finish_case() { # body's status
	if [ "$1" != 0 ]; then
		case_end fail "FAILED: $FAIL"
		return 1
	fi
	if [ "$G_UP" = 1 ] && ! check_group; then
		case_end fail "FAILED: $CHECK"
		return 1
	fi
	case_end pass
}
run_case() { # name origin function args...
	case_begin "$1" "$2"
	shift 2
	"$@"
	finish_case $?
}

role_name() { case $1 in pri) echo primary ;; sec1) echo secondary1 ;; sec2) echo secondary2 ;; esac; }

# The plan's failure kinds. hpctl gives the errno name; the console prints
# the reason only, so it must say what happened.
fails_as() { # errno
	[ "$OP_STATUS" = failed ] || return 1
	if [ "$G_VIA" = hpctl ]; then
		[ "$OP_ERRNO" = "$1" ]
		return
	fi
	case $1 in
	EBUSY) [[ "$OP_REASON" == *"kernel driver"* || "$OP_REASON" == *EBUSY* ]] ;;
	EEXIST) [[ "$OP_REASON" == *"already attached"* || "$OP_REASON" == *EEXIST* ]] ;;
	ENOENT) [[ "$OP_REASON" == *"no device"* || "$OP_REASON" == *ENOENT* ]] ;;
	*) return 1 ;;
	esac
}

# do_ok ROLE VERB ARG WANT: the operation succeeds and then every process
# lists WANT.
do_ok() {
	op "$1" "$2" "$3"
	if [ "$OP_STATUS" != ok ]; then
		FAIL="$2 $3 from $1: $OP_STATUS: $OP_TEXT"
		return 1
	fi
	if ! lists_are "$4"; then
		FAIL="after $2 from $1 ($OP_TEXT) the lists differ from [$4]: $LISTS"
		return 1
	fi
	step "$2 from $1 ok, lists [$4] everywhere"
}

# do_refused ROLE VERB ARG ERRNO WANT: the operation fails as ERRNO and
# every process still lists WANT.
do_refused() {
	op "$1" "$2" "$3"
	if ! fails_as "$4"; then
		FAIL="$2 $3 from $1: want a clean $4 failure, got $OP_STATUS${OP_ERRNO:+ ($OP_ERRNO)}: $OP_TEXT"
		return 1
	fi
	if ! lists_are "$5"; then
		FAIL="after the refused $2 from $1 the lists changed (want [$5]): $LISTS"
		return 1
	fi
	step "$2 from $1 refused (${OP_ERRNO:-$4}: ${OP_REASON:0:100}), lists unchanged"
}

# ---------------------------------------------------------------- cases
eal_args_of() { # hotplugd's computed EAL arguments for the primary -> REPLY
	proc_args pri
	REPLY=$("$HOTPLUGD" --print-eal-args "${PARGS[@]}" 2>&1)
}

tc_startup_kernel_bound() { # group A: NIC on its kernel driver
	local drv
	drv=$(hpd_driver_of "$addr")
	if [ "$drv" != "$HPD_KERNEL_DRIVER" ]; then
		hpd_bind_kernel "$addr" >/dev/null 2>&1
		drv=$(hpd_driver_of "$addr")
		[ "$drv" = "$HPD_KERNEL_DRIVER" ] || { FAIL="$addr is on '$drv', want $HPD_KERNEL_DRIVER"; return 1; }
	fi
	eal_args_of
	if [[ " $REPLY " != *" -b $addr "* ]]; then
		FAIL="hotplugd --print-eal-args does not block-list $addr (on $drv): $REPLY"
		return 1
	fi
	step "$addr on $drv is block-listed (-b $addr)"
	if ! group_start "$G_VIA" a; then
		FAIL="group did not start: $WAIT_ERR"
		return 1
	fi
	step "primary pid ${PID[pri]}, secondaries ${PID[sec1]} ${PID[sec2]}"
	if ! lists_are ""; then
		FAIL="at start-up the lists are not empty: $LISTS"
		return 1
	fi
	step "no device in any process"
}

tc_attach_refused() { # origin role: attach while the kernel holds it
	local netdev
	do_refused "$1" attach "$addr" EBUSY "" || return 1
	[ "$(hpd_driver_of "$addr")" = "$HPD_KERNEL_DRIVER" ] ||
		{ FAIL="$addr left $HPD_KERNEL_DRIVER: now $(hpd_driver_of "$addr")"; return 1; }
	netdev=$(hpd_kernel_sees "$addr") ||
		{ FAIL="the kernel lost the net interface of $addr"; return 1; }
	step "$addr still on $HPD_KERNEL_DRIVER, netdev $netdev"
}

tc_bind_user() {
	local out
	if ! out=$(hpd_bind_user "$addr" 2>&1); then
		FAIL="bind $addr to $HPD_USER_DRIVER: $out (now $(hpd_driver_of "$addr"))"
		return 1
	fi
	step "$addr -> $(hpd_driver_of "$addr")"
}

tc_attach_after_start() { # origin role
	do_ok "$1" attach "$addr" "0 $addr"
}

tc_cross() { # attach role, detach role (device absent at the start)
	do_ok "$1" attach "$addr" "0 $addr" || return 1
	do_ok "$2" detach "$addr" ""
}

tc_detach() { # role (device attached at the start)
	do_ok "$1" detach "$addr" ""
}

# The plan's "Repeat to attach/detach physical device": twice attach,
# duplicate attach (fails, from the origin and from another process),
# detach, duplicate detach (the same).
tc_repeat() { # origin role, other role
	local i
	for i in 1 2; do
		step "round $i"
		do_ok "$1" attach "$addr" "0 $addr" || return 1
		do_refused "$1" attach "$addr" EEXIST "0 $addr" || return 1
		do_refused "$2" attach "$addr" EEXIST "0 $addr" || return 1
		# another spelling of the same address (no PCI domain) is the same
		# device: refused, not attached twice
		do_refused "$2" attach "${addr#0000:}" EEXIST "0 $addr" || return 1
		check_group || { FAIL="round $i, attached: $CHECK"; return 1; }
		do_ok "$1" detach "$addr" "" || return 1
		do_refused "$1" detach "$addr" ENOENT "" || return 1
		do_refused "$2" detach "$addr" ENOENT "" || return 1
		check_group || { FAIL="round $i, detached: $CHECK"; return 1; }
	done
}

# Groups B and C: the NIC bound before start-up; every process lists it,
# then ROLE detaches it.
tc_detach_bound_before_start() { # tag role
	local drv
	drv=$(hpd_driver_of "$addr")
	if [ "$drv" != "$HPD_USER_DRIVER" ]; then
		hpd_bind_user "$addr" >/dev/null 2>&1
		drv=$(hpd_driver_of "$addr")
		[ "$drv" = "$HPD_USER_DRIVER" ] || { FAIL="$addr is on '$drv', want $HPD_USER_DRIVER"; return 1; }
	fi
	eal_args_of
	if [[ " $REPLY " == *" -b $addr "* ]]; then
		FAIL="hotplugd --print-eal-args block-lists $addr although it is on $drv: $REPLY"
		return 1
	fi
	if ! group_start "$G_VIA" "$1"; then
		FAIL="group did not start: $WAIT_ERR"
		return 1
	fi
	step "$addr on $drv, not block-listed; group up (primary ${PID[pri]})"
	if ! lists_are "0 $addr"; then
		FAIL="at start-up not every process lists 0 $addr: $LISTS"
		return 1
	fi
	step "every process lists [0 $addr] at start-up"
	check_group || { FAIL="at start-up: $CHECK"; return 1; }
	do_ok "$2" detach "$addr" ""
}

tc_quit() {
	if group_quit; then
		step "$QUIT_DETAIL"
		return 0
	fi
	FAIL=$QUIT_DETAIL
	return 1
}

tc_rebind_kernel() {
	local out netdev
	if ! out=$(hpd_bind_kernel "$addr" 2>&1); then
		FAIL="bind $addr to $HPD_KERNEL_DRIVER: $out (now $(hpd_driver_of "$addr"))"
		return 1
	fi
	if ! netdev=$(hpd_kernel_sees "$addr" 15); then
		FAIL="$addr on $(hpd_driver_of "$addr") but the kernel has no net interface for it"
		return 1
	fi
	step "$addr -> $(hpd_driver_of "$addr"), netdev $netdev"
}

# A group that could not start: its cases are failures, not silently gone.
group_broken() { [ "$G_UP" != 1 ]; }
need_group() {
	group_broken && { FAIL="the group is not running (an earlier case failed to start it)"; return 1; }
	return 0
}
# A case is run only when its group is up; otherwise it is reported failed.
gcase() { # name origin function args...
	local n=$1 o=$2
	shift 2
	case_begin "$n" "$o"
	if need_group; then "$@"; else false; fi
	finish_case $?
}

cleanup() {
	group_teardown 2>/dev/null
	local p
	for p in "${ALL_PREFIXES[@]}"; do
		rm -rf "${RUN:?}/$p" "/var/run/dpdk/$p"
		rm -f /dev/hugepages/"$p"map_* 2>/dev/null
	done
	rmdir "$RUN" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

# ---------------------------------------------------------------- the suite
now
suite_t0=$NOW
echo "pci-testplan: $HPD_NIC_KIND NIC $addr ($HPD_KERNEL_DRIVER / $HPD_USER_DRIVER," \
	"PMD $HPD_DPDK_DRIVER), ways: ${VIAS[*]}, $(nproc) vCPU, binds: $HPD_BIND_METHOD"
for via in "${VIAS[@]}"; do
	now
	via_t0=$NOW
	G_VIA=$via G_UP=0
	# Group A: started with the NIC on its kernel driver.
	run_case startup_kernel_bound - tc_startup_kernel_bound
	gcase attach_refused_kernel_bound primary tc_attach_refused pri
	gcase attach_refused_kernel_bound secondary tc_attach_refused sec1
	run_case bind_userspace - tc_bind_user
	gcase attach_after_start primary tc_attach_after_start pri
	gcase detach_cross primary-to-secondary tc_detach sec2
	gcase attach_after_start secondary tc_attach_after_start sec1
	gcase detach_cross secondary-to-primary tc_detach pri
	gcase attach_detach_cross secondary-to-secondary tc_cross sec2 sec1
	gcase repeat_attach_detach primary tc_repeat pri sec2
	gcase repeat_attach_detach secondary tc_repeat sec1 pri
	gcase quit attach-group tc_quit
	group_teardown
	# Groups B and C: started with the NIC bound to the userspace driver.
	run_case detach_bound_before_start primary tc_detach_bound_before_start b pri
	gcase quit detach-primary-group tc_quit
	group_teardown
	run_case detach_bound_before_start secondary tc_detach_bound_before_start c sec2
	gcase quit detach-secondary-group tc_quit
	group_teardown
	# "Re-bind port to kernel state"
	run_case rebind_kernel - tc_rebind_kernel
	now
	echo "pci-testplan: [$via] done in $(((NOW - via_t0) / 1000)) s"
done
now
echo "pci-testplan: $passed passed, $failed failed in $(((NOW - suite_t0) / 1000)) s"
[ "$failed" -eq 0 ]
