/*
 * The mandel kernel (src/kernels/mandel/): every SIMD path this CPU has
 * gives the textbook loop's escapes bit for bit; an image is the same bytes
 * in order and by place, whatever the threads and schedule; a checkpointed
 * image stopped at once resumes to the same file; bad views are refused;
 * the settings give the documented defaults.
 */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parkit/mandel.h"
#include "parkit/mandel_settings.h"
#include "parkit/status.h"
#include "suites.h"

#ifndef PK_HAVE_PNG
#define PK_HAVE_PNG 0
#endif

static char dir[] = "/tmp/pk-mandel-XXXXXX";

/* The textbook loop, written out here independently of the kernel. */
static void reference_row(const pk_mandel_view *view, uint32_t y, double bailout, uint32_t *counts, double *norms)
{
    const double ci = view->ymax - (view->ymax - view->ymin) * (double)y / (double)view->height;
    for (uint32_t x = 0; x < view->width; x++) {
        const double cr = (view->xmax - view->xmin) * (double)x / (double)view->width + view->xmin;
        double zr = 0, zi = 0, zr2 = 0, zi2 = 0;
        counts[x] = 0;
        norms[x] = 0;
        for (uint32_t k = 1; k <= view->iterations; k++) {
            zi = 2.0 * zr * zi + ci;
            zr = zr2 - zi2 + cr;
            zr2 = zr * zr;
            zi2 = zi * zi;
            if (zr2 + zi2 > bailout) {
                counts[x] = k;
                norms[x] = zr2 + zi2;
                break;
            }
        }
    }
}

static void test_every_path_is_the_textbook_loop(void)
{
    const pk_mandel_view views[] = {
        {203, 40, -2.5, 1.0, -1.25, 1.25, 300},                       /* the whole set, a width of no 8 */
        {64, 16, -0.7436, -0.7434, 0.1313, 0.1315, 3000},             /* a zoom into the seahorse valley */
        {17, 5, -1.5, 0.5, -1.0, 1.0, 50},                           /* the benchmarks game's view */
    };
    const size_t most = 208;
    uint32_t *want = malloc(most * sizeof *want), *got = malloc(most * sizeof *got);
    double *want_norms = malloc(most * sizeof *want_norms), *got_norms = malloc(most * sizeof *got_norms);
    int paths = 0;
    for (int simd = PK_MANDEL_SIMD_SCALAR; simd < PK_MANDEL_SIMD_COUNT; simd++) {
        if (!pk_mandel_simd_available((pk_mandel_simd)simd))
            continue;
        paths++;
        for (size_t v = 0; v < sizeof views / sizeof views[0]; v++) {
            for (uint32_t y = 0; y < views[v].height; y++) {
                for (int b = 0; b < 2; b++) {
                    const double bailout = b ? 256.0 : 4.0;
                    reference_row(&views[v], y, bailout, want, want_norms);
                    pk_mandel_escape_row(&views[v], y, bailout, (pk_mandel_simd)simd, got, got_norms);
                    CU_ASSERT_EQUAL(memcmp(got, want, views[v].width * sizeof *got), 0);
                    CU_ASSERT_EQUAL(memcmp(got_norms, want_norms, views[v].width * sizeof *got_norms), 0);
                }
            }
        }
    }
    CU_ASSERT(paths >= 2); /* scalar and vec2 everywhere */
    CU_ASSERT_TRUE(pk_mandel_simd_available(pk_mandel_simd_best()));
    free(want);
    free(got);
    free(want_norms);
    free(got_norms);
}

typedef struct memory {
    char *data;
    size_t len, capacity;
} memory;

static int to_memory(void *ctx, const char *data, size_t len)
{
    memory *m = ctx;
    if (m->len + len > m->capacity) {
        m->capacity = 2 * (m->len + len);
        m->data = realloc(m->data, m->capacity);
    }
    memcpy(m->data + m->len, data, len);
    m->len += len;
    return 0;
}

/* The whole of the file at PATH into M. */
static void read_back(const char *path, memory *m)
{
    int fd = open(path, O_RDONLY);
    CU_ASSERT_FATAL(fd >= 0);
    char buffer[65536];
    ssize_t n;
    m->len = 0;
    while ((n = read(fd, buffer, sizeof buffer)) > 0)
        to_memory(m, buffer, (size_t)n);
    close(fd);
}

static pk_mandel_options options_for(pk_mandel_format format, int threads, pk_schedule_kind kind)
{
    return (pk_mandel_options){
        .engine = {.threads = threads, .schedule = {kind, 0}},
        .view = {301, 150, -0.9, -0.4, 0.2, 0.45, 400},
        .format = format,
        .simd = PK_MANDEL_SIMD_AUTO,
    };
}

static void test_same_image_in_order_and_by_place(void)
{
    char path[64];
    snprintf(path, sizeof path, "%s/image", dir);
    for (int format = PK_MANDEL_PBM; format <= PK_MANDEL_RAW; format++) {
        pk_mandel_options base = options_for((pk_mandel_format)format, 1, PK_SCHEDULE_STATIC);
        base.simd = PK_MANDEL_SIMD_SCALAR;
        memory reference = {0};
        pk_mandel_report report;
        pk_mandel_report_init(&report);
        CU_ASSERT_EQUAL_FATAL(pk_mandel_render(&base, to_memory, &reference, &report), PK_OK);
        CU_ASSERT_EQUAL(reference.len, pk_mandel_file_bytes(&base.view, base.format));
        CU_ASSERT_EQUAL(report.bytes, reference.len);
        CU_ASSERT(report.inside > 0 && report.inside < (uint64_t)base.view.width * base.view.height);
        const pk_schedule_kind kinds[] = {PK_SCHEDULE_STATIC, PK_SCHEDULE_DYNAMIC, PK_SCHEDULE_GUIDED};
        for (int threads = 1; threads <= 3; threads++) {
            for (size_t k = 0; k < 3; k++) {
                pk_mandel_options options = options_for((pk_mandel_format)format, threads, kinds[k]);
                memory streamed = {0}, placed = {0};
                pk_mandel_report again;
                pk_mandel_report_init(&again);
                CU_ASSERT_EQUAL(pk_mandel_render(&options, to_memory, &streamed, &again), PK_OK);
                CU_ASSERT_EQUAL(again.inside, report.inside);
                CU_ASSERT_TRUE(streamed.len == reference.len && memcmp(streamed.data, reference.data, reference.len) == 0);
                int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                CU_ASSERT_FATAL(fd >= 0);
                CU_ASSERT_EQUAL(pk_mandel_render_to_file(&options, fd, NULL), PK_OK);
                close(fd);
                read_back(path, &placed);
                CU_ASSERT_TRUE(placed.len == reference.len && memcmp(placed.data, reference.data, reference.len) == 0);
                free(streamed.data);
                free(placed.data);
            }
        }
        free(reference.data);
    }
}

#if PK_HAVE_PNG
#include <png.h>

/* A png of bands made by any thread in any order decodes (libpng, which
 * checks every CRC and the zlib checksum) to the ppm's pixels, and is the
 * same bytes whatever the threads and schedule. */
static void test_png_decodes_to_the_ppm_pixels(void)
{
    pk_mandel_options ppm = options_for(PK_MANDEL_PPM, 1, PK_SCHEDULE_STATIC);
    memory pixels = {0}, reference = {0};
    CU_ASSERT_EQUAL_FATAL(pk_mandel_render(&ppm, to_memory, &pixels, NULL), PK_OK);
    const size_t header = 15; /* "P6\n301 150\n255\n" */
    const pk_schedule_kind kinds[] = {PK_SCHEDULE_STATIC, PK_SCHEDULE_DYNAMIC, PK_SCHEDULE_GUIDED};
    for (int threads = 1; threads <= 3; threads++) {
        for (size_t k = 0; k < 3; k++) {
            pk_mandel_options options = options_for(PK_MANDEL_PNG, threads, kinds[k]);
            memory png = {0};
            pk_mandel_report report;
            pk_mandel_report_init(&report);
            CU_ASSERT_EQUAL_FATAL(pk_mandel_render(&options, to_memory, &png, &report), PK_OK);
            CU_ASSERT_EQUAL(report.bytes, png.len);
            CU_ASSERT(png.len < pixels.len / 2); /* it did compress */
            if (reference.data == NULL) {
                reference = png;
                png_image image = {.version = PNG_IMAGE_VERSION};
                CU_ASSERT_FATAL(png_image_begin_read_from_memory(&image, png.data, png.len) != 0);
                CU_ASSERT_TRUE(image.width == 301 && image.height == 150);
                image.format = PNG_FORMAT_RGB;
                unsigned char *decoded = malloc(PNG_IMAGE_SIZE(image));
                CU_ASSERT_FATAL(png_image_finish_read(&image, NULL, decoded, 0, NULL) != 0);
                CU_ASSERT_EQUAL(PNG_IMAGE_SIZE(image), pixels.len - header);
                CU_ASSERT_EQUAL(memcmp(decoded, pixels.data + header, pixels.len - header), 0);
                CU_ASSERT_FALSE(image.warning_or_error & PNG_IMAGE_ERROR);
                free(decoded);
            } else {
                CU_ASSERT_TRUE(png.len == reference.len && memcmp(png.data, reference.data, png.len) == 0);
                free(png.data);
            }
        }
    }
    /* By place, each band in a slot as large as it could deflate to, the
     * slots joined at the end: the same bytes as in order. */
    char path[64];
    snprintf(path, sizeof path, "%s/slots.png", dir);
    for (int threads = 1; threads <= 3; threads += 2) {
        pk_mandel_options options = options_for(PK_MANDEL_PNG, threads, PK_SCHEDULE_DYNAMIC);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
        CU_ASSERT_TRUE_FATAL(fd >= 0);
        pk_mandel_report report;
        pk_mandel_report_init(&report);
        CU_ASSERT_EQUAL(pk_mandel_render_to_file(&options, fd, &report), PK_OK);
        CU_ASSERT_EQUAL(report.bytes, reference.len);
        struct stat st;
        CU_ASSERT_EQUAL(fstat(fd, &st), 0);
        CU_ASSERT_EQUAL((size_t)st.st_size, reference.len);
        unsigned char *got = malloc(reference.len);
        CU_ASSERT_EQUAL(pread(fd, got, reference.len, 0), (ssize_t)reference.len);
        CU_ASSERT_EQUAL(memcmp(got, reference.data, reference.len), 0);
        free(got);
        close(fd);
    }
    free(reference.data);
    free(pixels.data);
}
#endif

static void test_stopped_image_resumes_to_the_same_file(void)
{
    char path[64], checkpoint[64];
    snprintf(path, sizeof path, "%s/resumed", dir);
    snprintf(checkpoint, sizeof checkpoint, "%s/resumed.ck", dir);
    pk_mandel_options options = options_for(PK_MANDEL_PPM, 2, PK_SCHEDULE_DYNAMIC);
    memory whole = {0}, resumed = {0};
    CU_ASSERT_EQUAL_FATAL(pk_mandel_render(&options, to_memory, &whole, NULL), PK_OK);
    static _Atomic int stop = 1;
    options.engine.cancel = &stop;
    options.checkpoint_path = checkpoint;
    options.output_path = path;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CU_ASSERT_FATAL(fd >= 0);
    pk_mandel_report report;
    pk_mandel_report_init(&report);
    CU_ASSERT_EQUAL(pk_mandel_render_to_file(&options, fd, &report), PK_ECANCELED);
    CU_ASSERT_TRUE(report.run.checkpoint_saved);
    close(fd);
    CU_ASSERT_EQUAL(access(checkpoint, F_OK), 0);
    options.engine.cancel = NULL;
    options.resume = true;
    fd = open(path, O_WRONLY);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(pk_mandel_render_to_file(&options, fd, NULL), PK_OK);
    close(fd);
    read_back(path, &resumed);
    CU_ASSERT_TRUE(resumed.len == whole.len && memcmp(resumed.data, whole.data, whole.len) == 0);
    CU_ASSERT_NOT_EQUAL(access(checkpoint, F_OK), 0); /* done: no checkpoint */
    free(whole.data);
    free(resumed.data);
}

static void test_bad_views_refused(void)
{
    memory out = {0};
    const pk_mandel_view bad[] = {
        {0, 10, -2, 1, -1, 1, 100},   {10, 0, -2, 1, -1, 1, 100},       {10, 10, 1, -2, -1, 1, 100},
        {10, 10, -2, 1, 1, 1, 100},   {10, 10, -2, NAN, -1, 1, 100},    {10, 10, -2, 1, -1, 1, 0},
        {10, 10, -INFINITY, 1, -1, 1, 100},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pk_mandel_options options = options_for(PK_MANDEL_PPM, 1, PK_SCHEDULE_STATIC);
        options.view = bad[i];
        CU_ASSERT_EQUAL(pk_mandel_render(&options, to_memory, &out, NULL), PK_EINVAL);
    }
    CU_ASSERT_EQUAL(out.len, 0);
}

static void test_settings_and_defaults(void)
{
    pk_mandel_settings settings;
    pk_mandel_kernel.settings_init(&settings);
    pk_mandel_view view;
    const char *why = NULL;
    /* The benchmarks game's view and iterations for pbm. */
    CU_ASSERT_TRUE(pk_kernel_key_named(&pk_mandel_kernel, "format")->set(&settings, "pbm"));
    CU_ASSERT_TRUE(pk_kernel_key_named(&pk_mandel_kernel, "size")->set(&settings, "200"));
    CU_ASSERT_EQUAL(pk_mandel_view_of(&settings, &view, &why), PK_OK);
    CU_ASSERT_TRUE(view.width == 200 && view.height == 200 && view.iterations == 50);
    CU_ASSERT_TRUE(view.xmin == -1.5 && view.xmax == 0.5 && view.ymin == -1.0 && view.ymax == 1.0);
    /* A centre and zoom: 3.5/zoom wide, square pixels. */
    pk_mandel_kernel.settings_init(&settings);
    CU_ASSERT_TRUE(pk_kernel_key_named(&pk_mandel_kernel, "size")->set(&settings, "400x200"));
    CU_ASSERT_TRUE(pk_kernel_key_named(&pk_mandel_kernel, "center")->set(&settings, "-1,0.5"));
    CU_ASSERT_TRUE(pk_kernel_key_named(&pk_mandel_kernel, "zoom")->set(&settings, "2"));
    CU_ASSERT_EQUAL(pk_mandel_view_of(&settings, &view, &why), PK_OK);
    CU_ASSERT_DOUBLE_EQUAL(view.xmax - view.xmin, 1.75, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(view.ymax - view.ymin, 0.875, 1e-15);
    CU_ASSERT_EQUAL(view.iterations, 1000);
    /* Region and centre: refused with the reason. */
    CU_ASSERT_TRUE(pk_kernel_key_named(&pk_mandel_kernel, "region")->set(&settings, "-2,1,-1,1"));
    CU_ASSERT_EQUAL(pk_mandel_view_of(&settings, &view, &why), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "choose one"));
    /* Values the setters refuse. */
    const char *const refused[][2] = {
        {"size", "0"},        {"size", "10x"},       {"size", "x10"},     {"size", "1000001"}, {"size", "-5"},
        {"region", "1,0,0,1"}, {"region", "0,1,0"}, {"region", "0,1,0,1,2"}, {"center", "nan,0"},
        {"zoom", "0"},        {"zoom", "-1"},       {"iterations", "0"}, {"format", "gif"},   {"simd", "sse4"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        CU_ASSERT_FALSE(pk_kernel_key_named(&pk_mandel_kernel, refused[i][0])->set(&settings, refused[i][1]));
}

static int set_up(void)
{
    return pk_test_make_directory(dir);
}

static int clean_up(void)
{
    return pk_test_remove_directory(dir);
}

int pk_suite_mandel(void)
{
    static const pk_test_case cases[] = {
        {"every_path_is_the_textbook_loop", test_every_path_is_the_textbook_loop},
        {"same_image_in_order_and_by_place", test_same_image_in_order_and_by_place},
        {"stopped_image_resumes_to_the_same_file", test_stopped_image_resumes_to_the_same_file},
#if PK_HAVE_PNG
        {"png_decodes_to_the_ppm_pixels", test_png_decodes_to_the_ppm_pixels},
#endif
        {"bad_views_refused", test_bad_views_refused},
        {"settings_and_defaults", test_settings_and_defaults},
        {NULL, NULL},
    };
    if (!PK_HAVE_PNG)
        pk_test_skipped("mandel: png_decodes_to_the_ppm_pixels", "built without libpng: apt-get install libpng-dev");
    return pk_suite_add_set_up("mandel", cases, set_up, clean_up);
}
