#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The Debian package, as a user gets it:
#   - dpkg-buildpackage -us -uc -b from a clean clone of HEAD (what is
#     committed, nothing else of the work tree), -j2, nocheck
#   - lintian: no error or warning beyond the overrides in debian/ (each
#     justified there)
#   - installed on this machine with apt; then tests/units/test_units.sh
#     in its installed mode (HOTPLUGD_INSTALLED=1): the installed units
#     under a systemd manager of our own, sysusers.d/tmpfiles.d, man pages,
#     the completions against a daemon, hpctl and hotplugd from PATH, the
#     example built against the installed -dev package with pkg-config alone
#   - purged: every file it installed is gone, and so are its directories
#     that did not exist before, its systemd bookkeeping, the state and
#     runtime directories; the groups and users are those of before (the
#     package keeps the groups it made, as Debian does: see debian/postrm)
#
#   tests/deb/test_deb.sh      (root; exit 77 when it cannot run)
# Last line: "N passed, N failed"; exit 1 if anything failed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
pkgs=(hotplugd libhotplugd-member0 libhotplugd-member-dev)

passed=0 failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
fail() { echo "FAIL - $*"; failed=$((failed + 1)); }
check() { # NAME COMMAND...
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}
cannot() { echo "deb: cannot run: $*"; exit 77; }

[[ $EUID == 0 ]] || cannot "not root (apt-get install, purge)"
for t in dpkg-buildpackage dh lintian apt-get git; do
	command -v "$t" >/dev/null || cannot "$t missing (scripts/setup.sh --test installs it)"
done
for p in "${pkgs[@]}"; do
	# someone's own install is not ours to purge
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		echo "FAIL - $p is already installed on this machine; the deb stage installs and purges its own"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

tmp=$(mktemp -d /tmp/hpd-deb.XXXXXX)
installed=
cleanup() {
	# a failed run still purges what it installed
	[[ -n $installed ]] && apt-get purge -y -qq "${pkgs[@]}" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build ------------------------------------------------------------------
git clone -q "$top" "$tmp/src" || { fail "git clone $top"; echo "0 passed, 1 failed"; exit 1; }
start=$SECONDS
if (cd "$tmp/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
	dpkg-buildpackage -us -uc -b -j2) >"$tmp/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b from a clean clone ($((SECONDS - start)) s)"
else
	fail "dpkg-buildpackage: $(tail -n 15 "$tmp/build.log")"
	echo "$passed passed, $failed failed"
	exit 1
fi
version=$(cd "$tmp/src" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
debs=()
for p in "${pkgs[@]}"; do
	debs+=("$tmp/${p}_${version}_$arch.deb")
done
check "the packages ${pkgs[*]} are built" ls "${debs[@]}" >/dev/null
warnings=$(grep -E '^[^ ]*\.[ch]:[0-9]+:[0-9]+: warning' "$tmp/build.log" | sort -u)
check "the build has no compiler warning (with Debian's hardening flags)${warnings:+: $warnings}" \
	test -z "$warnings"

# lintian runs as root here (it says it would rather not); the tags are the
# same
lintian --fail-on error,warning "$tmp/hotplugd_${version}_$arch.changes" >"$tmp/lintian.out" 2>&1
rc=$?
tags=$(grep -v 'running with root privileges' "$tmp/lintian.out")
check "lintian: clean but for the justified overrides (status $rc)${tags:+: $tags}" \
	test "$rc" = 0 -a -z "$tags"

# On this machine the groups exist already (scripts/setup.sh): that the
# package would create them is read from its postinst, which must run
# systemd-sysusers on its entry before systemd-tmpfiles gives the
# directories their group.
dpkg-deb -e "$tmp/hotplugd_${version}_$arch.deb" "$tmp/control"
order=$(grep -o -E 'systemd-(sysusers|tmpfiles)[^|]*hotplugd\.conf' "$tmp/control/postinst" |
	awk '{print $1}' | tr '\n' ' ')
check "postinst creates the groups (systemd-sysusers hotplugd.conf), then the directories ($order)" \
	test "$order" = "systemd-sysusers systemd-tmpfiles "

# --- install ----------------------------------------------------------------
snapshot() { # what purging must give back
	getent group | cut -d: -f1 | sort
	getent passwd | cut -d: -f1 | sort
	for d in /var/lib/hotplugd /run/hotplugd /etc/hotplugd /usr/share/doc/hotplugd \
		/usr/include/hotplugd /var/lib/systemd/deb-systemd-helper-enabled; do
		[[ -e $d ]] && find "$d" -name '*hotplugd*' -o -path "$d" 2>/dev/null
	done
}
before=$(snapshot)
# the packages' paths, and which of them (shared directories) exist already
files=$(for d in "${debs[@]}"; do dpkg-deb -c "$d"; done |
	awk '{print $6}' | sed 's|^\./|/|; s|/$||' | grep -v '^$' | sort -u)
existed=$(while IFS= read -r f; do [[ -e $f || -L $f ]] && echo "$f"; done <<<"$files")
installed=yes
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	"${debs[@]}" >"$tmp/install.log" 2>&1; then
	ok "apt-get install of the three packages"
else
	fail "apt-get install: $(tail -n 5 "$tmp/install.log")"
fi

check "hpctl and hotplugd from PATH are the package's ($(command -v hpctl) $(command -v hotplugd))" \
	test "$(command -v hpctl)" = /usr/bin/hpctl -a "$(command -v hotplugd)" = /usr/sbin/hotplugd
out="$(hpctl --version) $(hotplugd --version)"
check "hpctl and hotplugd say version ${version%%-*} ($out)" \
	test "$out" = "hpctl ${version%%-*} hotplugd ${version%%-*}"
missing=
for f in /lib/systemd/system/hotplugd.service /lib/systemd/system/hotplugd.socket \
	/lib/systemd/system/hotplugd-secondary@.service /usr/lib/sysusers.d/hotplugd.conf \
	/usr/lib/tmpfiles.d/hotplugd.conf /usr/share/bash-completion/completions/hpctl \
	/usr/share/zsh/vendor-completions/_hpctl /usr/share/man/man8/hotplugd.8.gz \
	/usr/share/man/man8/hpctl.8.gz /usr/share/man/man3/libhotplugd-member.3.gz \
	/usr/share/doc/hotplugd/operations.md /usr/share/doc/hotplugd/protocol.md \
	/usr/share/doc/hotplugd/NEWS.md /usr/include/hotplugd/member.h \
	/usr/bin/dpdk-hotplug_mp; do
	# dh_compress compresses the larger documents
	[[ -e $f || -e $f.gz ]] || missing+=" $f"
done
check "units, sysusers.d, tmpfiles.d, completions, man pages, docs, header installed${missing:+ (missing:$missing)}" \
	test -z "$missing"
check "pkg-config finds libhotplugd-member ($(pkg-config --modversion libhotplugd-member 2>&1))" \
	test "$(pkg-config --modversion libhotplugd-member 2>&1)" = "${version%%-*}"
check "groups hotplugd and hotplugd-admin exist" getent group hotplugd hotplugd-admin >/dev/null
out=$(stat -c '%a:%U:%G' /run/hotplugd /var/lib/hotplugd 2>&1 | tr '\n' ' ')
check "tmpfiles.d made /run/hotplugd and /var/lib/hotplugd 0750 root:hotplugd ($out)" \
	test "$out" = "750:root:hotplugd 750:root:hotplugd "

# The installed files, the way the units stage tests the tree's.
HOTPLUGD_INSTALLED=1 bash "$top/tests/units/test_units.sh" >"$tmp/units.out" 2>&1
rc=$?
sed 's/^/    /' "$tmp/units.out"
summary=$(tail -n 1 "$tmp/units.out")
check "the units test on the installed files: $summary" test "$rc" = 0

# --- purge ------------------------------------------------------------------
if DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${pkgs[@]}" >"$tmp/purge.log" 2>&1; then
	installed=
	ok "apt-get purge of the three packages"
else
	fail "apt-get purge: $(tail -n 5 "$tmp/purge.log")"
fi
left=$(comm -23 <(echo "$files") <(echo "$existed") |
	while IFS= read -r f; do [[ -e $f || -L $f ]] && echo "$f"; done | tr '\n' ' ')
check "purge removes every file and directory the packages brought ($(wc -l <<<"$files") paths)${left:+ (left: $left)}" \
	test -z "$left"
after=$(snapshot)
check "purge leaves groups, users, state and runtime directories and systemd's bookkeeping as before$(
	diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ' ' | sed 's/^./: &/')" \
	test "$before" = "$after"
left=$(ls /etc/systemd/system/*/hotplugd* /etc/systemd/system/hotplugd* 2>/dev/null | tr '\n' ' ')
check "no unit of the package is left enabled or linked${left:+ ($left)}" test -z "$left"

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
