# tests/lib.sh - shared helpers for the shell tests (sourced, not run).
# Each check prints one "PASS name" / "FAIL name: why" / "SKIP name: why" line for tests/run.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
SEEDSWEEP="$ROOT/$BUILD/seedsweep"
# SANITIZE=1 (BUILD=build-san): report every ASan/UBSan finding, suppress only third-party leaks
# (tests/sanitizer.supp; full stacks so MPI's start-up leaks are recognised by their MPI_Init frame)
if [[ "$BUILD" == build-san* ]]; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:-fast_unwind_on_malloc=0:detect_leaks=1}
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/sanitizer.supp:fast_unwind_on_malloc=0:print_suppressions=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
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
