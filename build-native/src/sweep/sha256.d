build-native/src/sweep/sha256.o: src/sweep/sha256.c \
 include/seedsweep/jobfile.h include/seedsweep/common.h \
 include/seedsweep/dataset.h include/seedsweep/model.h
include/seedsweep/jobfile.h:
include/seedsweep/common.h:
include/seedsweep/dataset.h:
include/seedsweep/model.h:
