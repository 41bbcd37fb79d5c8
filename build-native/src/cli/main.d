build-native/src/cli/main.o: src/cli/main.c src/cli/commands.h \
 include/seedsweep/common.h
src/cli/commands.h:
include/seedsweep/common.h:
