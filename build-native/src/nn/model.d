build-native/src/nn/model.o: src/nn/model.c \
 /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h \
 /usr/include/x86_64-linux-gnu/openblas-pthread/openblas_config.h \
 include/seedsweep/layers.h include/seedsweep/model.h \
 include/seedsweep/common.h include/seedsweep/rng.h
/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h:
/usr/include/x86_64-linux-gnu/openblas-pthread/openblas_config.h:
include/seedsweep/layers.h:
include/seedsweep/model.h:
include/seedsweep/common.h:
include/seedsweep/rng.h:
