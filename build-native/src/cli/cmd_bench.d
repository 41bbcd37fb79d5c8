build-native/src/cli/cmd_bench.o: src/cli/cmd_bench.c src/cli/commands.h \
 include/seedsweep/common.h include/seedsweep/blas.h \
 include/seedsweep/model.h include/seedsweep/rng.h \
 include/seedsweep/stats.h
src/cli/commands.h:
include/seedsweep/common.h:
include/seedsweep/blas.h:
include/seedsweep/model.h:
include/seedsweep/rng.h:
include/seedsweep/stats.h:
