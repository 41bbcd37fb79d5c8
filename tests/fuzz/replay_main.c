/* replay_main.c - a main() for the fuzz harnesses without libFuzzer: runs LLVMFuzzerTestOneInput on
 * every file named on the command line (tests/fuzz_regress.sh replays tests/fuzz/corpus/ this way,
 * under gcc and, with SANITIZE=1, under ASan/UBSan). Prints one line per file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *data = malloc(size > 0 ? (size_t)size : 1);
        if (!data || (size > 0 && fread(data, 1, (size_t)size, f) != (size_t)size)) {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            return 2;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(data, (size_t)size);
        free(data);
        printf("ok %s\n", argv[i]);
        fflush(stdout);
    }
    return 0;
}
