#!/usr/bin/env bash
# crash_diskfull.sh - the disk fills up while a sweep runs. The results file allocates every array
# when it is created (results.c), so once a sweep has started, a full disk cannot cost it a task:
# the sweep must finish (exit 0) on a file system with 0 bytes free, with arrays identical to a run
# on a roomy disk. (A disk too small at start-up is refused before training: tests/bad_inputs.sh.)
# Needs a small tmpfs (mount, as root); SKIP otherwise.
source "$(dirname "$0")/lib.sh"
T=$(tmpdir)
cleanup() { mountpoint -q "$T/disk" 2>/dev/null && umount "$T/disk"; rm -rf "$T"; }
trap cleanup EXIT
cd "$T" || exit 1
mkdir disk
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=2m tmpfs disk 2>/dev/null; then
    skip "disk full during a sweep: cannot mount a small tmpfs here (needs root)"
    finish
fi
source "$ROOT/tests/crash/job.sh"
write_crash_job "$SEEDSWEEP" || { fail "disk full: synth"; finish; }
mpirun -np 2 "$SEEDSWEEP" run crash.ini --out clean.h5 --quiet --threads 1 >/dev/null 2>&1 || { fail "disk full: clean run"; finish; }
mpirun -np 2 "$SEEDSWEEP" run crash.ini --out disk/r.h5 --quiet --threads 1 >run.log 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -f disk/r.h5 ] && break; sleep 0.05; done
# fill every byte left (the file exists, so its arrays are allocated)
dd if=/dev/zero of=disk/ballast bs=4k >/dev/null 2>&1
free=$(df -k --output=avail disk | tail -1 | tr -d ' ')
done_at_fill=$("$SEEDSWEEP" info disk/r.h5 2>/dev/null | awk '$1 == "tasks" { print $3 }')
wait $pid; rc=$?
check "disk full during a sweep: filled to ${free} KB free with ${done_at_fill:-?} of 20 tasks done; the sweep still exits 0" test "$rc" = 0
check "disk full during a sweep: arrays identical to a run on a roomy disk" \
    $PY "$ROOT/tests/helpers/compare_results.py" clean.h5 disk/r.h5
finish
