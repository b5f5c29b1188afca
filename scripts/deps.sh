#!/usr/bin/env bash
# Installs the Debian packages legation's tests use (the kernel over TAP,
# QEMU, qemu-user, dnsmasq, chrony, curl, python3-websockets, Chromium,
# mosquitto, openssl, GnuTLS, ...). It needs root and apt-get; without
# either it says so and installs nothing, and the tests that need a
# missing tool skip and say why. Packages already present are not
# reinstalled. scripts/test.sh runs it first.
set -euo pipefail
pkgs=(iproute2 iputils-ping qemu-system-arm qemu-user-static tcpdump tshark socat
  dnsmasq-base chrony bind9-dnsutils curl nftables python3-websockets chromium
  fonts-dejavu-core mosquitto mosquitto-clients openssl gnutls-bin)
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "deps: not root or no apt-get: not installing ${pkgs[*]}"
  exit 0
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
