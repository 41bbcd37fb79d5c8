build-native/src/cli/cmd_report.o: src/cli/cmd_report.c \
 src/cli/commands.h include/seedsweep/common.h include/seedsweep/report.h \
 include/seedsweep/results.h include/seedsweep/dataset.h \
 include/seedsweep/jobfile.h include/seedsweep/model.h \
 include/seedsweep/stats.h
src/cli/commands.h:
include/seedsweep/common.h:
include/seedsweep/report.h:
include/seedsweep/results.h:
include/seedsweep/dataset.h:
include/seedsweep/jobfile.h:
include/seedsweep/model.h:
include/seedsweep/stats.h:
