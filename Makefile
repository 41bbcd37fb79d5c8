# seedsweep - one Makefile. `make` builds build/seedsweep; `make test`, `make bench`, `make demo`.
# SANITIZE=1 builds into build-san/ with AddressSanitizer and UndefinedBehaviorSanitizer.

PKGS       := hdf5 ompi-c openblas libpng zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

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
TEST_SRC   := $(wildcard tests/test_*.c)
TEST_BIN   := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)

# Keep intermediate objects (test and fuzz .o files): make would otherwise delete them after
# `make test` and print "rm ..." after the suite's final "N passed, N failed" line.
.SECONDARY:

.PHONY: all test tests bench demo clean deps
all: $(BUILD)/seedsweep

# Objects depend on the flags they were compiled with: `make ARCH=...` or a changed CFLAGS into an
# existing build directory rebuilds everything instead of mixing instruction sets.
FLAGS_STAMP := $(BUILD)/.cflags
$(shell mkdir -p $(BUILD) && printf '%s\n' '$(CC) $(CFLAGS)' | cmp -s - $(FLAGS_STAMP) || printf '%s\n' '$(CC) $(CFLAGS)' >$(FLAGS_STAMP))

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libseedsweep.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/seedsweep: $(BUILD)/src/cli/main.o $(BUILD)/libseedsweep.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libseedsweep.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests: $(BUILD)/seedsweep $(TEST_BIN)

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
$(BUILD)/tests/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay_main.o $(BUILD)/libseedsweep.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
crash-campaign: $(BUILD)/seedsweep
	BUILD=$(BUILD) bash tests/crash/campaign.sh -n $(N)
fuzz:
	bash tests/fuzz/run.sh $(FUZZ_SECONDS)
