build-native/src/cli/cmd_run.o: src/cli/cmd_run.c src/cli/commands.h \
 include/seedsweep/common.h include/seedsweep/safe_file.h \
 include/seedsweep/scheduler.h
src/cli/commands.h:
include/seedsweep/common.h:
include/seedsweep/safe_file.h:
include/seedsweep/scheduler.h:
