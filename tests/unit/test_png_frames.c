/*
 * PNG frames on a writer thread (src/io/png_frames.c): frames handed over
 * in bands become complete files under their names; a frame that cannot
 * be written is said with its name, and later ones are refused; an
 * abandoned frame leaves nothing behind.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parkit/png_bands.h"
#include "parkit/png_frames.h"
#include "parkit/status.h"
#include "suites.h"

static char dir[] = "/tmp/pk-frames-XXXXXX";

static int set_up(void)
{
    return pk_test_make_directory(dir);
}

static int clean_up(void)
{
    return pk_test_remove_directory(dir);
}

/* ROWS rows of WIDTH pixels, a gradient. */
static unsigned char *band(uint32_t width, uint32_t rows, int shade)
{
    unsigned char *rgb = malloc((size_t)width * rows * 3);
    for (size_t i = 0; i < (size_t)width * rows * 3; i++)
        rgb[i] = (unsigned char)(i * 7 + (size_t)shade);
    return rgb;
}

/* Files in the directory. */
static int files(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    if (d != NULL)
        closedir(d);
    return n;
}

static void test_frames_become_files(void)
{
    if (!pk_png_available()) {
        pk_test_skipped("png_frames", "built without libpng");
        return;
    }
    pk_png_frames *frames;
    CU_ASSERT_EQUAL_FATAL(pk_png_frames_start(&frames, 1 << 20), PK_OK);
    char path[2][64];
    for (int f = 0; f < 2; f++) {
        snprintf(path[f], sizeof path[f], "%s/frame-%d.png", dir, f);
        CU_ASSERT_EQUAL(pk_png_frames_begin(frames, path[f], 40, 10), PK_OK);
        CU_ASSERT_EQUAL(pk_png_frames_band(frames, band(40, 4, f), 4), PK_OK);
        CU_ASSERT_EQUAL(pk_png_frames_band(frames, band(40, 6, f), 6), PK_OK);
    }
    /* More rows than the frame has: refused, the buffer freed all the same. */
    CU_ASSERT_EQUAL(pk_png_frames_band(frames, band(40, 1, 0), 1), PK_EINVAL);
    char why[512] = "";
    CU_ASSERT_EQUAL(pk_png_frames_finish(frames, 0, why, sizeof why), PK_OK);
    for (int f = 0; f < 2; f++) {
        struct stat st;
        CU_ASSERT_EQUAL(stat(path[f], &st), 0);
        CU_ASSERT_TRUE(st.st_size > 8 + 25 + 12);
        FILE *in = fopen(path[f], "rb");
        unsigned char signature[8] = {0};
        CU_ASSERT_EQUAL(fread(signature, 1, 8, in), 8);
        CU_ASSERT_EQUAL(memcmp(signature, "\x89PNG\r\n\x1a\n", 8), 0);
        fclose(in);
    }
    CU_ASSERT_EQUAL(files(), 2); /* no temporary left */
}

static void test_a_frame_that_cannot_be_written_is_said(void)
{
    if (!pk_png_available())
        return;
    pk_png_frames *frames;
    CU_ASSERT_EQUAL_FATAL(pk_png_frames_start(&frames, 1 << 20), PK_OK);
    char path[64];
    snprintf(path, sizeof path, "%s/no/such/frame.png", dir);
    CU_ASSERT_EQUAL(pk_png_frames_begin(frames, path, 8, 2), PK_OK);
    /* The band may go before the writer has failed, or be refused after: either way it is freed. */
    (void)pk_png_frames_band(frames, band(8, 2, 0), 2);
    char why[512] = "";
    CU_ASSERT_EQUAL(pk_png_frames_finish(frames, 0, why, sizeof why), PK_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "No such file"));
}

static void test_an_abandoned_frame_leaves_nothing(void)
{
    if (!pk_png_available())
        return;
    const int before = files();
    pk_png_frames *frames;
    CU_ASSERT_EQUAL_FATAL(pk_png_frames_start(&frames, 1 << 20), PK_OK);
    char path[64];
    snprintf(path, sizeof path, "%s/cut.png", dir);
    CU_ASSERT_EQUAL(pk_png_frames_begin(frames, path, 64, 100), PK_OK);
    CU_ASSERT_EQUAL(pk_png_frames_band(frames, band(64, 16, 1), 16), PK_OK);
    CU_ASSERT_EQUAL(pk_png_frames_finish(frames, 1, NULL, 0), PK_OK);
    CU_ASSERT_EQUAL(files(), before);
}

int pk_suite_png_frames(void)
{
    static const pk_test_case cases[] = {
        {"frames become files", test_frames_become_files},
        {"a frame that cannot be written is said", test_a_frame_that_cannot_be_written_is_said},
        {"an abandoned frame leaves nothing", test_an_abandoned_frame_leaves_nothing},
        {NULL, NULL},
    };
    return pk_suite_add_set_up("png_frames", cases, set_up, clean_up);
}
