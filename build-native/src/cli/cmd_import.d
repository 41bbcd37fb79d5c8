build-native/src/cli/cmd_import.o: src/cli/cmd_import.c \
 src/cli/commands.h include/seedsweep/common.h \
 include/seedsweep/dataset.h include/seedsweep/idx_import.h \
 include/seedsweep/png_import.h
src/cli/commands.h:
include/seedsweep/common.h:
include/seedsweep/dataset.h:
include/seedsweep/idx_import.h:
include/seedsweep/png_import.h:
