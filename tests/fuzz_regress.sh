#!/usr/bin/env bash
# fuzz_regress.sh - replays every input under tests/fuzz/corpus/<target>/ (seeds, and the inputs the
# fuzzers found: crashers, leaks, huge allocations) through the same entry points as the libFuzzer
# harnesses (tests/fuzz/fuzz_<target>.c linked with tests/fuzz/replay_main.c instead of libFuzzer).
# Under SANITIZE=1 the replay runs with ASan/UBSan, so a regression is caught as it was found.
source "$(dirname "$0")/lib.sh"
for dir in "$ROOT"/tests/fuzz/corpus/*/; do
    t=$(basename "$dir")
    bin="$ROOT/$BUILD/tests/fuzz/replay_$t"
    if [ ! -x "$bin" ]; then fail "fuzz regress $t: $BUILD/tests/fuzz/replay_$t not built (make tests)"; continue; fi
    files=("$dir"*)
    out=$(cd "$(mktemp -d)" && "$bin" "${files[@]}" 2>&1); rc=$?
    if [ $rc = 0 ]; then
        pass "fuzz regress $t: ${#files[@]} inputs"
    else
        fail "fuzz regress $t: exit $rc after $(echo "$out" | grep -c '^ok ') of ${#files[@]} inputs; $(echo "$out" | grep -v '^ok ' | head -5)"
    fi
done
finish
