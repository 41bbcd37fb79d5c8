#!/usr/bin/env bash
# valgrind_train.sh - a tiny sweep under valgrind memcheck: 2 MPI ranks (rank 0 serving and
# writing, rank 1 working), 16x16 images, a 1-conv network, 2 tasks of 2 epochs. Requires no
# memcheck errors (invalid reads/writes, uninitialised values) and no definite leaks outside
# MPI_Init/MPI_Finalize (Open MPI's own; its shipped suppressions and PMIx's padded sends cover the rest). ~30 s.
# To see where an uninitialised value came from, add --track-origins=yes (twice as slow).
source "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || { skip "valgrind: not installed"; finish; }
[[ "$BUILD" == build-san* ]] && { skip "valgrind: not with SANITIZE=1 (ASan and valgrind exclude each other)"; finish; }
T=$(tmpdir)
[ -n "${KEEP:-}" ] && echo "scratch: $T" || trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
"$SEEDSWEEP" synth fly1 --out v1.h5 --size 16 --count 12 >/dev/null &&
    "$SEEDSWEEP" synth fly2 --out v2.h5 --size 16 --count 12 >/dev/null || { fail "valgrind: synth"; finish; }
cat >tiny.ini <<'INI'
[sweep]
name   = valgrind
seeds  = 0-1
train  = fly1
[datasets]
fly1 = v1.h5
fly2 = v2.h5
[model]
input  = 16x16x1
layers = conv2 pool flatten dense4 dense2
[train]
epochs = 2
batch  = 4
INI
cat >mpi-init.supp <<'SUPP'
{
   open-mpi-start-up-state
   Memcheck:Leak
   match-leak-kinds: definite,indirect
   ...
   fun:PMPI_Init_thread
}
{
   open-mpi-finalize
   Memcheck:Leak
   match-leak-kinds: definite,indirect
   ...
   fun:ompi_mpi_finalize
}
{
   open-mpi-progress-thread
   Memcheck:Leak
   match-leak-kinds: definite,indirect
   ...
   fun:event_base_loop
}
{
   pmix-sends-struct-padding
   Memcheck:Param
   writev(vector[...])
   ...
   obj:*/libpmix.so*
}
SUPP
supp=(--suppressions=mpi-init.supp)
for f in /usr/share/openmpi/openmpi-valgrind.supp; do [ -f "$f" ] && supp+=(--suppressions="$f"); done
rc=0
mpirun -np 2 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --num-callers=30 "${supp[@]}" --log-file=vg.%q{OMPI_COMM_WORLD_RANK}.log \
    "$SEEDSWEEP" run tiny.ini --out tiny.h5 --quiet --threads 1 >run.log 2>&1 || rc=$?
if [ "$rc" = 0 ] && [ ! -s vg.0.log ] && [ ! -s vg.1.log ]; then
    pass "valgrind: 2-rank sweep, 2 tasks: no memcheck errors, no definite leaks"
else
    fail "valgrind: exit $rc; $(cat run.log vg.*.log 2>/dev/null | grep -v '^==[0-9]*== *$' | head -40)"
fi
check "valgrind: the 2 ranks shared one copy of the images (node_data window under memcheck)" grep -q 'shared by 2 ranks' run.log
check "valgrind: both tasks recorded" bash -c "'$SEEDSWEEP' info tiny.h5 | grep -q '2 done'"
finish
