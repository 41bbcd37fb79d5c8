/* test_jobfile.c - job file parsing: a valid file, defaults, continuation lines, and errors that
 * name the [section] key and the line (exit-2 class errors, before any dataset is opened). */
#include <string.h>

#include "check.h"
#include "seedsweep/jobfile.h"
#include "seedsweep/sha256.h"

static const char *VALID =
    "; a comment\n"
    "[sweep]\n"
    "name   = tiny\n"
    "output = out.h5\n"
    "seeds  = 0-2, 7 ,9   ; inline comment\n"
    "train  = b a\n"
    "vary   = init\n"
    "[datasets]\n"
    "a = a.h5\n"
    "b = b.h5\n"
    "c = c.h5\n"
    "[model]\n"
    "input  = 16x16x1\n"
    "layers = conv4 pool\n"
    "  flatten dense8 dense2\n"
    "[train]\n"
    "epochs = 3\n"
    "batch  = 8\n"
    "lr = 0.01\n";

/* Replaces the first occurrence of from in VALID by to (to = "" deletes the line's text). */
static void edited(char *out, size_t size, const char *from, const char *to) {
    const char *at = strstr(VALID, from);
    if (!at) {
        snprintf(out, size, "%s", VALID);
        return;
    }
    snprintf(out, size, "%.*s%s%s", (int)(at - VALID), VALID, to, at + strlen(from));
}

/* Expects SS_ERR_INPUT with every needle in the message. */
static void expect_error(const char *name, const char *text, const char *needle1, const char *needle2) {
    JobSpec job;
    Error err = {0};
    int rc = jobfile_parse_text(text, "job.ini", &job, &err);
    int ok = rc == SS_ERR_INPUT && strstr(err.message, needle1) && (!needle2 || strstr(err.message, needle2));
    CHECK(ok, "jobfile error %s: '%s'", name, err.message);
    if (rc == SS_OK) jobfile_free(&job);
}

int main(void) {
    JobSpec job;
    Error err = {0};
    int rc = jobfile_parse_text(VALID, "job.ini", &job, &err);
    CHECK(rc == SS_OK, "jobfile valid parses (%s)", err.message);
    if (rc == SS_OK) {
        CHECK(job.seed_count == 5 && job.seeds[0] == 0 && job.seeds[2] == 2 && job.seeds[3] == 7 && job.seeds[4] == 9,
              "jobfile seeds '0-2, 7 ,9' in order");
        CHECK(job.train_count == 2 && job.train[0] == 1 && job.train[1] == 0, "jobfile train order kept (b a)");
        CHECK(job.vary == VARY_INIT, "jobfile vary = init");
        CHECK(job.dataset_count == 3 && !strcmp(job.dataset_paths[2], "c.h5"), "jobfile datasets in file order");
        CHECK(job.model.layer_count == 5 && job.model.class_count == 2, "jobfile layers continue on an indented line");
        CHECK(job.epochs == 3 && job.batch == 8 && job.lr == 0.01f && job.beta1 == 0.9f && job.beta2 == 0.999f &&
                  job.eps == 1e-7f,
              "jobfile train values and Adam defaults");
        CHECK(job.init == INIT_GLOROT_UNIFORM && !strcmp(job.name, "tiny") && !strcmp(job.output, "out.h5"),
              "jobfile init default, name, output");
        CHECK(strlen(job.sha256) == 64, "jobfile sha256 recorded");
        jobfile_free(&job);
    }
    char hex[65];
    sha256_hex("abc", 3, hex);
    CHECK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "sha256 of 'abc'");
    sha256_hex("", 0, hex);
    CHECK(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "sha256 of ''");

    char text[4096];
    edited(text, sizeof text, "[train]\n", "[training]\n");
    expect_error("unknown section", text, "[training] (line 16)", "unknown section");
    edited(text, sizeof text, "lr = 0.01", "learning_rate = 0.01");
    expect_error("unknown key", text, "[train] learning_rate (line 19)", "unknown key");
    edited(text, sizeof text, "0-2, 7 ,9", "0-2, x");
    expect_error("malformed seed", text, "[sweep] seeds (line 5)", "'x'");
    edited(text, sizeof text, "0-2, 7 ,9", "5-2");
    expect_error("backwards range", text, "[sweep] seeds (line 5)", "backwards");
    edited(text, sizeof text, "0-2, 7 ,9", "0-3, 2");
    expect_error("duplicate seed", text, "[sweep] seeds (line 5)", "seed 2 appears twice");
    edited(text, sizeof text, "train  = b a", "train  = b z");
    expect_error("train not in datasets", text, "[sweep] train (line 6)", "'z'");
    edited(text, sizeof text, "train  = b a", "train  = b a b");
    expect_error("train duplicate", text, "[sweep] train (line 6)", "twice");
    edited(text, sizeof text, "c = c.h5", "a = c.h5");
    expect_error("dataset twice", text, "[datasets] a (line 11)", "first on line 9");
    edited(text, sizeof text, "epochs = 3", "epochs = 0");
    expect_error("epochs 0", text, "[train] epochs (line 17)", "'0'");
    edited(text, sizeof text, "batch  = 8", "batch  = 0");
    expect_error("batch 0", text, "[train] batch (line 18)", NULL);
    edited(text, sizeof text, "lr = 0.01", "lr = fast");
    expect_error("lr not a number", text, "[train] lr (line 19)", "'fast'");
    edited(text, sizeof text, "lr = 0.01", "lr = 0.01\nlr = 0.02");
    expect_error("key twice", text, "[train] lr (line 20)", "first on line 19");
    edited(text, sizeof text, "vary   = init", "vary   = seeds");
    expect_error("vary", text, "[sweep] vary (line 7)", "expected any of init, order, sample");
    /* study designs */
    edited(text, sizeof text, "vary   = init", "vary   = foo");
    expect_error("vary foo", text, "[sweep] vary (line 7)", "'foo'");
    edited(text, sizeof text, "vary   = init", "vary   = init both");
    expect_error("vary repeats a source", text, "[sweep] vary (line 7)", "repeats");
    edited(text, sizeof text, "vary   = init", "vary   = sample\nsample_fraction = 0");
    expect_error("sample_fraction 0", text, "[sweep] sample_fraction (line 8)", "(0, 1]");
    edited(text, sizeof text, "vary   = init", "vary   = sample\nsample_fraction = 1.5");
    expect_error("sample_fraction > 1", text, "[sweep] sample_fraction (line 8)", "'1.5'");
    edited(text, sizeof text, "vary   = init", "vary   = init\nsample_fraction = 0.5");
    expect_error("sample_fraction without sampling", text, "[sweep] sample_fraction (line 8)", "no effect");
    edited(text, sizeof text, "vary   = init", "design = split");
    expect_error("design unknown", text, "[sweep] design (line 7)", "plain or decompose");
    edited(text, sizeof text, "vary   = init", "vary   = init\ndesign = decompose");
    expect_error("vary with decompose", text, "[sweep] vary (line 7)", "decompose");
    edited(text, sizeof text, "lr = 0.01", "lr = 0.01\n[grid]\nmomentum = 0.9");
    expect_error("grid key not a [train] key", text, "[grid] momentum (line 21)", "not a [train] key");
    edited(text, sizeof text, "lr = 0.01", "lr = 0.01\n[grid]\nbeta1 =");
    expect_error("grid empty list", text, "[grid] beta1 (line 21)", "empty");
    edited(text, sizeof text, "lr = 0.01", "lr = 0.01\n[grid]\nbeta1 = 0.9, 0.8 0.9");
    expect_error("grid duplicate value", text, "[grid] beta1 (line 21)", "0.9 appears twice");
    edited(text, sizeof text, "lr = 0.01", "lr = 0.01\n[grid]\nlr = 0.1 0.2");
    expect_error("grid key also in [train]", text, "[grid] lr (line 21)", "also given in [train]");
    edited(text, sizeof text, "epochs = 3\n", "[grid]\nepochs = 1 2.5\n[train]\n");
    expect_error("grid epochs not an integer", text, "[grid] epochs (line 18)", "'2.5'");
    edited(text, sizeof text, "lr = 0.01", "lr = 0.01\n[grid]\nbatch = 8\nbatch = 4");
    expect_error("grid key twice", text, "[grid] batch (line 22)", "first on line 21");
    edited(text, sizeof text, "a = a.h5\nb = b.h5", "a = a.h5\nname = b.h5");
    expect_error("dataset named like the layout's /image_name", text, "[datasets] name (line 10)", "reserved");
    /* [grid] values go through the parser and checks of [train]: nothing a [train] key refuses
     * gets in through a grid list */
    edited(text, sizeof text, "lr = 0.01", "lr = 0.01\n[grid]\neps = 1e-3 1e-50");
    expect_error("grid eps zero in float", text, "[grid] eps (line 21)", "'1e-50' is zero in single precision");
    edited(text, sizeof text, "lr = 0.01", "[grid]\nlr = 0.01 1e-40");
    expect_error("grid lr subnormal in float", text, "[grid] lr (line 20)", "'1e-40' is subnormal in single precision");
    edited(text, sizeof text, "lr = 0.01", "lr = 0.01\n[grid]\nbeta2 = 0.999 0.99999999");
    expect_error("grid beta2 rounds to 1", text, "[grid] beta2 (line 21)", "'0.99999999' is not a number in [0, 1)");
    edited(text, sizeof text, "lr = 0.01", "lr = 0.01\n[grid]\nbeta1 = 0.9 0.8 0.9000000001");
    expect_error("grid values equal in float", text, "[grid] beta1 (line 21)",
                 "'0.9000000001' is the same in single precision as the earlier 0.9");
    edited(text, sizeof text, "lr = 0.01", "lr = 0.01\n[grid]\neps = 0");
    expect_error("grid eps 0", text, "[grid] eps (line 21)", "'0' is not a number in (0, 1]");
    edited(text, sizeof text, "lr = 0.01", "[grid]\nlr = 0.0100000000000000000000000000000000000000000000000000000000000000001 2000");
    expect_error("grid value longer than 63 characters read whole", text, "[grid] lr (line 20)", "'2000' is not a number");
    edited(text, sizeof text, "lr = 0.01",
           "[grid]\nlr = 0.01000000000000000000000000000000000000000000000000000000000000000000000000000000009x");
    expect_error("grid value with junk after 63 characters", text, "[grid] lr (line 20)", "0000009x' is not a number");
    edited(text, sizeof text, "epochs = 3\n", "[grid]\nepochs = 1 2e0\n[train]\n");
    expect_error("grid epochs as [train] reads integers", text, "[grid] epochs (line 18)", "'2e0' is not an integer in 1..100000");
    edited(text, sizeof text, "lr = 0.01", "[grid]\nlr = 0.01 nan");
    expect_error("grid lr nan", text, "[grid] lr (line 20)", "'nan' is not a number");
    edited(text, sizeof text, "lr = 0.01", "lr = 0.01\n[grid]\nbeta1 = 0 0.5");
    {
        JobSpec job;
        Error err = {0};
        int rc = jobfile_parse_text(text, "job.ini", &job, &err);
        CHECK(rc == SS_OK && jobfile_grid_point_count(&job) == 2, "grid beta1 = 0 0.5 accepted as [train] accepts 0 (%s)",
              err.message);
        if (rc == SS_OK) jobfile_free(&job);
    }
    edited(text, sizeof text, "epochs = 3\n", "[grid]\nepochs = 1 2\n[train]\n");
    {
        JobSpec job;
        Error err = {0};
        int rc = jobfile_parse_text(text, "job.ini", &job, &err);
        CHECK(rc == SS_OK && job.epochs == 2 && jobfile_grid_point_count(&job) == 2,
              "epochs given in [grid] instead of [train] (%s)", err.message);
        if (rc == SS_OK) jobfile_free(&job);
    }
    edited(text, sizeof text, "conv4 pool\n", "conv4 pool pool pool pool pool\n");
    expect_error("model does not fit its input", text, "[model] layers (line 14)", NULL);
    edited(text, sizeof text, "input  = 16x16x1", "input  = 16by16");
    expect_error("model input malformed", text, "[model] input (line 13)", NULL);
    edited(text, sizeof text, "epochs = 3\n", "");
    expect_error("missing epochs", text, "[train] epochs", "missing");
    edited(text, sizeof text, "[sweep]\n", "");
    expect_error("key before a section", text, "name (line 2)", "before any [section]");
    edited(text, sizeof text, "init\n[datasets]", "init\nthis line is junk\n[datasets]");
    expect_error("not an INI line", text, "(line 8)", "not an INI line");
    edited(text, sizeof text, "a = a.h5", "9a = a.h5");
    expect_error("bad dataset name", text, "[datasets] 9a (line 9)", "bad dataset name");
    return check_exit();
}
