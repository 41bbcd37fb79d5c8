build-native/src/nn/blas.o: src/nn/blas.c \
 /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h \
 /usr/include/x86_64-linux-gnu/openblas-pthread/openblas_config.h \
 include/seedsweep/common.h include/seedsweep/blas.h
/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h:
/usr/include/x86_64-linux-gnu/openblas-pthread/openblas_config.h:
include/seedsweep/common.h:
include/seedsweep/blas.h:
