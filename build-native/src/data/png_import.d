build-native/src/data/png_import.o: src/data/png_import.c \
 include/seedsweep/png_import.h include/seedsweep/dataset.h \
 include/seedsweep/common.h include/seedsweep/safe_file.h \
 /usr/include/libpng16/png.h /usr/include/libpng16/pnglibconf.h \
 /usr/include/libpng16/pngconf.h include/seedsweep/atomic_file.h
include/seedsweep/png_import.h:
include/seedsweep/dataset.h:
include/seedsweep/common.h:
include/seedsweep/safe_file.h:
/usr/include/libpng16/png.h:
/usr/include/libpng16/pnglibconf.h:
/usr/include/libpng16/pngconf.h:
include/seedsweep/atomic_file.h:
