# tests/slurm_lib.sh - helpers for the Slurm tests (sourced after tests/lib.sh; not a test itself).
# slurm_up brings the local cluster up (slurm/local-cluster.sh) and arranges for it to go down on EXIT,
# unless it was already up before the test. Job helpers poll scontrol (docs/cluster.md, local Slurm note 9: no sbatch --wait).

SLURM_CLUSTER="$ROOT/slurm/local-cluster.sh"
SLURM_WAS_UP=0

# slurm_up TESTNAME [UP OPTIONS]: 0 when the cluster is up (`local-cluster.sh up UP OPTIONS`, e.g. --nodes 4);
# otherwise prints SKIP (Slurm cannot run here) or FAIL (it should have started) and returns 1.
slurm_up() {
    local name=$1 out rc=0
    shift
    # One local cluster per machine (fixed ports): concurrent `make test` runs take turns here.
    exec 9>"${TMPDIR:-/tmp}/seedsweep-slurm-test.lock"
    if command -v flock >/dev/null && ! flock -w 300 9; then
        skip "$name: another Slurm test held the local cluster for 5 minutes"; return 1
    fi
    if bash "$SLURM_CLUSTER" status >/dev/null 2>&1; then SLURM_WAS_UP=1; fi
    trap slurm_down EXIT
    # bash runs the EXIT trap on a signal only when the signal is trapped: a test stopped by Ctrl-C or
    # `kill` must still take the cluster (daemons, namespaces, bridge) down
    trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 129' HUP
    out=$(bash "$SLURM_CLUSTER" up "$@" 2>&1 9>&-) || rc=$?   # 9>&-: the daemons must not keep the lock
    if [ "$rc" = 4 ]; then skip "$name: Slurm cannot run here: $(echo "$out" | tail -n 1)"; return 1; fi
    if [ "$rc" != 0 ]; then fail "$name: local cluster did not come up (exit $rc)"; echo "$out"; return 1; fi
    eval "$(bash "$SLURM_CLUSTER" env)"
    echo "$out"
    return 0
}
slurm_down() {
    [ "$SLURM_WAS_UP" = 1 ] && return 0
    bash "$SLURM_CLUSTER" down >/dev/null 2>&1 || true
}

# job_field JOB KEY: one field of `scontrol show job` (JobState, ExitCode, Restarts, ...)
job_field() { scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

# job_wait_state JOB SECONDS STATE...: wait until JobState is one of STATEs; prints the state; 1 on timeout
job_wait_state() {
    local job=$1 limit=$2 state i want; shift 2
    for i in $(seq $(( limit * 4 ))); do
        state=$(job_field "$job" JobState)
        for want in "$@"; do [ "$state" = "$want" ] && { echo "$state"; return 0; }; done
        sleep 0.25
    done
    echo "${state:-unknown}"; return 1
}
JOB_END_STATES="COMPLETED FAILED CANCELLED TIMEOUT NODE_FAIL OUT_OF_MEMORY BOOT_FAIL DEADLINE PREEMPTED"
# job_ended JOB: the job has ended for good (a requeued job is PENDING again, not ended)
job_ended() { local s; s=$(job_field "$1" JobState); [ -n "$s" ] && [[ " $JOB_END_STATES " == *" $s "* ]]; }
# job_wait_done JOB SECONDS: wait until the job has ended for good (not requeued); prints its state
job_wait_done() { job_wait_state "$1" "$2" $JOB_END_STATES; }
