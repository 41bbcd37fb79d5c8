build-native/src/data/synth.o: src/data/synth.c include/seedsweep/synth.h \
 include/seedsweep/dataset.h include/seedsweep/common.h \
 include/seedsweep/rng.h
include/seedsweep/synth.h:
include/seedsweep/dataset.h:
include/seedsweep/common.h:
include/seedsweep/rng.h:
