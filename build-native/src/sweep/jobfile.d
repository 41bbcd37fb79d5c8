build-native/src/sweep/jobfile.o: src/sweep/jobfile.c \
 include/seedsweep/jobfile.h include/seedsweep/common.h \
 include/seedsweep/dataset.h include/seedsweep/model.h \
 include/seedsweep/safe_file.h include/seedsweep/sha256.h
include/seedsweep/jobfile.h:
include/seedsweep/common.h:
include/seedsweep/dataset.h:
include/seedsweep/model.h:
include/seedsweep/safe_file.h:
include/seedsweep/sha256.h:
