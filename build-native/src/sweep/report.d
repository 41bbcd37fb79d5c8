build-native/src/sweep/report.o: src/sweep/report.c \
 include/seedsweep/model.h include/seedsweep/common.h \
 include/seedsweep/plan.h include/seedsweep/jobfile.h \
 include/seedsweep/dataset.h include/seedsweep/report.h \
 include/seedsweep/results.h include/seedsweep/stats.h
include/seedsweep/model.h:
include/seedsweep/common.h:
include/seedsweep/plan.h:
include/seedsweep/jobfile.h:
include/seedsweep/dataset.h:
include/seedsweep/report.h:
include/seedsweep/results.h:
include/seedsweep/stats.h:
