# tests/crash/job.sh - sourced by the crash tests: the small sweep they kill, fill and resume.
# write_crash_job BIN: two synthetic 32x32 datasets (c1.h5, c2.h5) and crash.ini in the current
# directory; 20 tasks of a few tenths of a second, so interruptions land in every phase.
write_crash_job() {
    "$1" synth fly1 --out c1.h5 --size 32 --count 120 >/dev/null &&
        "$1" synth fly2 --out c2.h5 --size 32 --count 120 >/dev/null || return 1
    cat >crash.ini <<'INI'
[sweep]
name   = crash-campaign
seeds  = 0-9
train  = fly1 fly2
[datasets]
fly1 = c1.h5
fly2 = c2.h5
[model]
input  = 32x32x1
layers = conv8 pool conv8 pool flatten dense16 dense2
[train]
epochs = 4
batch  = 10
INI
}
