# tests/sanitizer_lib.sh - the sanitizer environment, sourced by tests/run and tests/lib.sh (not a test).
# SANITIZE=1 (BUILD=build-san): report every ASan/UBSan finding, suppress only third-party leaks
# (tests/sanitizer.supp; full stacks so MPI's start-up leaks are recognised by their MPI_Init frame).
# Needs ROOT and BUILD; a caller's own *SAN_OPTIONS win.
if [[ "$BUILD" == build-san* ]]; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:-fast_unwind_on_malloc=0:detect_leaks=1}
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/sanitizer.supp:fast_unwind_on_malloc=0:print_suppressions=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
