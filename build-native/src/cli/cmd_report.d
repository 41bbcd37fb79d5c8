build-native/src/cli/cmd_report.o: src/cli/cmd_report.c \
 src/cli/commands.h include/seedsweep/common.h include/seedsweep/report.h
src/cli/commands.h:
include/seedsweep/common.h:
include/seedsweep/report.h:
