#!/usr/bin/env bash
# sweep_balance.sh - dynamic scheduling keeps both ranks busy: with 2 ranks the sweep's wall time
# is within 10% of (sum of task times)/2 + one task. The machine is shared, so a miss is retried
# once; the numbers are printed either way.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
dir=$(tmpdir)
trap 'rm -rf "$dir"' EXIT
make_slow_fixture "$dir" || { fail "sweep fixture: synth failed"; finish; }
for attempt in 1 2; do
    mpirun -n 2 "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/b$attempt.h5" --quiet >"$dir/log" 2>&1 || { fail "balance run failed: $(tail -3 "$dir/log")"; finish; }
    line=$(grep "tasks in" "$dir/log")
    verdict=$("$PY" - "$dir/b$attempt.h5" "$line" <<'PY'
import re, sys, h5py
seconds = h5py.File(sys.argv[1], "r")["task_seconds"][()]
wall = float(re.search(r"in ([0-9.]+) s wall", sys.argv[2]).group(1))
bound = seconds.sum() / 2 + seconds.max()
print(("ok" if wall <= 1.10 * bound else "over"),
      f"wall {wall:.2f} s, sum of task times {seconds.sum():.2f} s, longest task {seconds.max():.2f} s, "
      f"bound (sum/2 + one task) {bound:.2f} s, ratio {wall / bound:.3f}")
PY
)
    echo "balance attempt $attempt: $verdict"
    case $verdict in ok*) pass "balance 2 ranks: ${verdict#ok }"; finish ;; esac
done
fail "balance 2 ranks: ${verdict#over }"
finish
