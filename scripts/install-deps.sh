#!/usr/bin/env bash
# install-deps.sh - install the Debian packages seedsweep needs; idempotent, quiet when all are present.
#   scripts/install-deps.sh          build + test packages
#   scripts/install-deps.sh --bench  also python3-torch (the PyTorch reference of `make bench`)
set -eu
PACKAGES="build-essential pkg-config libopenmpi-dev openmpi-bin libhdf5-dev hdf5-tools libopenblas-dev
libpng-dev zlib1g-dev slurm-wlm munge iproute2 lmod python3-h5py python3-numpy python3-matplotlib
python3-xarray python3-h5netcdf python3-scipy dataset-fashion-mnist valgrind"
[ "${1:-}" = "--bench" ] && PACKAGES="$PACKAGES python3-torch"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# A new machine may have empty or stale package lists: update once before installing.
# Recommends are installed too: that is the set the test suite was developed and measured with.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq $missing >/dev/null
echo "install-deps: done"
