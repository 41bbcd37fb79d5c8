# seedsweep - one Makefile. `make` builds build/seedsweep; `make test`, `make bench`, `make demo`.
# SANITIZE=1 builds into build-san/ with AddressSanitizer and UndefinedBehaviorSanitizer.

PKGS       := hdf5 ompi-c openblas inih libpng zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ifeq ($(SANITIZE),1)
BUILD      ?= build-san
OPT        ?= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
BUILD      ?= build
OPT        ?= -O3 -march=native -g
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

.PHONY: all test tests bench demo clean deps
all: $(BUILD)/seedsweep

$(BUILD)/%.o: %.c
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

# The README's test command. tests/run prints one line: N passed, N failed[, N skipped].
test: tests
	BUILD=$(BUILD) bash tests/run $(T)

bench: $(BUILD)/seedsweep
	bash bench/run.sh

demo:
	bash scripts/demo.sh

deps:
	bash scripts/install-deps.sh

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
