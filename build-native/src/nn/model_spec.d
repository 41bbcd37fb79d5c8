build-native/src/nn/model_spec.o: src/nn/model_spec.c \
 include/seedsweep/model.h include/seedsweep/common.h
include/seedsweep/model.h:
include/seedsweep/common.h:
