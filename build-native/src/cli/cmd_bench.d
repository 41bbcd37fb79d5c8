build-native/src/cli/cmd_bench.o: src/cli/cmd_bench.c src/cli/commands.h \
 include/seedsweep/common.h include/seedsweep/layers.h \
 include/seedsweep/model.h include/seedsweep/dataset.h \
 include/seedsweep/rng.h
src/cli/commands.h:
include/seedsweep/common.h:
include/seedsweep/layers.h:
include/seedsweep/model.h:
include/seedsweep/dataset.h:
include/seedsweep/rng.h:
