build-native/src/data/idx_import.o: src/data/idx_import.c \
 include/seedsweep/idx_import.h include/seedsweep/dataset.h \
 include/seedsweep/common.h include/seedsweep/safe_file.h
include/seedsweep/idx_import.h:
include/seedsweep/dataset.h:
include/seedsweep/common.h:
include/seedsweep/safe_file.h:
