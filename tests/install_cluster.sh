#!/usr/bin/env bash
# install_cluster.sh - from source tree to running sweeps the way a cluster user gets there: no root,
# no pkg-config, no libinih, HDF5 and OpenBLAS only under module-style prefixes (PREFIX/include,
# PREFIX/lib). In a private mount namespace (unshare -m) pkg-config, libinih and Debian's own HDF5 and
# OpenBLAS directories are hidden; an unprivileged user builds a copy of the source tree with
# `make CC=mpicc HDF5_ROOT=... OPENBLAS_ROOT=...`, installs it with `make install PREFIX=$HOME/.local`
# and deletes the source; the installed binary (finding HDF5 and OpenBLAS through its rpath) runs a
# 2-rank sweep as that user, Lmod loads the installed modulefile, and the installed seedsweep.sbatch
# runs the sweep as a job of that user on the local Slurm cluster.
# Needs root (unshare, useradd, runuser): SKIP otherwise.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/helpers/sweep_fixture.sh"
source "$(dirname "$0")/slurm_lib.sh"
USER_NAME=seedsweep-test
MPIRUN_ARGS=(--oversubscribe -np 2)

# ---- inside the private mount namespace, as root: hide, then run the user's steps -------------
if [ "${1:-}" = --inside ]; then
    T=$2
    hide() {   # hide PATH: an empty directory or file over it (only in this namespace)
        if [ -d "$1" ]; then mount --bind "$T/empty-dir" "$1"; elif [ -e "$1" ]; then mount --bind "$T/empty-file" "$1"; fi
    }
    for p in /usr/bin/pkg-config /usr/bin/pkgconf /usr/bin/x86_64-linux-gnu-pkg-config /usr/bin/x86_64-linux-gnu-pkgconf \
        /usr/lib/x86_64-linux-gnu/pkgconfig /usr/share/pkgconfig /usr/include/ini.h /usr/include/INIReader.h \
        /usr/include/hdf5/serial /usr/lib/x86_64-linux-gnu/hdf5/serial /usr/include/x86_64-linux-gnu/openblas-pthread \
        /usr/lib/x86_64-linux-gnu/openblas-pthread /usr/lib/x86_64-linux-gnu/libhdf5_serial.so*; do
        hide "$p" || { echo "FAIL install_cluster: cannot hide $p"; exit 1; }
    done
    for p in /usr/lib/x86_64-linux-gnu/libinih*.so* /usr/lib/x86_64-linux-gnu/libINIReader*.so*; do
        [ -e "$p" ] && { hide "$p" || exit 1; }
    done
    # as USER, with a clean environment: HOME, PATH and what Open MPI needs, nothing of root's
    as_user() {
        runuser -u "$USER_NAME" -- env -i HOME="$T/home" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
            OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-}" "$@" </dev/null
    }
    M=$T/modules
    rc=0
    as_user bash -c "cd '$T/home/src' && make -j2 CC=mpicc HDF5_ROOT='$M/hdf5' OPENBLAS_ROOT='$M/openblas'" >"$T/build.log" 2>&1 || rc=$?
    if [ "$rc" != 0 ] || [ ! -x "$T/home/src/build/seedsweep" ]; then
        echo "FAIL install_cluster: the build as $USER_NAME without pkg-config failed (exit $rc):"; tail -n 20 "$T/build.log"; exit 1
    fi
    echo "PASS install_cluster: $USER_NAME builds a copy of the source with CC=mpicc HDF5_ROOT OPENBLAS_ROOT, no pkg-config, no libinih"
    as_user bash -c "cd '$T/home/src' && make install PREFIX=\$HOME/.local" >"$T/install.log" 2>&1 || rc=$?
    P=$T/home/.local
    missing=""
    for f in bin/seedsweep share/man/man1/seedsweep.1 share/modulefiles/seedsweep/$(cat "$ROOT/VERSION").lua \
        share/seedsweep/slurm/seedsweep.sbatch share/seedsweep/slurm/seedsweep-array.sbatch share/seedsweep/scripts/plot_results.py share/seedsweep/scripts/compare_runs.py \
        share/seedsweep/jobs/demo.ini; do
        [ -s "$P/$f" ] || missing="$missing $f"
    done
    if [ "$rc" = 0 ] && [ -z "$missing" ] && [ "$(stat -c %U "$P/bin/seedsweep")" = "$USER_NAME" ]; then
        pass "install_cluster: make install PREFIX=\$HOME/.local as $USER_NAME puts the binary, sbatch script, scripts, jobs, man page and modulefile in place"
    else
        fail "install_cluster: make install (exit $rc) lacks:$missing"; tail -n 10 "$T/install.log"
    fi
    rm -rf "$T/home/src"
    if grep -qx "INSTALLED_SBATCH=$P/share/seedsweep/slurm/seedsweep.sbatch" "$P/share/seedsweep/slurm/seedsweep-array.sbatch"; then
        pass "install_cluster: the installed seedsweep-array.sbatch runs the installed seedsweep.sbatch"
    else fail "install_cluster: the installed seedsweep-array.sbatch does not name the installed seedsweep.sbatch"; fi
    version=$(as_user "$P/bin/seedsweep" --version 2>&1)
    libs=$(as_user ldd "$P/bin/seedsweep" 2>&1)
    if echo "$version" | grep -qF "hdf5 from $M/hdf5" && echo "$version" | grep -qF "openblas from $M/openblas" &&
        echo "$version" | grep -qF "libpng from default paths" &&
        echo "$libs" | grep -q "libhdf5_serial.so.103 => $M/hdf5/lib/" && echo "$libs" | grep -q "libopenblas.so.0 => $M/openblas/lib/" &&
        ! echo "$libs" | grep -qi -e inih -e "not found"; then
        pass "install_cluster: with the source deleted, the installed binary finds HDF5 and OpenBLAS under their prefixes (rpath), no libinih, and --version says where each came from (libpng: default paths, pkg-config hidden)"
    else
        fail "install_cluster: installed binary: --version: $version; ldd: $libs"
    fi
    # A 2-rank sweep as the user, from the installed binary alone.
    mkdir -p "$T/home/runs" && chown "$USER_NAME" "$T/home/runs"
    as_user bash -c "cd '$T/home/runs' && S=\$HOME/.local/bin/seedsweep &&
        \$S synth fly1 --out a.h5 --size 16 --count 24 --seed 1 >/dev/null &&
        \$S synth fly3 --out b.h5 --size 16 --count 24 --seed 1 >/dev/null &&
        mpirun ${MPIRUN_ARGS[*]} \$S run job.ini --out local.h5 --quiet && \$S report local.h5 --format csv" >"$T/local.log" 2>&1 || rc=$?
    if [ "$rc" = 0 ] && [ "$(stat -c %U "$T/home/runs/local.h5" 2>/dev/null)" = "$USER_NAME" ] && grep -q '^a,' "$T/local.log"; then
        pass "install_cluster: the installed binary runs a 2-rank sweep (mpirun -np 2) as $USER_NAME"
    else
        fail "install_cluster: 2-rank sweep as $USER_NAME: exit $rc"; tail -n 15 "$T/local.log"
    fi
    # Lmod: the installed modulefile puts the program and its man page on the paths.
    rc=0
    out=$(as_user bash -c "source /usr/share/lmod/lmod/init/bash && module use \$HOME/.local/share/modulefiles &&
        module load seedsweep && command -v seedsweep && seedsweep --version && echo \"root=\$SEEDSWEEP_ROOT\" &&
        echo \"sbatch=\$SEEDSWEEP_SBATCH\" && echo \"manpath=\$MANPATH\" &&
        { ! command -v man >/dev/null || man -w seedsweep; }" 2>&1) || rc=$?
    if [ "$rc" = 0 ] && echo "$out" | grep -qx "$P/bin/seedsweep" && echo "$out" | grep -q "^seedsweep $(cat "$ROOT/VERSION")$" &&
        echo "$out" | grep -qx "root=$P" && echo "$out" | grep -qx "sbatch=$P/share/seedsweep/slurm/seedsweep.sbatch" &&
        echo "$out" | grep -q "^manpath=$P/share/man" && { ! command -v man >/dev/null || echo "$out" | grep -qx "$P/share/man/man1/seedsweep.1"; }; then
        pass "install_cluster: Lmod: module use \$HOME/.local/share/modulefiles; module load seedsweep; seedsweep --version"
    else
        fail "install_cluster: Lmod module load (exit $rc): $(echo "$out" | tail -n 8)"
    fi
    finish
fi

# ---- outside: set up, enter the namespace, then the Slurm job -------------------------------------
[ "$(id -u)" = 0 ] || { skip "install_cluster: needs root (unshare -m, useradd, runuser)"; finish; }
for tool in unshare runuser mpicc mount git; do
    command -v "$tool" >/dev/null || { skip "install_cluster: no $tool"; finish; }
done
[ -r /usr/share/lmod/lmod/init/bash ] || { skip "install_cluster: Lmod is not installed (scripts/install-deps.sh)"; finish; }
if ! unshare -m true 2>/dev/null; then skip "install_cluster: unshare -m is not permitted here"; finish; fi
id "$USER_NAME" >/dev/null 2>&1 || useradd --no-create-home --shell /bin/bash "$USER_NAME" 2>/dev/null ||
    id "$USER_NAME" >/dev/null 2>&1 || { fail "install_cluster: cannot create user $USER_NAME"; finish; }
T=$(tmpdir)
cleanup() { slurm_down; rm -rf "$T"; }
trap cleanup EXIT
chmod 755 "$T"
mkdir "$T/empty-dir" "$T/home" && : >"$T/empty-file"
# Module-style prefixes: copies of Debian's HDF5 and OpenBLAS (headers and the shared library under its
# link name and its soname), as a module or Spack would install them.
M=$T/modules
mkdir -p "$M/hdf5/include" "$M/hdf5/lib" "$M/openblas/include" "$M/openblas/lib"
cp -rL /usr/include/hdf5/serial/. "$M/hdf5/include/" &&
cp -L /usr/lib/x86_64-linux-gnu/hdf5/serial/libhdf5.so "$M/hdf5/lib/libhdf5.so" &&
ln -s libhdf5.so "$M/hdf5/lib/libhdf5_serial.so.103" &&
cp -L /usr/include/x86_64-linux-gnu/openblas-pthread/*.h "$M/openblas/include/" &&
cp -L /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so "$M/openblas/lib/libopenblas.so" &&
ln -s libopenblas.so "$M/openblas/lib/libopenblas.so.0" ||
    { skip "install_cluster: Debian's serial HDF5 or pthread OpenBLAS is not where expected"; finish; }
# The source tree as the user would have it: the tracked and untracked files, no build outputs.
# (Outside a git checkout, or one git refuses to read: everything but build outputs and data.)
mkdir "$T/home/src"
if files=$(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard 2>/dev/null | tr '\0' '\n') && [ -n "$files" ]; then
    (cd "$ROOT" && printf '%s\n' "$files" | while IFS= read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done |
        tar -T - -cf -) | tar -xf - -C "$T/home/src"
else
    tar -C "$ROOT" --exclude=./.git --exclude='./build*' --exclude=./results --exclude='./data/*.h5' -cf - . | tar -xf - -C "$T/home/src"
fi || { fail "install_cluster: cannot copy the source tree"; finish; }
[ -f "$T/home/src/Makefile" ] || { fail "install_cluster: the copied source tree has no Makefile"; finish; }
tiny_job 0-3 a a=a.h5 b=b.h5 >"$T/home/job.ini"
mkdir "$T/home/runs" && cp "$T/home/job.ini" "$T/home/runs/"
chown -R "$USER_NAME" "$T/home"
unshare -m bash "$0" --inside "$T"; rc=$?
[ "$rc" = 0 ] || TEST_FAILS=$((TEST_FAILS + 1))   # its FAIL lines are already printed
[ -x "$T/home/.local/bin/seedsweep" ] && [ -s "$T/home/runs/a.h5" ] || finish

# The installed sbatch script as a job of the user: it finds the installed binary by itself.
slurm_up install_cluster >/dev/null || finish
P=$T/home/.local
job=$(runuser -u "$USER_NAME" -- env -i HOME="$T/home" PATH=/usr/local/bin:/usr/bin:/bin SLURM_CONF="$SLURM_CONF" \
    OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-}" sbatch --parsable --chdir="$T/home/runs" --ntasks=2 -o "$T/home/runs/job.out" \
    "$P/share/seedsweep/slurm/seedsweep.sbatch" job.ini --out slurm.h5 </dev/null 2>&1)
state=$(job_wait_done "$job" 120)
if [ "$state" = COMPLETED ] && [ "$(job_field "$job" ExitCode)" = 0:0 ] && [ "$(stat -c %U "$T/home/runs/slurm.h5" 2>/dev/null)" = "$USER_NAME" ] &&
    grep -qF "binary $P/bin/seedsweep" "$T/home/runs/job.out" && grep -q "2 ranks" "$T/home/runs/job.out" &&
    "$P/bin/seedsweep" report "$T/home/runs/slurm.h5" --format csv 2>/dev/null | grep -q '^a,'; then
    pass "install_cluster: the installed seedsweep.sbatch runs the sweep as a Slurm job of $USER_NAME (2 ranks, the installed binary)"
else
    fail "install_cluster: Slurm job '$job' as $USER_NAME: $state, exit $(job_field "$job" ExitCode)"; tail -n 20 "$T/home/runs/job.out" 2>/dev/null
fi
finish
