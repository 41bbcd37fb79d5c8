build-native/src/sweep/scheduler.o: src/sweep/scheduler.c \
 include/seedsweep/scheduler.h include/seedsweep/common.h \
 /usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h \
 /usr/lib/x86_64-linux-gnu/openmpi/include/mpi_portable_platform.h \
 include/seedsweep/blas.h include/seedsweep/checkpoint.h \
 include/seedsweep/model.h include/seedsweep/hosts.h \
 include/seedsweep/results.h include/seedsweep/dataset.h \
 include/seedsweep/jobfile.h include/seedsweep/node_data.h \
 include/seedsweep/progress.h include/seedsweep/stats.h \
 include/seedsweep/task.h include/seedsweep/threads.h
include/seedsweep/scheduler.h:
include/seedsweep/common.h:
/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h:
/usr/lib/x86_64-linux-gnu/openmpi/include/mpi_portable_platform.h:
include/seedsweep/blas.h:
include/seedsweep/checkpoint.h:
include/seedsweep/model.h:
include/seedsweep/hosts.h:
include/seedsweep/results.h:
include/seedsweep/dataset.h:
include/seedsweep/jobfile.h:
include/seedsweep/node_data.h:
include/seedsweep/progress.h:
include/seedsweep/stats.h:
include/seedsweep/task.h:
include/seedsweep/threads.h:
