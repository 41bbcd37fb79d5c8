# tests/lib.sh - shared helpers for the shell tests (sourced, not run).
# Each check prints one "PASS name" / "FAIL name: why" / "SKIP name: why" line for tests/run.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
SEEDSWEEP="$ROOT/$BUILD/seedsweep"
source "$ROOT/tests/sanitizer_lib.sh"   # ASan/UBSan options for BUILD=build-san
PY=/usr/bin/python3      # Debian's python (h5py, xarray); PATH may hold another one
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
TEST_FAILS=0

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; TEST_FAILS=$((TEST_FAILS + 1)); }
skip() { echo "SKIP $*"; }
# check NAME CMD...: PASS when CMD succeeds
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
# expect_exit CODE NAME CMD...: PASS when CMD exits with CODE
expect_exit() {
    local want=$1 name=$2; shift 2
    local got=0; "$@" >/dev/null 2>&1 || got=$?
    if [ "$got" = "$want" ]; then pass "$name"; else fail "$name: exit $got, expected $want"; fi
}
tmpdir() { mktemp -d "${TMPDIR:-/tmp}/seedsweep-test.XXXXXX"; }
finish() { exit $(( TEST_FAILS > 0 ? 1 : 0 )); }
