#!/bin/sh
# Install the Debian 12 packages the project needs to build and test.
# Idempotent: packages already present are not reinstalled.
set -eu

PKGS="build-essential cmake pkg-config kmod cpio xz-utils curl ca-certificates
qemu-system-x86 qemu-utils busybox-static fio libaio-dev
linux-headers-amd64 linux-source-6.1
libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev catch2
gnuplot-nox debootstrap libseccomp-dev libcap-ng-dev clang git python3 sqlite3
libfuse3-dev linux-perf libcap2-bin"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing:$missing"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
