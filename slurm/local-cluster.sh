#!/usr/bin/env bash
# local-cluster.sh - a real single-node Slurm (munged + slurmctld + slurmd) on this machine, for tests and demos.
#   slurm/local-cluster.sh up       start it (fresh munge key, config and state); waits until the node is idle
#   slurm/local-cluster.sh down     cancel its jobs, then stop exactly the daemons it started (by pid file)
#   slurm/local-cluster.sh status   say whether it runs; sinfo and squeue when it does
#   slurm/local-cluster.sh env      print the `export SLURM_CONF=...` line client commands need
# Everything lives in $SEEDSWEEP_SLURM_DIR (default /tmp/seedsweep-slurm). Client commands (sbatch, squeue,
# scontrol, sinfo) need SLURM_CONF exported:   eval "$(slurm/local-cluster.sh env)"
# Needs root (slurmd runs jobs as any user) and the Debian packages slurm-wlm and munge. Slurm's ports
# 6817/6818 are fixed, so only one such cluster can run on a machine at a time.
# Exit status: 0 done, 1 failed, 2 bad usage, 4 Slurm cannot run here (not root, packages missing, ports taken).
# The pitfalls this works around are listed in SLURM-NOTES (munge key and socket, SLURM_CONF, hostname
# resolution, RealMemory, requeue delay); each is marked "note N" below.
set -u

DIR=${SEEDSWEEP_SLURM_DIR:-/tmp/seedsweep-slurm}
CONF=$DIR/etc/slurm.conf
MUNGE_SOCKET=$DIR/munge/munge.socket
NODE=$(hostname -s)
export SLURM_CONF=$CONF

say() { echo "local-cluster: $*"; }
die() { echo "local-cluster: $*" >&2; exit 1; }
# unavailable: Slurm cannot run here at all (exit 4, which tests count as SKIP rather than FAIL)
unavailable() { echo "local-cluster: $*" >&2; exit 4; }

# pid_alive NAME: the pid in $DIR/run/NAME.pid runs a process called NAME (not zombie, not a recycled pid)
pid_of() { local f=$DIR/run/$1.pid; [ -s "$f" ] && tr -dc 0-9 <"$f"; }
pid_alive() {
    local pid state comm
    pid=$(pid_of "$1") || return 1
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [ "$comm" = "$1" ] || return 1
    state=$(sed -E 's/^.*\) ([A-Z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
    [ "$state" != Z ] && [ "$state" != X ]     # note 11: a zombie counts as gone
}

# stop_daemon NAME: SIGTERM by pid file, wait up to 10 s, then SIGKILL
stop_daemon() {
    local name=$1 pid i
    pid_alive "$name" || { rm -f "$DIR/run/$name.pid"; return 0; }
    pid=$(pid_of "$name")
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 100); do pid_alive "$name" || break; sleep 0.1; done
    if pid_alive "$name"; then say "$name (pid $pid) ignored SIGTERM; sending SIGKILL"; kill -KILL "$pid" 2>/dev/null; sleep 0.2; fi
    rm -f "$DIR/run/$name.pid"
    say "stopped $name (pid $pid)"
}

need_tools() {
    local t missing=""
    for t in munged slurmctld slurmd sinfo scontrol sbatch squeue; do
        command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || missing="$missing $t"
    done
    [ -z "$missing" ] || unavailable "missing:$missing (install the Debian packages slurm-wlm and munge: scripts/install-deps.sh)"
    [ "$(id -u)" = 0 ] || unavailable "must run as root (slurmd starts jobs as their owner)"
}

write_config() {
    local cpus mem_kb mem_mb
    cpus=$(nproc)
    mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
    mem_mb=$(( mem_kb / 1024 * 9 / 10 ))       # note 6: above the real memory the node drains
    cat >"$CONF" <<EOF
# Written by slurm/local-cluster.sh: a single-node cluster for tests and demos.
ClusterName=seedsweep
# note 4: an unresolvable hostname breaks scontrol ping; name the address
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# note 2: our own munged socket; note 7: cred_expire=10 lets a requeued job restart after ~13 s, not 120 s
AuthInfo=socket=$MUNGE_SOCKET,cred_expire=10
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=5,bf_interval=5
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# note 5: no cgroups needed. note 10: pgid (not linuxproc) also kills what a job leaves in the background
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MailProg=/bin/true
MpiDefault=pmix
JobRequeue=1
ReturnToService=2
KillWait=10
MinJobAge=300
StateSaveLocation=$DIR/state/ctld
SlurmdSpoolDir=$DIR/state/d
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=local Nodes=$NODE Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s
wait_for() {
    local limit=$1 i; shift
    for i in $(seq $(( limit * 5 ))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    return 1
}
node_idle() { [ "$(sinfo -h -n "$NODE" -o %t 2>/dev/null)" = idle ]; }
# a socket listening (state 0A) on 6817 or 6818 (hex 1AA1, 1AA2); /proc needs no extra package
port_busy() { awk '$4 == "0A" && $2 ~ /:(1AA1|1AA2)$/ {found = 1} END {exit !found}' /proc/net/tcp /proc/net/tcp6 2>/dev/null; }

cmd_up() {
    need_tools
    if pid_alive slurmctld && pid_alive slurmd && pid_alive munged && node_idle; then
        say "already up in $DIR"; echo "export SLURM_CONF=$CONF"; return 0
    fi
    # Leftovers of a half-started or crashed cluster of ours: stop them first.
    stop_daemon slurmd; stop_daemon slurmctld; stop_daemon munged
    port_busy && unavailable "port 6817 or 6818 is in use: another Slurm runs on this machine (only one can; note 13)"
    local t0=$SECONDS
    # note 1: munged wants every directory on its paths to be o+x and not group/other-writable
    mkdir -p "$DIR" && chmod 755 "$DIR" || die "cannot create $DIR"
    rm -rf "$DIR/etc" "$DIR/munge" "$DIR/state" "$DIR/log" "$DIR/run"
    mkdir -p "$DIR/etc" "$DIR/munge" "$DIR/state/ctld" "$DIR/state/d" "$DIR/log" "$DIR/run"
    chmod 755 "$DIR"/etc "$DIR"/munge "$DIR"/state "$DIR"/state/* "$DIR"/log "$DIR"/run
    # note 2: a fresh root-owned key; Debian's /etc/munge/munge.key belongs to the munge user
    head -c 1024 /dev/urandom >"$DIR/munge/munge.key" && chmod 600 "$DIR/munge/munge.key"
    write_config
    munged --key-file="$DIR/munge/munge.key" --socket="$MUNGE_SOCKET" --pid-file="$DIR/run/munged.pid" \
        --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed" --force \
        >"$DIR/log/munged.out" 2>&1 || { cat "$DIR/log/munged.out" >&2; die "munged did not start"; }
    wait_for 10 pid_alive munged || die "munged did not start; see $DIR/log/munged.log"
    # note 12: without -D the daemons daemonize and write their pid files
    slurmctld -f "$CONF" >"$DIR/log/slurmctld.out" 2>&1 || { tail "$DIR/log/slurmctld.out" "$DIR/log/slurmctld.log" >&2; die "slurmctld did not start"; }
    wait_for 20 scontrol ping || { tail "$DIR/log/slurmctld.log" >&2; die "slurmctld does not answer"; }
    slurmd -f "$CONF" >"$DIR/log/slurmd.out" 2>&1 || { tail "$DIR/log/slurmd.out" "$DIR/log/slurmd.log" >&2; die "slurmd did not start"; }
    if ! wait_for 30 node_idle; then
        sinfo -N -l >&2; tail -n 20 "$DIR/log/slurmd.log" >&2
        die "node $NODE did not become idle"
    fi
    say "up in $((SECONDS - t0)) s: node $NODE, $(nproc) CPUs, partition 'local', state in $DIR"
    echo "export SLURM_CONF=$CONF"
}

cmd_down() {
    local t0=$SECONDS jobs
    if pid_alive slurmctld; then
        jobs=$(squeue -h -o %i 2>/dev/null)
        if [ -n "$jobs" ]; then
            say "cancelling jobs: $(echo $jobs)"
            scancel $jobs 2>/dev/null
            wait_for $(( 10 + 5 )) test -z "$(squeue -h -t R,CG,S -o %i 2>/dev/null)" || say "jobs still ending; stopping anyway"
        fi
    fi
    # note 11: in order slurmd, slurmctld, munged
    stop_daemon slurmd; stop_daemon slurmctld; stop_daemon munged
    say "down in $((SECONDS - t0)) s"
}

cmd_status() {
    local name up=0
    for name in munged slurmctld slurmd; do
        if pid_alive "$name"; then echo "$name: running (pid $(pid_of "$name"))"; up=$((up + 1))
        else echo "$name: not running"; fi
    done
    if [ "$up" = 3 ]; then
        echo "SLURM_CONF=$CONF"; sinfo; squeue
        return 0
    fi
    return 1
}

case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) echo "export SLURM_CONF=$CONF" ;;
    *) echo "usage: $0 up|down|status|env   (state in \$SEEDSWEEP_SLURM_DIR, default /tmp/seedsweep-slurm)" >&2; exit 2 ;;
esac
