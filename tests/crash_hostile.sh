#!/usr/bin/env bash
# crash_hostile.sh - races and crashes around shared directories: temporaries a kill -9 left are removed by the
# next write of the same file (only our own, unlocked, regular ones; planted links and live
# writers' temporaries are left alone); two sweeps racing onto one new path (or restarting one
# file): exactly one wins, the other exits 2 naming the holder, and no task is lost; a start-up
# that runs out of memory (low ulimit -v) exits with a message instead of spinning.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
T=$(tmpdir)
holder=""
cleanup() { [ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
cd "$T" || exit 1
S=$SEEDSWEEP
export OMPI_MCA_ess_singleton_isolated=1

"$S" synth fly1 --out f1.h5 --size 16 --count 40 >/dev/null || { fail "fixtures: synth"; finish; }
tiny_job 0-199 fly1 fly1=f1.h5 >job.ini

# ---- 4. stale temporaries ----
echo victim >victim.txt
head -c 100000 /dev/zero >.r.h5.tmp.AAAAAAAAAAAA               # debris of a killed writer
head -c 100 /dev/zero >.r.h5.tmp.BBBBBBBBBBBB
ln -s victim.txt .r.h5.tmp.CCCCCCCCCCCC                          # planted: a link, never ours
echo keep >.r.h5.tmp.short                                       # not our pattern
echo keep >.other.h5.tmp.DDDDDDDDDDDD                            # another target's
echo live >.r.h5.tmp.EEEEEEEEEEEE                                # a live writer's (locked below)
$PY - <<'EOF' &
import fcntl, struct, time, os
fd = os.open('.r.h5.tmp.EEEEEEEEEEEE', os.O_RDWR)
fcntl.fcntl(fd, 37, struct.pack('hhqqi', fcntl.F_WRLCK, 0, 0, 0, 0))   # F_OFD_SETLK, whole file
open('locked', 'w').close()
time.sleep(120)
EOF
holder=$!
for _ in $(seq 100); do [ -e locked ] && break; sleep 0.1; done
touch -d '1 hour ago' .r.h5.tmp.AAAAAAAAAAAA .r.h5.tmp.BBBBBBBBBBBB
"$S" run job.ini --quiet --out r.h5 >run.log 2>&1 || fail "stale: the sweep runs: $(tail -2 run.log)"
check "stale: a killed writer's temporaries are removed" test ! -e .r.h5.tmp.AAAAAAAAAAAA -a ! -e .r.h5.tmp.BBBBBBBBBBBB
check "stale: a planted symlink is left alone (and its target)" test -L .r.h5.tmp.CCCCCCCCCCCC -a "$(cat victim.txt)" = victim
check "stale: other names are left alone" test -e .r.h5.tmp.short -a -e .other.h5.tmp.DDDDDDDDDDDD
check "stale: a live writer's temporary is left alone" test -e .r.h5.tmp.EEEEEEEEEEEE
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; holder=""
# a real kill -9 while synth writes its file, then the next synth of the same file
"$S" synth fly1 --out big.h5 --size 256 --count 1200 >/dev/null 2>&1 &
pid=$!
debris=""
for _ in $(seq 600); do
    debris=$(ls -A | grep -E '^\.big\.h5\.tmp\.' | head -1)
    [ -n "$debris" ] && break
    sleep 0.05
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
if [ -n "$debris" ] && [ -e "$debris" ]; then
    "$S" synth fly1 --out big.h5 --size 16 --count 8 >/dev/null 2>&1
    check "stale: kill -9 during synth: the next synth removes $debris" test ! -e "$debris" -a -e big.h5
else
    skip "stale: kill -9 during synth: did not catch the temporary"
fi

# ---- 5. two sweeps racing onto one path ----
race() {   # race NAME ARGS...: two identical sweeps at once
    local name=$1; shift
    "$S" run job.ini --quiet "$@" >a.log 2>&1 & local a=$!
    "$S" run job.ini --quiet "$@" >b.log 2>&1 & local b=$!
    local ra=0 rb=0
    wait $a || ra=$?
    wait $b || rb=$?
    local loser=""
    if [ $ra = 0 ] && [ $rb = 2 ]; then loser=b.log; elif [ $ra = 2 ] && [ $rb = 0 ]; then loser=a.log; fi
    if [ -z "$loser" ] && [ $ra = 0 ] && [ $rb = 0 ] && grep -q " 0 to run" a.log b.log; then
        pass "$name: the second started after the first had finished (nothing to run)"; return
    fi
    if [ -z "$loser" ]; then fail "$name: exits $ra and $rb, expected one 0 and one 2"; return; fi
    if grep -qE "another sweep is writing this file|created by another process" "$loser"; then pass "$name: one wins, one exits 2"
    else fail "$name: the loser says: $(head -c 300 $loser)"; fi
    # a running holder is named by its pid (the loser may also have been refused before the winner's lock existed)
    grep -q "locked by process" "$loser" && named=$((named + 1))
    local pending
    pending=$($PY -c "import h5py; s=h5py.File('race.h5','r')['task_status'][()]; print((s!=1).sum())")
    check "$name: no task lost (every task done)" test "$pending" = 0
}
named=0
for i in 1 2 3; do rm -f race.h5; race "race onto a new path, round $i" --out race.h5; done
for i in 1 2; do race "race of two --restart, round $i" --out race.h5 --restart; done
if [ $named -gt 0 ]; then pass "race: the holder is named by pid ($named of 5 rounds)"; else fail "race: the holder was never named"; fi
check "race: no temporary left behind" test -z "$(ls -A | grep -E '^\.race\.h5\.tmp\.')"

# ---- 8. out of memory at start-up exits instead of spinning ----
for limit in 250000 350000; do
    rc=0
    (ulimit -v $limit; exec timeout -s KILL 90 "$S" run job.ini --quiet --out oom.h5) >oom.log 2>&1 || rc=$?
    if [ $rc = 137 ]; then fail "oom: ulimit -v $limit: still running after 90 s (spinning)"
    elif [ $rc = 0 ]; then skip "oom: ulimit -v $limit: enough memory here"
    elif grep -qi "memory" oom.log; then pass "oom: ulimit -v $limit: exits $rc naming the memory"
    else fail "oom: ulimit -v $limit: exit $rc without naming memory: $(tail -c 300 oom.log)"; fi
done
finish
