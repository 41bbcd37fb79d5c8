build-native/src/cli/cmd_synth.o: src/cli/cmd_synth.c src/cli/commands.h \
 include/seedsweep/common.h include/seedsweep/dataset.h \
 include/seedsweep/synth.h
src/cli/commands.h:
include/seedsweep/common.h:
include/seedsweep/dataset.h:
include/seedsweep/synth.h:
