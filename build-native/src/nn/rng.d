build-native/src/nn/rng.o: src/nn/rng.c include/seedsweep/rng.h
include/seedsweep/rng.h:
