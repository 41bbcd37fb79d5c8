# seedsweep - one Makefile. `make` builds build/seedsweep; `make test`, `make bench`, `make demo`.
# SANITIZE=1 builds into build-san/ with AddressSanitizer and UndefinedBehaviorSanitizer.

VERSION    := $(shell cat VERSION)

# Dependencies: MPI, HDF5, OpenBLAS, libpng, zlib. For each, a prefix given the way modules
# (Lmod, Spack, EasyBuild) and CMake's finders name it - HDF5_ROOT, OPENBLAS_ROOT, PNG_ROOT,
# ZLIB_ROOT, MPI_ROOT, each holding include/ and lib/ (or lib64/) - wins; else pkg-config, where it
# knows the package; else the compiler's default paths (with CC=mpicc, MPI needs nothing more).
# Libraries under a prefix or a pkg-config -L directory are found at run time through an rpath,
# so a batch job does not need the build's modules loaded. docs/cluster.md "Installing on a cluster".
PKG_CONFIG ?= pkg-config
comma      := ,
HDF5_ROOT     ?= $(or $(if $(wildcard $(HDF5_DIR)/include/hdf5.h),$(HDF5_DIR)),$(EBROOTHDF5))
OPENBLAS_ROOT ?= $(EBROOTOPENBLAS)
PNG_ROOT      ?= $(EBROOTLIBPNG)
ZLIB_ROOT     ?= $(EBROOTZLIB)
MPI_ROOT      ?= $(EBROOTOPENMPI)
lib_dir    = $(patsubst %/.,%,$(firstword $(wildcard $(1)/lib/. $(1)/lib64/.) $(1)/lib/.))
pkg_known  = $(shell $(PKG_CONFIG) --exists $(1) 2>/dev/null && echo yes)
# $(call dependency,NAME,PKG-CONFIG NAME,PREFIX,LIBS) sets NAME_CFLAGS, NAME_LIBS and NAME_FROM.
define dependency
ifneq ($(3),)
$(1)_CFLAGS := -I$(3)/include
$(1)_LIBS   := -L$(call lib_dir,$(3)) -Wl,-rpath,$(call lib_dir,$(3)) $(4)
$(1)_FROM   := $(3)
else ifeq ($(call pkg_known,$(2)),yes)
$(1)_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(2))
$(1)_LIBS   := $(shell $(PKG_CONFIG) --libs $(2))
$(1)_FROM   := pkg-config $(2)
else
$(1)_CFLAGS :=
$(1)_LIBS   := $(4)
$(1)_FROM   := default paths
endif
endef
$(eval $(call dependency,HDF5,hdf5,$(HDF5_ROOT),-lhdf5))
$(eval $(call dependency,MPI,ompi-c,$(MPI_ROOT),-lmpi))
$(eval $(call dependency,OPENBLAS,openblas,$(OPENBLAS_ROOT),-lopenblas))
$(eval $(call dependency,PNG,libpng,$(PNG_ROOT),-lpng))
$(eval $(call dependency,ZLIB,zlib,$(ZLIB_ROOT),-lz))
# Neither MPI_ROOT nor pkg-config: the compiler is expected to be the MPI wrapper (CC=mpicc).
ifeq ($(MPI_FROM),default paths)
MPI_LIBS   :=
MPI_FROM   := the compiler ($(CC))
endif
DEPS       := HDF5 MPI OPENBLAS PNG ZLIB
PKG_CFLAGS := $(foreach d,$(DEPS),$($(d)_CFLAGS))
PKG_LIBS   := $(foreach d,$(DEPS),$($(d)_LIBS))
# pkg-config's -L directories outside the default paths (a module's .pc files) get an rpath too.
PKG_LIBS   += $(foreach l,$(filter-out -L/usr/lib -L/usr/lib64 -L/usr/lib/,$(filter -L%,$(PKG_LIBS))),$\
                $(if $(filter -Wl$(comma)-rpath$(comma)$(l:-L%=%),$(PKG_LIBS)),,-Wl$(comma)-rpath$(comma)$(l:-L%=%)))
DEP_SOURCES := hdf5 from $(HDF5_FROM), mpi from $(MPI_FROM), openblas from $(OPENBLAS_FROM), libpng from $(PNG_FROM), zlib from $(ZLIB_FROM)

# ARCH: the instruction set the build targets. The default is a baseline every x86-64 node of the
# last decade runs (and valgrind emulates): one binary for login and compute nodes, with or
# without AVX-512. The AVX2 kernels of our own loops are chosen at run time (layers.c) and
# OpenBLAS dispatches by itself, so the baseline loses little (docs/performance.md).
# `make ARCH=native` builds for this machine's CPU into build-native/; results are bit-identical
# to the portable build's (tests/build_portable.sh) as long as the BLAS kernel is the same.
ifeq ($(shell uname -m),x86_64)
ARCH       ?= x86-64-v2
endif
MARCH      := $(if $(ARCH),-march=$(ARCH))
ifeq ($(SANITIZE),1)
BUILD      ?= build-san
OPT        ?= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else ifeq ($(ARCH),native)
BUILD      ?= build-native
OPT        ?= -O3 $(MARCH) -g
else
BUILD      ?= build
OPT        ?= -O3 $(MARCH) -g
endif

CC         ?= gcc
# -ffp-contract=off: no silent FMA contraction, so our own loops round the same way
# whatever the compiler's mood; results are then fixed by the code and the BLAS kernel.
CFLAGS     += -std=c11 -D_GNU_SOURCE -Wall -Wextra $(OPT) -ffp-contract=off -fopenmp -Iinclude $(PKG_CFLAGS) -MMD -MP
LDLIBS     += $(PKG_LIBS) -lm
LDFLAGS    += -fopenmp $(filter -fsanitize=%,$(OPT))

LIB_SRC    := $(filter-out src/cli/main.c,$(wildcard src/*.c src/*/*.c))
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o)
# The core: every module but those that talk MPI (the scheduler, the node's shared data, the launch
# check) and the command line. It links without Open MPI: the C unit tests and fuzz replays link it alone.
MPI_SRC    := src/sweep/scheduler.c src/sweep/node_data.c src/sweep/launch.c src/sweep/rank_agree.c
CORE_SRC   := $(filter-out $(MPI_SRC) src/cli/%,$(LIB_SRC))
CORE_OBJ   := $(CORE_SRC:%.c=$(BUILD)/%.o)
CORE_LIBS   = $(filter-out -lmpi,$(LDLIBS))
TEST_SRC   := $(wildcard tests/test_*.c)
TEST_BIN   := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)

# Keep intermediate objects (test and fuzz .o files): make would otherwise delete them after
# `make test` and print "rm ..." after the suite's final "N passed, N failed" line.
.SECONDARY:

.PHONY: all test tests bench demo clean deps
all: $(BUILD)/seedsweep $(BUILD)/libseedsweep-core.a

# Objects depend on the flags they were compiled with: `make ARCH=...` or a changed CFLAGS into an
# existing build directory rebuilds everything instead of mixing instruction sets.
# `make install` alone installs what the last `make` built, with whatever variables that make was
# given (CC=mpicc HDF5_ROOT=...), rather than rebuilding with its own.
FLAGS_STAMP := $(BUILD)/.cflags
INSTALL_ONLY := $(and $(MAKECMDGOALS),$(if $(filter-out install uninstall,$(MAKECMDGOALS)),,yes),$(wildcard $(BUILD)/seedsweep))
ifeq ($(INSTALL_ONLY),)
$(shell mkdir -p $(BUILD) && printf '%s\n' '$(CC) $(CFLAGS)' | cmp -s - $(FLAGS_STAMP) || printf '%s\n' '$(CC) $(CFLAGS)' >$(FLAGS_STAMP))
endif

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# The version (VERSION) and the build's configuration, for `seedsweep --version` and the results file.
CONFIG_H   := $(BUILD)/build_config.h
CLI_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/cli/*.c))
$(CLI_OBJ): $(CONFIG_H)
$(CLI_OBJ): CFLAGS += -I$(BUILD)
$(CONFIG_H): VERSION Makefile $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@{ echo '#define SEEDSWEEP_VERSION "$(VERSION)"'; \
	   printf '#define SEEDSWEEP_BUILD_CC "%s"\n' "$(CC): $$($(CC) --version 2>/dev/null | head -n 1 | tr -d '"\\')"; \
	   echo '#define SEEDSWEEP_BUILD_ARCH "$(or $(ARCH),compiler default)"'; \
	   echo '#define SEEDSWEEP_BUILD_OPT "$(subst ",,$(OPT))"'; \
	   echo '#define SEEDSWEEP_BUILD_DEPS "$(subst ",,$(DEP_SOURCES))"'; } >$@.tmp && mv $@.tmp $@

$(BUILD)/libseedsweep.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libseedsweep-core.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/seedsweep: $(BUILD)/src/cli/main.o $(BUILD)/libseedsweep.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libseedsweep-core.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CORE_LIBS)

# LD_PRELOAD shims the script tests load: nolock.so, a file system without locks (tests/nolock.sh).
# (Other files in tests/helpers/ are built by the tests that use them.)
HELPER_SO  := $(BUILD)/tests/helpers/nolock.so
tests: $(BUILD)/seedsweep $(BUILD)/libseedsweep-core.a $(TEST_BIN) $(HELPER_SO)
$(BUILD)/tests/helpers/%.so: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC -O2 -Wall -Wextra -o $@ $<

# The documented test command. tests/run prints one line: N passed, N failed[, N skipped].
test: tests
	BUILD=$(BUILD) bash tests/run $(T)

bench: $(BUILD)/seedsweep
	bash bench/run.sh
	bash bench/arch.sh

demo:
	bash scripts/demo.sh

deps:
	bash scripts/install-deps.sh

# make install PREFIX=P (default /usr/local; DESTDIR=D stages into D/P). No root needed for a user prefix:
#   P/bin/seedsweep, P/share/man/man1/seedsweep.1, P/share/modulefiles/seedsweep/VERSION.lua (Lmod),
#   P/share/seedsweep/slurm/seedsweep.sbatch (runs P/bin/seedsweep), seedsweep-array.sbatch (runs that
#   seedsweep.sbatch once per array element), P/share/seedsweep/{scripts,jobs}/
PREFIX     ?= /usr/local
INSTALL    ?= install
SHARE_DIR  := $(DESTDIR)$(PREFIX)/share/seedsweep
.PHONY: install uninstall
install: $(if $(INSTALL_ONLY),,$(BUILD)/seedsweep)
	$(INSTALL) -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/modulefiles/seedsweep \
	    $(SHARE_DIR)/slurm $(SHARE_DIR)/scripts $(SHARE_DIR)/jobs
	$(INSTALL) -m 755 $(BUILD)/seedsweep $(DESTDIR)$(PREFIX)/bin/seedsweep
	sed 's|^INSTALLED_SEEDSWEEP=$$|INSTALLED_SEEDSWEEP=$(PREFIX)/bin/seedsweep|' slurm/seedsweep.sbatch >$(SHARE_DIR)/slurm/seedsweep.sbatch
	chmod 755 $(SHARE_DIR)/slurm/seedsweep.sbatch
	sed 's|^INSTALLED_SBATCH=$$|INSTALLED_SBATCH=$(PREFIX)/share/seedsweep/slurm/seedsweep.sbatch|' slurm/seedsweep-array.sbatch \
	    >$(SHARE_DIR)/slurm/seedsweep-array.sbatch
	chmod 755 $(SHARE_DIR)/slurm/seedsweep-array.sbatch
	$(INSTALL) -m 755 scripts/plot_results.py scripts/compare_runs.py $(SHARE_DIR)/scripts/
	$(INSTALL) -m 644 jobs/*.ini $(SHARE_DIR)/jobs/
	$(INSTALL) -m 644 docs/seedsweep.1 $(DESTDIR)$(PREFIX)/share/man/man1/seedsweep.1
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' packaging/modulefile.lua.in \
	    >$(DESTDIR)$(PREFIX)/share/modulefiles/seedsweep/$(VERSION).lua
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/seedsweep $(DESTDIR)$(PREFIX)/share/man/man1/seedsweep.1 \
	    $(DESTDIR)$(PREFIX)/share/modulefiles/seedsweep/$(VERSION).lua
	rm -rf $(SHARE_DIR)

clean:
	rm -rf build build-san build-native

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Datasets of the ready job files in jobs/ (files under data/ are not committed).
#   make paper-data     data/fly1..3.h5: synthetic fly brains at 256x256, the paper's counts (jobs/snap29-paper.ini)
#   make fashion-data   data/fashion-*.h5: Fashion-MNIST T-shirt/top vs Shirt, three disjoint shards of the
#                       training set and the test set (jobs/fashion-shards.ini; Debian's dataset-fashion-mnist)
FASHION_DIR ?= /usr/share/datasets/fashion-mnist
.PHONY: paper-data fashion-data
paper-data: data/fly1.h5 data/fly2.h5 data/fly3.h5
data/fly%.h5: src/data/synth.c | $(BUILD)/seedsweep
	$(BUILD)/seedsweep synth fly$* --out $@
fashion-data: data/fashion-shard0.h5 data/fashion-shard1.h5 data/fashion-shard2.h5 data/fashion-test.h5
data/fashion-shard%.h5: | $(BUILD)/seedsweep
	$(BUILD)/seedsweep import idx $(FASHION_DIR)/train-images-idx3-ubyte.gz $(FASHION_DIR)/train-labels-idx1-ubyte.gz \
	    --classes T-shirt/top,Shirt --shard $*/3 --out $@
data/fashion-test.h5: | $(BUILD)/seedsweep
	$(BUILD)/seedsweep import idx $(FASHION_DIR)/t10k-images-idx3-ubyte.gz $(FASHION_DIR)/t10k-labels-idx1-ubyte.gz \
	    --classes T-shirt/top,Shirt --out $@

# Hardening (docs/reliability.md).
#   make crash-campaign N=20     kill -9 sweeps at random moments, resume, compare with a clean run
#   make fuzz FUZZ_SECONDS=600   libFuzzer (clang) on the job file, model spec, IDX and PNG parsers, in turn
# `make tests` also builds replay_* (the fuzz harnesses with a plain main) for tests/fuzz_regress.sh.
N            ?= 20
FUZZ_SECONDS ?= 600
FUZZ_REPLAY  := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/tests/fuzz/replay_%)
.PHONY: crash-campaign fuzz
tests: $(FUZZ_REPLAY)
$(BUILD)/tests/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay_main.o $(BUILD)/libseedsweep-core.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CORE_LIBS)
crash-campaign: $(BUILD)/seedsweep
	BUILD=$(BUILD) bash tests/crash/campaign.sh -n $(N)
fuzz:
	bash tests/fuzz/run.sh $(FUZZ_SECONDS)
