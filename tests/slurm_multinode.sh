#!/usr/bin/env bash
# slurm_multinode.sh - seedsweep across the nodes of a real multi-node Slurm on this machine
# (slurm/local-cluster.sh up --nodes 4: every node its own network and UTS namespace, one slurmd each):
#   1. the 4 nodes come up idle, each with its own hostname and address, and a PMIx fence that collects
#      no data (Open MPI 4.1's closing barrier of MPI_Init) waits for every node;
#   2. a sweep submitted with `sbatch --nodes=3 --ntasks-per-node=2 slurm/seedsweep.sbatch` runs its ranks on 3
#      hosts, and every array is bit-identical to a 1-rank run of the same job (/task_host names 3 hosts);
#   3. node loss: the same job on 3 of the 4 nodes; midway one node dies (slurmd, slurmstepd and ranks
#      SIGKILLed). Slurm notices (SlurmdTimeout=20), requeues the job, which comes back on the 3 surviving
#      nodes by itself and runs only the pending tasks: nothing finished is lost and the arrays equal the
#      1-rank run's. Prints what the loss cost (tasks re-run, seconds);
#   4. the dead node restarts (local-cluster.sh restart-node) and takes steps again.
# Every seedsweep rank is started through a wrapper that logs "rank R runs on HOST" from inside its node.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/slurm_lib.sh"
source "$(dirname "$0")/helpers/sweep_fixture.sh"

if ! out=$("$SEEDSWEEP" run --help 2>&1); then
    fail "slurm_multinode: $SEEDSWEEP run --help fails: $(echo "$out" | tail -n 2)"; finish
fi
if ! "$PY" -c 'import h5py, numpy' 2>/dev/null; then skip "slurm_multinode: $PY lacks h5py/numpy"; finish; fi
t_up=$(date +%s.%N)
slurm_up slurm_multinode_up --nodes 4 || finish

T=$(tmpdir)
REF_PID=""
# the reference run (a child of REF_PID) must not outlive the test either
cleanup() { [ -n "$REF_PID" ] && pkill -TERM -P "$REF_PID" 2>/dev/null; slurm_down; rm -rf "$T"; }
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN {printf "%.1f", b - a}'; }
up_s=$(since "$t_up")

# 1. Four nodes, four hostnames, four addresses: what each node's namespaces show a job step.
seen=$(srun --nodes=4 --ntasks-per-node=1 sh -c 'echo $(hostname) $(hostname -I)' 2>&1 | sort)
want=$(printf 'node%d 10.88.0.1%d\n' 1 1 2 2 3 3 4 4)
if [ "$seen" = "$want" ]; then
    pass "slurm_multinode_up (4 nodes idle in $up_s s: $(echo $seen | tr ' ' ' '))"
else
    fail "slurm_multinode_up: a step on each node printed:"; echo "$seen"; echo "expected:"; echo "$want"
    finish
fi

# 1b. Every PMIx fence is a barrier across the nodes (slurm/local-cluster.sh sets PMIxCollFence=ring):
# with Slurm's default a fence that collects no data let a node through before the others arrived,
# so a rank could leave MPI_Init and send to a rank of another node still inside it (a SIGSEGV at
# address 0 in Open MPI's TCP transport). Rank 2 (node2) sleeps 2 s between the two fences of
# tests/helpers/pmix_fence.c; every rank must leave the second fence at least that late.
if cc -o "$T/pmix_fence" "$ROOT/tests/helpers/pmix_fence.c" $(pkg-config --cflags --libs pmix 2>/dev/null) 2>"$T/cc.err"; then
    # fence_waits [ENV...]: the seconds each rank waited in the second fence, sorted by rank
    fence_waits() { env "$@" SLOW_RANK=2 SLOW_SECONDS=2 srun --mpi=pmix --nodes=3 --ntasks-per-node=2 "$T/pmix_fence" 2>&1 | grep "^rank " | sort; }
    waits=$(fence_waits)
    if [ "$(grep -c '^rank [0-5] waited' <<<"$waits")" = 6 ] && awk '$4 < 1.9 {exit 1}' <<<"$waits"; then
        pass "slurm_multinode_fence (a fence without data waits for every node: $(awk '{printf "%s%s", sep, $4; sep=" "}' <<<"$waits") s)"
    else
        fail "slurm_multinode_fence: a fence without data did not wait 2 s for rank 2 everywhere:"; echo "$waits"
    fi
    # what the cluster avoids, for the record (Slurm's own algorithm choice; not judged here)
    echo "with SLURM_PMIX_FENCE=tree the ranks waited: $(fence_waits SLURM_PMIX_FENCE=tree | awk '{printf "%s ", $4}')s"
else
    skip "slurm_multinode_fence: cannot build tests/helpers/pmix_fence.c (libpmix-dev): $(head -c 200 "$T/cc.err")"
fi

# The job: 30 tasks of ~0.3 s on one core (the slow fixture with 24 epochs). Six ranks share this machine's
# cores, so a task takes ~1.5 s there: long enough to kill a node midway.
make_slow_fixture "$T" || { fail "slurm_multinode: cannot make the fixture"; finish; }
sed -i 's/^epochs = .*/epochs = 24/' "$T/job.ini"
TASKS=30
cat >"$T/wrap.sh" <<EOF
#!/bin/sh
echo "rank \${SLURM_PROCID:-?} runs on \$(hostname)" >&2
exec "$SEEDSWEEP" "\$@"
EOF
chmod +x "$T/wrap.sh"

# The 1-rank reference run goes in the background while Slurm takes its time to notice the node loss
# (test 3) and the machine is otherwise idle; ref_wait waits for it (and fails the test if it failed).
ref_start() {
    ( t=$(now); "$SEEDSWEEP" run "$T/job.ini" --out "$T/ref.h5" --threads 1 >"$T/ref.log" 2>&1 &&
      echo "1-rank reference run: $(since "$t") s (in the background)" >>"$T/ref.log" ) &
    REF_PID=$!
}
ref_wait() {
    if ! wait "$REF_PID"; then fail "slurm_multinode: the 1-rank reference run failed: $(tail -n 3 "$T/ref.log")"; finish; fi
    tail -n 1 "$T/ref.log"
}

# submit NAME SBATCH-OPTIONS...: job id; output in NAME.out, results in NAME.h5
submit() {
    local name=$1; shift
    SEEDSWEEP="$T/wrap.sh" sbatch --parsable --chdir="$T" -o "$T/$name.out" "$@" \
        "$ROOT/slurm/seedsweep.sbatch" job.ini --out "$T/$name.h5" --threads 1
}
show_job() { echo "--- job $1 output (last lines):"; tail -n 40 "$T/$2.out" 2>/dev/null; }
# rank_hosts LOG: "R=HOST ..." for the last run in LOG (a restart logs its ranks again)
rank_hosts() { awk '/^rank [0-9]+ runs on /{h[$2] = $5} END {for (r in h) printf "%s=%s ", r, h[r]}' "$1"; }
# done_tasks FILE: "N i j k ...": how many tasks are done and which, read while the sweep may be writing
done_tasks() {
    HDF5_USE_FILE_LOCKING=FALSE "$PY" - "$1" 2>/dev/null <<'EOF'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    done = np.flatnonzero(f["task_status"][()] != 0)
print(len(done), *done.tolist())
EOF
}
# wait_until SECONDS CMD...: poll CMD every 0.25 s
wait_until() {
    local limit=$1 i; shift
    for i in $(seq $(( limit * 4 ))); do "$@" && return 0; sleep 0.25; done
    return 1
}

# 2. Across 3 nodes, 2 ranks each (judged below, once the reference run is there).
t0=$(now)
job_a=$(submit across --nodes=3 --ntasks-per-node=2)
if ! [[ "$job_a" =~ ^[0-9]+$ ]]; then fail "slurm_multinode_sweep: sbatch said: $job_a"; finish; fi
state_a=$(job_wait_done "$job_a" 180)
across_s=$(since "$t0")
exitcode_a=$(job_field "$job_a" ExitCode)
map=$(rank_hosts "$T/across.out")
hosts=$(tr ' ' '\n' <<<"$map" | sed -n 's/^[0-9]*=//p' | sort -u | tr '\n' ' ')
# tasks per host, from /task_rank and the ranks' own account of their host
per_host=$("$PY" - "$T/across.h5" "$map" 2>&1 <<'EOF'
import sys, collections, h5py
host = dict(kv.split("=") for kv in sys.argv[2].split())
with h5py.File(sys.argv[1], "r") as f:
    ranks = f["task_rank"][()]
count = collections.Counter(host.get(str(r), f"rank{r}?") for r in ranks)
print(" ".join(f"{h}:{n}" for h, n in sorted(count.items())))
EOF
)

# judge_across: the verdict on test 2 (needs the reference run)
judge_across() {
    if [ "$state_a" = COMPLETED ] && [ "$exitcode_a" = 0:0 ] && why=$("$PY" "$ROOT/tests/helpers/compare_results.py" "$T/across.h5" "$T/ref.h5" 2>&1) &&
       [ "$(wc -w <<<"$hosts")" = 3 ] && [ "$(wc -w <<<"$per_host")" = 3 ]; then
        pass "slurm_multinode_sweep ($TASKS tasks, 6 ranks on $hosts($map), tasks per host $per_host; $why as the 1-rank run; $across_s s from sbatch to done)"
    else
        fail "slurm_multinode_sweep: job $job_a $state_a exit $exitcode_a: ${why:-}; ranks on hosts: $map; tasks per host: $per_host"
        show_job "$job_a" across
    fi
    # /task_host: the host of each task, recorded by seedsweep itself
    if why=$("$PY" - "$T/across.h5" "$map" 2>&1 <<'EOF'
import sys, h5py
host = dict(kv.split("=") for kv in sys.argv[2].split())
with h5py.File(sys.argv[1], "r") as f:
    if "task_host" not in f:
        sys.exit("the results file has no /task_host")
    task_host = list(f["task_host"].asstr()[()])
    ranks = f["task_rank"][()]
if len(set(task_host)) != 3:
    sys.exit(f"/task_host names {sorted(set(task_host))}, expected 3 hosts")
wrong = [t for t, (h, r) in enumerate(zip(task_host, ranks)) if host.get(str(r)) != h]
if wrong:
    sys.exit(f"/task_host of task {wrong[0]} is {task_host[wrong[0]]}, but its rank {ranks[wrong[0]]} ran on {host.get(str(ranks[wrong[0]]))}")
print(f"/task_host names {len(set(task_host))} hosts, each task's matching its rank's")
EOF
    ); then
        pass "slurm_multinode_task_host ($why)"
    else
        fail "slurm_multinode_task_host: $why"
    fi
}

# 3. Node loss: 3 of the 4 nodes; one of them (not the batch host, where rank 0 writes the file) dies midway.
# start_loss: submit the job and wait until a tenth of the tasks are done (some, not all: on a fast
# machine the rest go quickly), or the job ended
start_loss() {
    t0=$(now)
    job=$(submit loss --nodes=3 --ntasks-per-node=2)
    if ! [[ "$job" =~ ^[0-9]+$ ]]; then fail "slurm_multinode_node_loss: sbatch said: $job"; finish; fi
    job_wait_state "$job" 60 RUNNING >/dev/null
    batch=$(job_field "$job" BatchHost)
    nodes1=$(job_field "$job" NodeList)
    victim=$(scontrol show hostnames "$nodes1" | grep -vx "$batch" | tail -n 1)
    n=0
    for i in $(seq 480); do
        read -r n _ < <(done_tasks "$T/loss.h5" || echo 0)
        [ "${n:-0}" -ge $(( TASKS / 10 )) ] && break
        job_ended "$job" && break
        sleep 0.25
    done
}
start_loss
read -r n_kill done_kill < <(done_tasks "$T/loss.h5" || echo 0)
if [ -z "$victim" ] || [ "${n:-0}" -lt $(( TASKS / 10 )) ] || [ "${n_kill:-0}" -ge "$TASKS" ]; then
    fail "slurm_multinode_node_loss: could not kill a node midway (job $job on $nodes1, batch host $batch;" \
        "${n_kill:-0} of $TASKS tasks done, job $(job_field "$job" JobState))"
    show_job "$job" loss
    ref_start; ref_wait; judge_across; finish
fi
t_kill=$(now)
echo "$(bash "$SLURM_CLUSTER" kill-node "${victim#node}" 9>&-) at $(since "$t0" "$t_kill") s, $n_kill of $TASKS tasks done"
ref_start
# Slurm marks the node DOWN after ~32 s and requeues the job: Restarts becomes 1 (the job must not end)
requeued() { job_ended "$job" || [ "$(job_field "$job" Restarts)" -ge 1 ] 2>/dev/null; }
wait_until 120 requeued; t_requeue=$(now)
# then it ends the old run (KillWait) and waits in PENDING (cred_expire=10) before it runs again
pending=$(job_wait_state "$job" 90 PENDING RUNNING $JOB_END_STATES)
read -r n_requeue done_requeue < <(done_tasks "$T/loss.h5" || echo 0)
again=$(job_wait_state "$job" 120 RUNNING $JOB_END_STATES); t_again=$(now)
nodes2=$(job_field "$job" NodeList)
state=$(job_wait_done "$job" 180); t_done=$(now)
exitcode=$(job_field "$job" ExitCode)
restarts=$(job_field "$job" Restarts)
loss_s=$(since "$t0" "$t_done")
# the rerun's own account: "N tasks, P to run (D already done)"
rerun_line=$(grep -E '[0-9]+ to run \([0-9]+ already done\)' "$T/loss.out" | tail -n 1)
to_run=$(sed -nE 's/.* ([0-9]+) to run \(([0-9]+) already done\).*/\1/p' <<<"$rerun_line")
already=$(sed -nE 's/.* ([0-9]+) to run \(([0-9]+) already done\).*/\2/p' <<<"$rerun_line")
# work lost: tasks run again, and the task seconds the rerun spent on them
rerun_seconds=$("$PY" - "$T/loss.h5" $done_requeue <<'EOF'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    seconds = f["task_seconds"][()]
before = set(int(t) for t in sys.argv[2:])
print(f"{sum(s for t, s in enumerate(seconds) if t not in before):.1f}")
EOF
)
ref_wait; judge_across
problems=""
[ "$state" = COMPLETED ] && [ "$exitcode" = 0:0 ] || problems="$problems job $state exit $exitcode;"
[ "$restarts" = 1 ] || problems="$problems restarts $restarts, expected 1;"
[ "$pending" = PENDING ] || problems="$problems after the node died the job went $pending, not PENDING (requeued);"
[ "$again" = RUNNING ] || problems="$problems it never ran again ($again);"
if [ "$(scontrol show hostnames "$nodes2" | wc -l)" != 3 ] || scontrol show hostnames "$nodes2" | grep -qx "$victim"; then
    problems="$problems the rerun ran on $nodes2, expected 3 nodes without $victim;"
fi
for t in $done_kill; do
    [[ " $done_requeue " == *" $t "* ]] || problems="$problems task $t was done at the kill but not when the job was requeued;"
done
[ "$already" = "$n_requeue" ] && [ "$to_run" = $(( TASKS - n_requeue )) ] ||
    problems="$problems the rerun says '$rerun_line', but $n_requeue tasks were done when it was requeued;"
why=$("$PY" "$ROOT/tests/helpers/compare_results.py" "$T/loss.h5" "$T/ref.h5" 2>&1) || problems="$problems $why;"
if [ -z "$problems" ]; then
    pass "slurm_multinode_node_loss ($victim killed at $(since "$t0" "$t_kill") s with $n_kill/$TASKS done;" \
        "Slurm requeued the job $(since "$t_kill" "$t_requeue") s later, it ran again $(since "$t_requeue" "$t_again") s after that" \
        "on $nodes2 with $n_requeue/$TASKS done and reran the $to_run pending tasks ($rerun_seconds s of task time);" \
        "done $loss_s s after sbatch vs $across_s s uninterrupted: the loss cost $(since "$across_s" "$loss_s") s; $why)"
else
    fail "slurm_multinode_node_loss (job $job on $nodes1, $victim killed at $n_kill/$TASKS):$problems"
    show_job "$job" loss
fi
echo "node-loss figures: victim=$victim killed_at_s=$(since "$t0" "$t_kill") done_at_kill=$n_kill" \
    "detect_s=$(since "$t_kill" "$t_requeue") requeue_to_run_s=$(since "$t_requeue" "$t_again")" \
    "rerun_s=$(since "$t_again" "$t_done") done_at_requeue=$n_requeue tasks_rerun=${to_run:-?}" \
    "rerun_task_seconds=$rerun_seconds total_s=$loss_s uninterrupted_s=$across_s"

# 4. The dead node reboots (spool and tmp wiped: note 19) and takes steps again.
t0=$(now)
if out=$(bash "$SLURM_CLUSTER" restart-node "${victim#node}" 2>&1 9>&-) &&
   seen=$(srun --nodes=4 --ntasks-per-node=1 hostname 2>&1 | sort | tr '\n' ' ') && [ "$seen" = "node1 node2 node3 node4 " ]; then
    pass "slurm_multinode_restart_node ($victim back in $(since "$t0") s; a step on all 4 nodes ran on $seen)"
else
    fail "slurm_multinode_restart_node: $out; a 4-node step printed: ${seen:-}"
fi
finish
