#!/usr/bin/env bash
# Install the Debian packages LightOS needs to build, run and test.
# Idempotent and quiet when everything is present.
set -euo pipefail

# Extra package names on the command line are installed too
# (make bench-compare asks for linux-image-amd64).
packages=(
  "$@"
  make gcc clang lld nasm binutils
  grub-pc-bin grub-common xorriso mtools
  qemu-system-x86
  bear gdb
  python3 python3-jinja2 python3-pytest
  libcmocka-dev libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: apt-get is not available; install these packages by hand: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: not root; run as root or install by hand: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists once if they are missing or stale (older than a day).
lists=$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' 2>/dev/null | head -n 1)
if [ -z "$lists" ] || [ -z "$(find /var/lib/apt/lists -maxdepth 1 -newermt '-1 day' -name '*Packages*' 2>/dev/null | head -n 1)" ]; then
  apt-get update -qq
fi
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/lightos-deps.log 2>&1; then
  # A stale list can name versions the archive no longer has: refresh and retry once.
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/lightos-deps.log 2>&1 || {
    echo "deps: apt-get install failed; see /tmp/lightos-deps.log" >&2; tail -n 20 /tmp/lightos-deps.log >&2; exit 1; }
fi
echo "deps: done"
