build-native/src/data/montage.o: src/data/montage.c \
 include/seedsweep/montage.h include/seedsweep/dataset.h \
 include/seedsweep/common.h include/seedsweep/png_import.h
include/seedsweep/montage.h:
include/seedsweep/dataset.h:
include/seedsweep/common.h:
include/seedsweep/png_import.h:
