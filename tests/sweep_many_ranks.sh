#!/usr/bin/env bash
# sweep_many_ranks.sh - many ranks: a sweep of 64 tiny tasks run by 32 ranks
# (oversubscribed on this machine: MANY_RANKS=64 for more) completes, every rank takes part in
# the protocol, and the arrays are bit-identical to a 1-rank run; the closing lines report the
# workers' wait for rank 0. Open MPI settings that keep it robust at this size: --bind-to none
# (oversubscribed ranks must not be pinned to one core each) and the shared-memory transport
# between ranks of one node (vader; no TCP sockets per pair of ranks).
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
ranks=${MANY_RANKS:-32}
dir=$(tmpdir)
trap 'rm -rf "$dir"' EXIT
make_fixture "$dir" 16 24 || { fail "many ranks fixture: synth failed"; finish; }
# 2 training sets x 32 seeds = 64 tasks of one epoch on 16x16 images (milliseconds each)
sed -i -e 's/^seeds  = .*/seeds  = 0-31/' -e 's/^epochs = .*/epochs = 1/' "$dir/job.ini"
"$SEEDSWEEP" run "$dir/job.ini" --out "$dir/one.h5" --quiet >"$dir/one.log" 2>&1
check "many ranks: 1-rank reference exits 0" [ $? = 0 ]
start=$SECONDS
rc=0
OMP_WAIT_POLICY=passive timeout 300 mpirun -n "$ranks" --oversubscribe --bind-to none --mca btl self,vader \
    "$SEEDSWEEP" run "$dir/job.ini" --out "$dir/many.h5" --quiet >"$dir/many.log" 2>&1 || rc=$?
took=$((SECONDS - start))
check "many ranks: $ranks ranks exit 0 in ${took} s (exit $rc)" [ $rc = 0 ]
[ $rc = 0 ] || tail -5 "$dir/many.log"
check "many ranks: all 64 tasks ran" grep -q "64 tasks in" "$dir/many.log"
check "many ranks: $ranks ranks bit-identical to 1 rank" same_arrays "$dir/one.h5" "$dir/many.h5"
out=$("$PY" -c "
import h5py; f=h5py.File('$dir/many.h5','r'); r=f['task_rank'][()]; print(int((r>=0).all()), int(r.max()) < $ranks, len(set(r)))")
set -- $out
check "many ranks: every task done by a rank in 0..$((ranks - 1)), $3 ranks took tasks" [ "$1 $2" = "1 True" -a "$3" -ge 2 ]
waits=$(grep "workers waited for rank 0" "$dir/many.log")
check "many ranks: worker waits printed ($waits)" [ -n "$waits" ]
reports=$(sed -n 's/.* over \([0-9]*\) reports;.*/\1/p' <<<"$waits")
done_by_workers=$("$PY" -c "import h5py; r=h5py.File('$dir/many.h5','r')['task_rank'][()]; print((r>0).sum())")
check "many ranks: one wait per task a worker finished ($reports = $done_by_workers)" [ "$reports" = "$done_by_workers" ]
finish
