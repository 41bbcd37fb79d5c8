build-native/src/cli/cmd_info.o: src/cli/cmd_info.c src/cli/commands.h \
 include/seedsweep/common.h include/seedsweep/dataset.h \
 include/seedsweep/results.h include/seedsweep/jobfile.h \
 include/seedsweep/model.h
src/cli/commands.h:
include/seedsweep/common.h:
include/seedsweep/dataset.h:
include/seedsweep/results.h:
include/seedsweep/jobfile.h:
include/seedsweep/model.h:
