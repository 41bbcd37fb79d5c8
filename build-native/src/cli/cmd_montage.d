build-native/src/cli/cmd_montage.o: src/cli/cmd_montage.c \
 src/cli/commands.h include/seedsweep/common.h \
 include/seedsweep/dataset.h include/seedsweep/montage.h
src/cli/commands.h:
include/seedsweep/common.h:
include/seedsweep/dataset.h:
include/seedsweep/montage.h:
