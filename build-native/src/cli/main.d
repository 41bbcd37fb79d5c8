build-native/src/cli/main.o: src/cli/main.c src/cli/commands.h \
 include/seedsweep/common.h include/seedsweep/dataset.h \
 include/seedsweep/results.h include/seedsweep/jobfile.h \
 include/seedsweep/model.h include/seedsweep/safe_file.h
src/cli/commands.h:
include/seedsweep/common.h:
include/seedsweep/dataset.h:
include/seedsweep/results.h:
include/seedsweep/jobfile.h:
include/seedsweep/model.h:
include/seedsweep/safe_file.h:
