#!/usr/bin/env bash
# local-cluster.sh - a real Slurm on this machine, for tests and demos: munged, slurmctld, one slurmd per node.
#   slurm/local-cluster.sh up [--nodes N]  start it (fresh munge key, config and state); waits until every node is idle.
#                                       N = 1 (default): one node, this machine itself, at 127.0.0.1.
#                                       N > 1: nodes node1..nodeN, each in its own network and UTS namespace
#                                       (hostname nodeK, address 10.88.0.(10+K) on the bridge ssw-br0, whose
#                                       host side 10.88.0.1 is slurmctld's), one slurmd each; munged and
#                                       slurmctld run on the host. Ranks on different nodes talk over TCP.
#   slurm/local-cluster.sh down         cancel its jobs, stop exactly the daemons it started (by pid file), kill
#                                       what is left in its namespaces, remove namespaces, veths and bridge.
#                                       Safe to run at any time: after a partial `up`, twice, or with nothing up.
#   slurm/local-cluster.sh status       say whether it runs; the nodes, sinfo and squeue when it does
#   slurm/local-cluster.sh env          print the `export SLURM_CONF=...` line client commands need
#   slurm/local-cluster.sh kill-node K  node K fails: SIGKILL to everything in its namespace (slurmd, slurmstepd,
#                                       the job's ranks). Slurm notices after SlurmdTimeout (20 s).
#   slurm/local-cluster.sh restart-node K  reboot node K: kill what is left, wipe its spool and tmp, start its
#                                       slurmd; Slurm takes it back (ReturnToService=2). Waits until it is usable.
# Everything lives in $SEEDSWEEP_SLURM_DIR (default /tmp/seedsweep-slurm). Client commands (sbatch, squeue,
# scontrol, sinfo) need SLURM_CONF exported:   eval "$(slurm/local-cluster.sh env)"
# Needs root (slurmd runs jobs as any user; namespaces) and the Debian packages slurm-wlm, munge and iproute2.
# Slurm's ports 6817/6818 are fixed, so only one such cluster can run on a machine at a time.
# Exit status: 0 done, 1 failed, 2 bad usage, 4 Slurm cannot run here (not root, packages missing, ports taken).
# The pitfalls this works around are listed in docs/cluster.md, "Local Slurm: facts and pitfalls" (munge key and socket, SLURM_CONF,
# hostname resolution, RealMemory, requeue delay, namespaces); each is marked "note N" below.
set -u

DIR=${SEEDSWEEP_SLURM_DIR:-/tmp/seedsweep-slurm}
CONF=$DIR/etc/slurm.conf
MUNGE_SOCKET=$DIR/munge/munge.socket
HOST=$(hostname -s)
export SLURM_CONF=$CONF
# Several nodes: names of the network pieces (note 20: one such cluster per machine; these are fixed too)
BRIDGE=ssw-br0
SUBNET=10.88.0           # bridge (host, slurmctld) .1, node K .(10+K)
NETNS_PREFIX=seedsweep-node
VETH_PREFIX=ssw-veth     # host side of node K's link: ssw-vethK (its other end is eth0 inside the node)
MAX_NODES=32

say() { echo "local-cluster: $*"; }
die() { echo "local-cluster: $*" >&2; exit 1; }
# unavailable: Slurm cannot run here at all (exit 4, which tests count as SKIP rather than FAIL)
unavailable() { echo "local-cluster: $*" >&2; exit 4; }

# pid_alive NAME: the pid in $DIR/run/NAME.pid runs a process called NAME up to its first '-' (slurmd-node2.pid
# holds a slurmd), not a zombie and not a recycled pid
pid_of() { local f=$DIR/run/$1.pid; [ -s "$f" ] && tr -dc 0-9 <"$f"; }
pid_alive() {
    local pid state comm
    pid=$(pid_of "$1") || return 1
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [ "$comm" = "${1%%-*}" ] || return 1
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
    local nodes=$1 t missing=""
    for t in munged slurmctld slurmd sinfo scontrol sbatch squeue; do
        command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || missing="$missing $t"
    done
    if [ "$nodes" -gt 1 ]; then
        for t in ip nsenter unshare; do command -v "$t" >/dev/null 2>&1 || missing="$missing $t"; done
    fi
    [ -z "$missing" ] || unavailable "missing:$missing (install the Debian packages slurm-wlm, munge and iproute2: scripts/install-deps.sh)"
    [ "$(id -u)" = 0 ] || unavailable "must run as root (slurmd starts jobs as their owner)"
}

# The node count of the cluster in $DIR (written first thing by `up`, so `down` knows it after a partial start)
nodes_now() { local n; n=$(cat "$DIR/nodes" 2>/dev/null | tr -dc 0-9); echo "${n:-1}"; }
# slurmd_name K: the pid file name of node K's slurmd (one node: plain slurmd.pid, as before)
slurmd_name() { if [ "$(nodes_now)" -gt 1 ]; then echo "slurmd-node$1"; else echo slurmd; fi; }
netns() { echo "$NETNS_PREFIX$1"; }
node_addr() { echo "$SUBNET.$((10 + $1))"; }

write_config() {
    local nodes=$1 cpus mem_kb mem_mb k
    cpus=$(nproc)      # note 17: with several nodes each one claims every core of the machine
    mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
    mem_mb=$(( mem_kb / 1024 * 9 / 10 / nodes ))       # note 6: above the real memory the node drains
    FIRST_JOB_ID=$(( $(date +%s) % 1000000 * 10 + 1 ))
    {
    echo "# Written by slurm/local-cluster.sh: a $nodes-node cluster for tests and demos."
    echo "ClusterName=seedsweep"
    if [ "$nodes" = 1 ]; then
        echo "# note 4: an unresolvable hostname breaks scontrol ping; name the address"
        echo "SlurmctldHost=$HOST(127.0.0.1)"
    else
        echo "# note 16: slurmctld on the host, reached by the nodes over the bridge"
        echo "SlurmctldHost=$HOST($SUBNET.1)"
    fi
    cat <<EOF
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
# Job ids would start anew with each cluster: a first id from the clock keeps each cluster's ids
# (and the slurm-*-ID.out names of its jobs) its own.
FirstJobId=$FIRST_JOB_ID
ReturnToService=2
KillWait=10
MinJobAge=300
StateSaveLocation=$DIR/state/ctld
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmctldDebug=info
SlurmdDebug=info
EOF
    if [ "$nodes" = 1 ]; then
        cat <<EOF
SlurmdSpoolDir=$DIR/state/d
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmdLogFile=$DIR/log/slurmd.log
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=local Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
    else
        cat <<EOF
# note 18: a node that stops answering is marked not responding after ~20 s and DOWN after ~32 s
SlurmdTimeout=20
# note 16: per-node spool, pid, log and TmpFS (the pmix plugin's spmix_appdir_* collide in a shared /tmp)
SlurmdSpoolDir=$DIR/state/spool-%n
SlurmdPidFile=$DIR/run/slurmd-%n.pid
SlurmdLogFile=$DIR/log/slurmd-%n.log
TmpFS=$DIR/state/tmp-%n
EOF
        for k in $(seq "$nodes"); do
            echo "NodeName=node$k NodeHostname=node$k NodeAddr=$(node_addr "$k") CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN"
        done
        echo "PartitionName=local Nodes=node[1-$nodes] Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO"
    fi
    } >"$CONF"
    # Every node waits in each fence (PMIx barrier): with its default algorithm (and with tree)
    # Slurm 22.05's pmix plugin completes a fence that collects no data, Open MPI 4.1's closing
    # barrier of MPI_Init, without waiting for the other nodes. A rank could then leave MPI_Init
    # and send to a rank of another node still inside it, which has no handler for the message
    # yet: a SIGSEGV at address 0 in Open MPI's TCP transport, in 5 of 80 starts of a bare
    # MPI program on this cluster under load. The ring algorithm waits for every node (0 of 80).
    echo "PMIxCollFence=ring" >"$(dirname "$CONF")/mpi.conf"
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s
wait_for() {
    local limit=$1 i; shift
    for i in $(seq $(( limit * 5 ))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    return 1
}
# all_idle: every node of the cluster is idle
all_idle() {
    local n; n=$(nodes_now)
    if [ "$n" = 1 ]; then [ "$(sinfo -h -n "$HOST" -o %t 2>/dev/null)" = idle ]; return; fi
    [ "$(sinfo -h -N -o '%N %t' 2>/dev/null | grep -c ' idle$')" = "$n" ]
}
# node_usable K: node K takes jobs (idle, or running some)
node_usable() { [[ "$(sinfo -h -n "node$1" -o %t 2>/dev/null)" =~ ^(idle|mix|alloc)$ ]]; }
# a socket listening (state 0A) on 6817 or 6818 (hex 1AA1, 1AA2); /proc needs no extra package
port_busy() { awk '$4 == "0A" && $2 ~ /:(1AA1|1AA2)$/ {found = 1} END {exit !found}' /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
# all_daemons_alive: munged, slurmctld and every node's slurmd run
all_daemons_alive() {
    local k
    pid_alive munged && pid_alive slurmctld || return 1
    for k in $(seq "$(nodes_now)"); do pid_alive "$(slurmd_name "$k")" || return 1; done
}

# Network of several nodes (notes 14, 15): bridge on the host, per node a namespace with lo and eth0
net_up() {
    local nodes=$1 k ns
    # no bridges or namespaces allowed here (a container without CAP_NET_ADMIN/CAP_SYS_ADMIN): Slurm can't run
    ip link add "$BRIDGE" type bridge 2>"$DIR/log/net.err" || unavailable "cannot create a bridge: $(cat "$DIR/log/net.err")"
    ip addr add "$SUBNET.1/24" dev "$BRIDGE" && ip link set "$BRIDGE" up || die "cannot set up bridge $BRIDGE"
    for k in $(seq "$nodes"); do
        ns=$(netns "$k")
        ip netns add "$ns" 2>"$DIR/log/net.err" || { net_down; unavailable "cannot create network namespace $ns: $(cat "$DIR/log/net.err")"; }
        ip link add "$VETH_PREFIX$k" type veth peer name "ssw-peer$k" &&
        ip link set "$VETH_PREFIX$k" master "$BRIDGE" &&
        ip link set "$VETH_PREFIX$k" up &&
        ip link set "ssw-peer$k" netns "$ns" &&
        ip -n "$ns" link set "ssw-peer$k" name eth0 &&
        ip -n "$ns" addr add "$(node_addr "$k")/24" dev eth0 &&
        ip -n "$ns" link set eth0 up &&
        ip -n "$ns" link set lo up || { net_down; die "cannot wire node $k (namespace $ns)"; }
    done
}
# net_down: remove every namespace, veth and bridge of ours that exists (whatever the node count says)
net_down() {
    local ns link
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$NETNS_PREFIX[0-9]+$"); do
        ip netns del "$ns" 2>/dev/null || say "cannot remove namespace $ns"
    done
    # a veth goes with its namespace; one whose peer never moved there (partial up) is left to remove
    for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^($VETH_PREFIX|ssw-peer)[0-9]+$"); do
        ip link del "$link" 2>/dev/null
    done
    if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE" || say "cannot remove bridge $BRIDGE"; fi
}
# ns_pids K: the processes in node K's network namespace
ns_pids() { ip netns pids "$(netns "$1")" 2>/dev/null; }
# kill_ns K: SIGKILL everything in node K's namespace; wait until it is gone. Prints what it killed.
kill_ns() {
    local k=$1 pids pid what="" i
    pids=$(ns_pids "$k")
    [ -n "$pids" ] || return 0
    for pid in $pids; do what="$what $(cat "/proc/$pid/comm" 2>/dev/null)($pid)"; done
    kill -KILL $pids 2>/dev/null
    for i in $(seq 50); do [ -z "$(ns_pids "$k")" ] && break; sleep 0.1; done
    [ -z "$(ns_pids "$k")" ] || say "node$k: still running after SIGKILL: $(ns_pids "$k" | tr '\n' ' ')"
    echo "$what"
}
# start_slurmd K: node K's slurmd in its network namespace and a new UTS namespace named nodeK.
# Not `ip netns exec`: it remounts /sys, /sys/fs/cgroup vanishes and slurmd refuses to start (note 15).
start_slurmd() {
    local k=$1
    mkdir -p "$DIR/state/spool-node$k" "$DIR/state/tmp-node$k" && chmod 755 "$DIR/state/spool-node$k" &&
        chmod 1777 "$DIR/state/tmp-node$k" || die "cannot create node$k's directories"   # note 16: slurmd does not
    nsenter --net="/var/run/netns/$(netns "$k")" unshare --uts \
        sh -c "hostname node$k && exec slurmd -f '$CONF' -N node$k" >"$DIR/log/slurmd-node$k.out" 2>&1 ||
        { tail "$DIR/log/slurmd-node$k.out" "$DIR/log/slurmd-node$k.log" >&2; die "slurmd of node$k did not start"; }
}

cmd_up() {
    local nodes=1 k
    while [ $# -gt 0 ]; do
        case $1 in
            --nodes) nodes=${2:-}; shift 2 || true ;;
            --nodes=*) nodes=${1#--nodes=}; shift ;;
            *) echo "local-cluster: unknown option for up: $1" >&2; exit 2 ;;
        esac
    done
    [[ "$nodes" =~ ^[0-9]+$ ]] && [ "$nodes" -ge 1 ] && [ "$nodes" -le $MAX_NODES ] ||
        { echo "local-cluster: --nodes takes a number from 1 to $MAX_NODES, not '$nodes'" >&2; exit 2; }
    need_tools "$nodes"
    if [ -s "$DIR/nodes" ] && all_daemons_alive && all_idle; then
        [ "$(nodes_now)" = "$nodes" ] || die "a $(nodes_now)-node cluster is up in $DIR; run '$0 down' first"
        say "already up in $DIR ($nodes node(s))"; echo "export SLURM_CONF=$CONF"; return 0
    fi
    # The namespaces and bridge have fixed names: if they exist but $DIR knows of no such cluster, another
    # local cluster (another SEEDSWEEP_SLURM_DIR) owns them, or one whose directory was removed.
    if [ "$(nodes_now)" = 1 ] && ip link show "$BRIDGE" >/dev/null 2>&1; then
        unavailable "bridge $BRIDGE exists but no multi-node cluster of $DIR does: another local cluster runs," \
            "or one was left behind ('$0 down' with its SEEDSWEEP_SLURM_DIR removes it)"
    fi
    # Leftovers of a half-started or crashed cluster of ours: remove them first.
    cmd_down >/dev/null
    port_busy && unavailable "port 6817 or 6818 is in use: another Slurm runs on this machine (only one can; note 13)"
    local t0=$SECONDS
    # note 1: munged wants every directory on its paths to be o+x and not group/other-writable
    mkdir -p "$DIR" && chmod 755 "$DIR" || die "cannot create $DIR"
    rm -rf "$DIR/etc" "$DIR/munge" "$DIR/state" "$DIR/log" "$DIR/run" "$DIR/nodes"
    mkdir -p "$DIR/etc" "$DIR/munge" "$DIR/state/ctld" "$DIR/log" "$DIR/run"
    [ "$nodes" = 1 ] && mkdir -p "$DIR/state/d"
    chmod 755 "$DIR"/etc "$DIR"/munge "$DIR"/state "$DIR"/state/* "$DIR"/log "$DIR"/run
    echo "$nodes" >"$DIR/nodes"
    # note 2: a fresh root-owned key; Debian's /etc/munge/munge.key belongs to the munge user
    head -c 1024 /dev/urandom >"$DIR/munge/munge.key" && chmod 600 "$DIR/munge/munge.key"
    write_config "$nodes"
    [ "$nodes" -gt 1 ] && net_up "$nodes"
    munged --key-file="$DIR/munge/munge.key" --socket="$MUNGE_SOCKET" --pid-file="$DIR/run/munged.pid" \
        --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed" --force \
        >"$DIR/log/munged.out" 2>&1 || { cat "$DIR/log/munged.out" >&2; die "munged did not start"; }
    wait_for 10 pid_alive munged || die "munged did not start; see $DIR/log/munged.log"
    # note 12: without -D the daemons daemonize and write their pid files
    slurmctld -f "$CONF" >"$DIR/log/slurmctld.out" 2>&1 || { tail "$DIR/log/slurmctld.out" "$DIR/log/slurmctld.log" >&2; die "slurmctld did not start"; }
    wait_for 20 scontrol ping || { tail "$DIR/log/slurmctld.log" >&2; die "slurmctld does not answer"; }
    if [ "$nodes" = 1 ]; then
        slurmd -f "$CONF" >"$DIR/log/slurmd.out" 2>&1 || { tail "$DIR/log/slurmd.out" "$DIR/log/slurmd.log" >&2; die "slurmd did not start"; }
    else
        for k in $(seq "$nodes"); do start_slurmd "$k"; done
    fi
    if ! wait_for 30 all_idle; then
        sinfo -N -l >&2; tail -n 20 "$DIR"/log/slurmd*.log >&2
        die "the nodes did not all become idle"
    fi
    if [ "$nodes" = 1 ]; then
        say "up in $((SECONDS - t0)) s: node $HOST, $(nproc) CPUs, partition 'local', state in $DIR"
    else
        say "up in $((SECONDS - t0)) s: nodes node[1-$nodes] at $(node_addr 1)..$(node_addr "$nodes"), $(nproc) CPUs each" \
            "(all the same $(nproc) cores), partition 'local', state in $DIR"
    fi
    echo "export SLURM_CONF=$CONF"
}

cmd_down() {
    local t0=$SECONDS jobs f k
    if pid_alive slurmctld; then
        jobs=$(squeue -h -o %i 2>/dev/null)
        if [ -n "$jobs" ]; then
            say "cancelling jobs: $(echo $jobs)"
            scancel $jobs 2>/dev/null
            wait_for $(( 10 + 5 )) test -z "$(squeue -h -t R,CG,S -o %i 2>/dev/null)" || say "jobs still ending; stopping anyway"
        fi
    fi
    # note 11: in order slurmd(s), slurmctld, munged
    for f in "$DIR"/run/slurmd*.pid; do [ -e "$f" ] && stop_daemon "$(basename "$f" .pid)"; done
    # what the nodes still run (a step daemon or rank of a killed node, say) is ours by construction
    for k in $(ip netns list 2>/dev/null | awk '{print $1}' | sed -n "s/^$NETNS_PREFIX\([0-9]\+\)$/\1/p"); do
        f=$(kill_ns "$k"); [ -n "$f" ] && say "node$k: killed what was left:$f"
    done
    stop_daemon slurmctld; stop_daemon munged
    net_down
    say "down in $((SECONDS - t0)) s"
}

cmd_status() {
    local name up=0 want nodes k
    nodes=$(nodes_now)
    want=$(( 2 + nodes ))
    for name in munged slurmctld; do
        if pid_alive "$name"; then echo "$name: running (pid $(pid_of "$name"))"; up=$((up + 1))
        else echo "$name: not running"; fi
    done
    for k in $(seq "$nodes"); do
        name=$(slurmd_name "$k")
        if [ "$nodes" = 1 ]; then echo -n "slurmd: "; else echo -n "node$k ($(node_addr "$k"), namespace $(netns "$k")): slurmd "; fi
        if pid_alive "$name"; then echo "running (pid $(pid_of "$name"))"; up=$((up + 1)); else echo "not running"; fi
    done
    if [ "$up" = "$want" ]; then
        echo "SLURM_CONF=$CONF"; sinfo -N -o '%N %t %c %m' ; squeue
        return 0
    fi
    return 1
}

# node_arg K: K is a node of the running multi-node cluster
node_arg() {
    [ "$(nodes_now)" -gt 1 ] || { echo "local-cluster: no multi-node cluster in $DIR (up --nodes N)" >&2; exit 2; }
    [[ "${1:-}" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le "$(nodes_now)" ] ||
        { echo "local-cluster: expected a node number 1..$(nodes_now), not '${1:-}'" >&2; exit 2; }
}

cmd_kill_node() {
    local k=$1 what
    node_arg "$k"
    what=$(kill_ns "$k")
    rm -f "$DIR/run/slurmd-node$k.pid"
    say "node$k killed (SIGKILL):${what:- nothing was running}"
}

cmd_restart_node() {
    local k=$1 t0=$SECONDS
    node_arg "$k"
    kill_ns "$k" >/dev/null; rm -f "$DIR/run/slurmd-node$k.pid"
    # note 19: a reboot starts clean; a killed slurmstepd leaves its pmix socket in the spool
    rm -rf "$DIR/state/spool-node$k" "$DIR/state/tmp-node$k"
    start_slurmd "$k"
    wait_for 60 node_usable "$k" || { sinfo -N -l >&2; die "node$k did not come back"; }
    say "node$k restarted in $((SECONDS - t0)) s: $(sinfo -h -n "node$k" -o %t)"
}

case "${1:-}" in
    up) shift; cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) echo "export SLURM_CONF=$CONF" ;;
    kill-node) cmd_kill_node "${2:-}" ;;
    restart-node) cmd_restart_node "${2:-}" ;;
    *) echo "usage: $0 up [--nodes N]|down|status|env|kill-node K|restart-node K   (state in \$SEEDSWEEP_SLURM_DIR, default /tmp/seedsweep-slurm)" >&2; exit 2 ;;
esac
