/* test_atomic_file.c - the one way seedsweep writes a file atomically (results, datasets, PNGs):
 * a hidden, unpredictable temporary beside the target, created exclusively without following
 * links, renamed over the target only when complete; symlinks planted in the directory (at the
 * target, or in place of the temporary) never redirect the write. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "seedsweep/atomic_file.h"

static char dir[512];

static const char *in_dir(const char *name) {
    static char paths[4][700];
    static int next = 0;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static int entries(void) {   /* files in dir */
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d) closedir(d);
    return n;
}

static void write_text(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    fputs(text, fp);
    fclose(fp);
}

static int has_text(const char *path, const char *text) {
    char buffer[64] = {0};
    FILE *fp = fopen(path, "r");
    if (!fp) return 0;
    size_t n = fread(buffer, 1, sizeof buffer - 1, fp);
    fclose(fp);
    return n == strlen(text) && !memcmp(buffer, text, n);
}

static void test_commit(void) {
    Error err = {0};
    AtomicFile a, b;
    const char *target = in_dir("out.h5");
    CHECK(atomic_file_begin(&a, target, &err) == SS_OK && a.fd >= 0, "begin creates a temporary (%s)", err.message);
    char prefix[700];
    snprintf(prefix, sizeof prefix, "%s/.out.h5.tmp.", dir);
    CHECK(!strncmp(a.temp, prefix, strlen(prefix)) && strlen(a.temp) == strlen(prefix) + 12,
          "the temporary is .<target>.tmp.<12 random characters> beside the target (%s)", a.temp);
    struct stat st;
    mode_t mask = umask(0);
    umask(mask);
    CHECK(lstat(a.temp, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == (0666 & ~mask),
          "the temporary is a regular file with the permissions of a plain create (%o)", st.st_mode & 0777);
    CHECK(atomic_file_begin(&b, target, &err) == SS_OK && strcmp(a.temp, b.temp), "a second writer gets another name");
    CHECK(write(a.fd, "new", 3) == 3, "write through the descriptor");
    CHECK(access(target, F_OK) != 0, "nothing at the target before commit");
    CHECK(atomic_file_commit(&a, &err) == SS_OK && has_text(target, "new"), "commit puts the contents at the target");
    atomic_file_abort(&b);
    CHECK(entries() == 1, "commit and abort leave only the target (%d entries)", entries());
    atomic_file_abort(&b);   /* twice is harmless */
    unlink(target);
}

static void test_abort_keeps_target(void) {
    Error err = {0};
    AtomicFile a;
    const char *target = in_dir("keep.txt");
    write_text(target, "old");
    CHECK(atomic_file_begin(&a, target, &err) == SS_OK, "begin beside an existing file");
    CHECK(write(a.fd, "half", 4) == 4, "write part of a file");
    atomic_file_abort(&a);
    CHECK(has_text(target, "old") && entries() == 1, "abort removes the temporary and leaves the old file");
    unlink(target);
}

static void test_planted_links(void) {
    Error err = {0};
    AtomicFile a;
    const char *victim = in_dir("victim.txt"), *target = in_dir("shared.h5");
    write_text(victim, "precious");
    /* a link planted at the target: the rename replaces the link, not what it points to */
    CHECK(symlink(victim, target) == 0, "plant a symlink at the target");
    CHECK(atomic_file_begin(&a, target, &err) == SS_OK && write(a.fd, "mine", 4) == 4, "write beside the link");
    CHECK(atomic_file_commit(&a, &err) == SS_OK, "commit over a symlink (%s)", err.message);
    struct stat st;
    CHECK(lstat(target, &st) == 0 && S_ISREG(st.st_mode) && has_text(target, "mine") && has_text(victim, "precious"),
          "the link is replaced by the file; its destination is untouched");
    unlink(target);
    /* the temporary swapped for a link to the victim while a library writes it by name */
    CHECK(atomic_file_begin(&a, target, &err) == SS_OK, "begin again");
    char temp[700];
    snprintf(temp, sizeof temp, "%s", a.temp);
    unlink(temp);
    CHECK(symlink(victim, temp) == 0, "swap the temporary for a symlink");
    CHECK(atomic_file_commit(&a, &err) == SS_ERR_RUNTIME && strstr(err.message, "replaced"),
          "commit refuses a temporary that is no longer its own (%s)", err.message);
    CHECK(access(target, F_OK) != 0 && has_text(victim, "precious") && lstat(temp, &st) != 0,
          "nothing renamed into place, the victim untouched, the planted link removed");
    unlink(victim);
}

static void test_missing_directory(void) {
    Error err = {0};
    AtomicFile a;
    int rc = atomic_file_begin(&a, in_dir("no-such-dir/out.h5"), &err);
    CHECK(rc == SS_ERR_RUNTIME && strstr(err.message, "no-such-dir"), "a missing directory is named (%s)", err.message);
    CHECK(a.fd < 0 && !a.temp && !a.target, "a failed begin holds nothing");
    atomic_file_abort(&a);
}

static void test_relative_target(void) {
    Error err = {0};
    AtomicFile a;
    char cwd[600];
    CHECK(getcwd(cwd, sizeof cwd) && chdir(dir) == 0, "enter the directory");
    CHECK(atomic_file_begin(&a, "plain.txt", &err) == SS_OK && !strncmp(a.temp, ".plain.txt.tmp.", 15),
          "a target without a directory gets a temporary in the current one (%s)", a.temp);
    CHECK(atomic_file_commit(&a, &err) == SS_OK && has_text("plain.txt", ""), "commit an empty file");
    unlink("plain.txt");
    CHECK(chdir(cwd) == 0, "leave the directory");
}

int main(void) {
    snprintf(dir, sizeof dir, "%s/seedsweep-test-atomic.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        printf("FAIL cannot create a temp directory\n");
        return 1;
    }
    test_commit();
    test_abort_keeps_target();
    test_planted_links();
    test_missing_directory();
    test_relative_target();
    rmdir(dir);
    return check_exit();
}
