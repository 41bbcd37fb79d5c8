build-native/src/common.o: src/common.c include/seedsweep/common.h
include/seedsweep/common.h:
