build-native/src/sweep/plan.o: src/sweep/plan.c include/seedsweep/plan.h \
 include/seedsweep/jobfile.h include/seedsweep/common.h \
 include/seedsweep/dataset.h include/seedsweep/model.h \
 include/seedsweep/rng.h
include/seedsweep/plan.h:
include/seedsweep/jobfile.h:
include/seedsweep/common.h:
include/seedsweep/dataset.h:
include/seedsweep/model.h:
include/seedsweep/rng.h:
