/*
 * PNG frames on a writer thread (src/io/png_frames.c): frames handed over
 * in bands become complete files under their names; a frame that cannot
 * be written is said with its name, and later ones are refused; an
 * abandoned frame leaves nothing behind.  And a PNG written in slots
 * (src/io/png_bands.c, for a resumable image) joins into one file.
 */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
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

/* Bands written by place in slots with gaps join into the very bytes the
 * same bands make written one after another; a damaged slot is refused. */
static void test_slots_join_into_one_png(void)
{
    if (!pk_png_available())
        return;
    enum { WIDTH = 50, ROWS = 7, BANDS = 3 };
    unsigned char header[PK_PNG_HEADER_MAX], band_out[BANDS][4096], scratch[ROWS * (1 + 3 * WIDTH)];
    size_t header_len, len[BANDS];
    uint32_t adler = pk_png_adler_start();
    CU_ASSERT_EQUAL_FATAL(pk_png_header(WIDTH, ROWS * BANDS, header, &header_len), PK_OK);
    CU_ASSERT_TRUE_FATAL(pk_png_band_bound(sizeof scratch) <= sizeof band_out[0]);
    for (int b = 0; b < BANDS; b++) {
        unsigned char *rgb = band(WIDTH, ROWS, 3 * b);
        uint32_t a, raw;
        CU_ASSERT_EQUAL(pk_png_band(rgb, WIDTH, ROWS, 1, scratch, band_out[b], &len[b], &a, &raw), PK_OK);
        adler = pk_png_adler_combine(adler, a, raw);
        free(rgb);
    }
    unsigned char trailer[PK_PNG_TRAILER_BYTES];
    pk_png_trailer(adler, trailer);
    /* One after another: the reference. */
    unsigned char want[PK_PNG_HEADER_MAX + BANDS * 4096 + PK_PNG_TRAILER_BYTES];
    size_t want_len = 0;
    memcpy(want, header, header_len), want_len += header_len;
    for (int b = 0; b < BANDS; b++)
        memcpy(want + want_len, band_out[b], len[b]), want_len += len[b];
    memcpy(want + want_len, trailer, sizeof trailer), want_len += sizeof trailer;
    /* In slots of 4096 bytes (band 0's after the header), the gaps never written. */
    char path[64];
    snprintf(path, sizeof path, "%s/slots.png", dir);
    for (int damaged = 0; damaged <= 1; damaged++) {
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
        CU_ASSERT_TRUE_FATAL(fd >= 0);
        uint64_t offsets[BANDS + 1];
        for (int b = 0; b <= BANDS; b++)
            offsets[b] = b == 0 ? 0 : header_len + (uint64_t)b * 4096;
        CU_ASSERT_EQUAL(ftruncate(fd, (off_t)offsets[BANDS]), 0);
        CU_ASSERT_EQUAL(pwrite(fd, header, header_len, 0), (ssize_t)header_len);
        for (int b = 0; b < BANDS; b++) {
            const off_t at = (off_t)(offsets[b] + (b == 0 ? header_len : 0));
            CU_ASSERT_EQUAL(pwrite(fd, band_out[b], len[b], at), (ssize_t)len[b]);
        }
        if (damaged)
            CU_ASSERT_EQUAL(pwrite(fd, "X", 1, (off_t)offsets[1] + 20), 1);
        uint64_t size = 0;
        int rc = pk_png_join_slots(fd, offsets, BANDS, header_len, adler, &size);
        if (damaged) {
            CU_ASSERT_EQUAL(rc, PK_EINVAL);
        } else {
            CU_ASSERT_EQUAL(rc, PK_OK);
            CU_ASSERT_EQUAL(size, want_len);
            unsigned char got[sizeof want];
            CU_ASSERT_EQUAL(pread(fd, got, sizeof got, 0), (ssize_t)want_len); /* cut at its end */
            CU_ASSERT_EQUAL(memcmp(got, want, want_len), 0);
        }
        close(fd);
    }
    unlink(path);
}

int pk_suite_png_frames(void)
{
    static const pk_test_case cases[] = {
        {"frames become files", test_frames_become_files},
        {"a frame that cannot be written is said", test_a_frame_that_cannot_be_written_is_said},
        {"an abandoned frame leaves nothing", test_an_abandoned_frame_leaves_nothing},
        {"slots join into one png", test_slots_join_into_one_png},
        {NULL, NULL},
    };
    return pk_suite_add_set_up("png_frames", cases, set_up, clean_up);
}
