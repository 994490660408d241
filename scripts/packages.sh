# Sourced by the set-up scripts (setup.sh, dpdk-build.sh): install the
# Debian packages of a list that are missing, and only those.
#   install_missing NAME PKG...    (NAME prefixes the message)
install_missing() {
  local name=$1 p missing=()
  shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  printf '[%s] installing: %s\n' "$name" "${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # another apt may be running (QEMU's set-up, a concurrent run): wait for it
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
