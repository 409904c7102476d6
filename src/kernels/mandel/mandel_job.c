/*
 * Mandelbrot images as engine jobs: the plan (bands of rows), a band's
 * bytes in each format, and the two ways out: in order through a write
 * function, or by place into a file (with checkpoints).  No ranks, no
 * files opened here: the engine spreads the bands, parkit/outfile.h
 * writes them.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parkit/checkpoint.h"
#include "parkit/mandel.h"
#include "parkit/outfile.h"
#include "parkit/png_bands.h"
#include "parkit/rounds.h"
#include "parkit/status.h"

/* Bailouts: the benchmarks game's |z| > 2 for counts and bits; |z| > 16
 * for colours, so the smooth colouring's log log |z| varies smoothly. */
#define BAILOUT_COUNTS 4.0
#define BAILOUT_COLOURS 256.0
/* zlib's level for png bands: the fastest, since deflate is most of a
 * png's cost (bench/mandel.sh has the figures). */
#define PNG_LEVEL 1

/* ---- formats ------------------------------------------------------------------------ */

static const char *const format_names[] = {
    [PK_MANDEL_PBM] = "pbm",
    [PK_MANDEL_PPM] = "ppm",
    [PK_MANDEL_RAW] = "raw",
    [PK_MANDEL_PNG] = "png",
};

const char *pk_mandel_format_name(pk_mandel_format format)
{
    return format_names[format];
}

int pk_mandel_format_parse(const char *text, pk_mandel_format *format)
{
    for (int f = PK_MANDEL_PBM; f <= PK_MANDEL_PNG; f++) {
        if (strcmp(text, format_names[f]) == 0) {
            *format = (pk_mandel_format)f;
            return PK_OK;
        }
    }
    return PK_EINVAL;
}

static uint64_t row_bytes(const pk_mandel_view *view, pk_mandel_format format)
{
    switch (format) {
    case PK_MANDEL_PBM: return ((uint64_t)view->width + 7) / 8;
    case PK_MANDEL_PPM: return (uint64_t)view->width * 3;
    case PK_MANDEL_RAW: return (uint64_t)view->width * 4;
    case PK_MANDEL_PNG: return 1 + (uint64_t)view->width * 3; /* a filter byte, then RGB: before deflate */
    }
    return 0;
}

/* The file's header into OUT (at least 64 bytes); returns its length. */
static size_t header(const pk_mandel_view *view, pk_mandel_format format, char *out)
{
    switch (format) {
    case PK_MANDEL_PBM: return (size_t)sprintf(out, "P4\n%u %u\n", view->width, view->height);
    case PK_MANDEL_PPM: return (size_t)sprintf(out, "P6\n%u %u\n255\n", view->width, view->height);
    case PK_MANDEL_RAW: return 0;
    case PK_MANDEL_PNG: {
        size_t len = 0;
        return pk_png_header(view->width, view->height, (unsigned char *)out, &len) == PK_OK ? len : 0;
    }
    }
    return 0;
}

uint64_t pk_mandel_file_bytes(const pk_mandel_view *view, pk_mandel_format format)
{
    char text[PK_PNG_HEADER_MAX];
    return header(view, format, text) + row_bytes(view, format) * view->height +
           (format == PK_MANDEL_PNG ? PK_PNG_TRAILER_BYTES + 12 * ((uint64_t)view->height + 1) : 0);
}

/* ---- colours ------------------------------------------------------------------------ */

enum { PALETTE = 1024 };

/* One period of a cosine palette (deep blue, white, orange), computed once. */
static unsigned char palette[PALETTE][3];
static pthread_once_t palette_once = PTHREAD_ONCE_INIT;

static void make_palette(void)
{
    static const double phase[3] = {0.0, 0.10, 0.20};
    for (int i = 0; i < PALETTE; i++) {
        double t = (double)i / PALETTE;
        for (int c = 0; c < 3; c++)
            palette[i][c] = (unsigned char)lround(255.0 * (0.5 + 0.5 * cos(2.0 * M_PI * (t + phase[c]))));
    }
}

/* The smooth iteration count of an escaped pixel, mu = k + 1 - log2(log2 |z|),
 * into a palette entry: 64 iterations a period. */
static const unsigned char *colour_of(uint32_t count, double norm)
{
    double mu = (double)count + 1.0 - log2(0.5 * log2(norm));
    double position = fmod(mu * (PALETTE / 64.0), (double)PALETTE);
    if (position < 0)
        position += PALETTE;
    return palette[(int)position % PALETTE];
}

/* ---- the plan and the job ---------------------------------------------------------- */

typedef struct mandel_job {
    const pk_mandel_options *options;
    pk_mandel_simd simd;
    uint32_t rows_per_unit;
    uint64_t units;
    uint64_t row_bytes;
    char header[PK_PNG_HEADER_MAX];
    size_t header_len;
    uint64_t *band_sums; /* png: each band's zlib checksum << 32 | its scanline bytes */
    /* png by place with a checkpoint: a band's result (its checkpointed
     * counter) is its pixels inside << 32 | its zlib checksum, so a resumed
     * run has every band's checksum for the trailer. */
    bool packed;
} mandel_job;

/* Bands of rows: about 64 Ki pixels each (short enough for a prompt
 * cancel, long enough that a unit is worth handing out), and at least 64
 * bands when the image has the rows.  The plan depends on the image
 * alone, so a checkpoint resumes under any threads and ranks. */
static void plan_bands(mandel_job *job)
{
    const pk_mandel_view *view = &job->options->view;
    uint32_t rows = 65536 / view->width;
    if (rows > view->height / 64)
        rows = view->height / 64;
    job->rows_per_unit = rows > 0 ? rows : 1;
    job->units = (view->height + job->rows_per_unit - 1) / job->rows_per_unit;
    job->row_bytes = row_bytes(view, job->options->format);
    job->header_len = header(view, job->options->format, job->header);
}

static uint32_t band_rows(const mandel_job *job, uint64_t unit)
{
    uint64_t first = unit * job->rows_per_unit, end = first + job->rows_per_unit;
    const uint32_t height = job->options->view.height;
    return (uint32_t)((end < height ? end : height) - first);
}

/* Unit UNIT's bytes in the file: the header comes with band 0. */
static uint64_t band_bytes(const mandel_job *job, uint64_t unit)
{
    return band_rows(job, unit) * job->row_bytes + (unit == 0 ? job->header_len : 0);
}

typedef struct band_worker {
    uint32_t *counts;
    double *norms;
    char *bytes;
    size_t len;
    unsigned char *pixels, *scanlines; /* png: the band's RGB, then filtered */
} band_worker;

/* The most bytes a band's output takes. */
static size_t band_capacity(const mandel_job *job)
{
    const size_t raw = job->rows_per_unit * job->row_bytes;
    return (job->options->format == PK_MANDEL_PNG ? pk_png_band_bound(raw) : raw) + job->header_len;
}

static void worker_destroy(void *state, void *worker_p);

static void *worker_create(void *state)
{
    const mandel_job *job = state;
    const size_t padded = ((size_t)job->options->view.width + 7) / 8 * 8;
    band_worker *worker = calloc(1, sizeof *worker);
    if (worker == NULL)
        return NULL;
    worker->counts = malloc(padded * sizeof *worker->counts);
    worker->norms = malloc(padded * sizeof *worker->norms);
    worker->bytes = malloc(band_capacity(job));
    if (job->options->format == PK_MANDEL_PNG) {
        worker->pixels = malloc(job->rows_per_unit * 3 * (size_t)job->options->view.width);
        worker->scanlines = malloc(job->rows_per_unit * job->row_bytes);
    }
    if (worker->counts == NULL || worker->norms == NULL || worker->bytes == NULL ||
        (job->options->format == PK_MANDEL_PNG && (worker->pixels == NULL || worker->scanlines == NULL))) {
        worker_destroy(state, worker);
        return NULL;
    }
    return worker;
}

static void worker_destroy(void *state, void *worker_p)
{
    (void)state;
    band_worker *worker = worker_p;
    if (worker == NULL)
        return;
    free(worker->counts);
    free(worker->norms);
    free(worker->bytes);
    free(worker->pixels);
    free(worker->scanlines);
    free(worker);
}

/* One row's escapes as bytes of FORMAT into OUT; returns the pixels inside. */
static uint64_t format_row(const pk_mandel_view *view, pk_mandel_format format, const uint32_t *counts,
                           const double *norms, unsigned char *out)
{
    uint64_t inside = 0;
    switch (format) {
    case PK_MANDEL_PBM:
        /* Eight pixels a byte, the first in the most significant bit; the
         * last byte of a row is padded with 0 bits. */
        memset(out, 0, ((size_t)view->width + 7) / 8);
        for (uint32_t x = 0; x < view->width; x++) {
            if (counts[x] == 0) {
                out[x / 8] |= (unsigned char)(0x80u >> (x % 8));
                inside++;
            }
        }
        break;
    case PK_MANDEL_PPM:
    case PK_MANDEL_PNG:
        for (uint32_t x = 0; x < view->width; x++) {
            if (counts[x] == 0) {
                out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = 0;
                inside++;
            } else {
                memcpy(out + 3 * x, colour_of(counts[x], norms[x]), 3);
            }
        }
        break;
    case PK_MANDEL_RAW:
        for (uint32_t x = 0; x < view->width; x++) {
            uint32_t count = counts[x];
            inside += count == 0;
            out[4 * x] = (unsigned char)count;
            out[4 * x + 1] = (unsigned char)(count >> 8);
            out[4 * x + 2] = (unsigned char)(count >> 16);
            out[4 * x + 3] = (unsigned char)(count >> 24);
        }
        break;
    }
    return inside;
}

/* A band: its rows' escapes, formatted (for png: deflated into an IDAT
 * chunk); counters[0] gets the pixels inside, counters[1] the bytes. */
static int band_unit(void *state, void *worker_p, uint64_t unit, uint64_t counters[])
{
    const mandel_job *job = state;
    band_worker *worker = worker_p;
    const pk_mandel_options *options = job->options;
    const bool png = options->format == PK_MANDEL_PNG;
    const double bailout = options->format == PK_MANDEL_PBM || options->format == PK_MANDEL_RAW ? BAILOUT_COUNTS
                                                                                                 : BAILOUT_COLOURS;
    unsigned char *out = (unsigned char *)worker->bytes;
    if (unit == 0) {
        memcpy(out, job->header, job->header_len);
        out += job->header_len;
    }
    const uint32_t first = (uint32_t)(unit * job->rows_per_unit), rows = band_rows(job, unit);
    const size_t pixel_row = 3 * (size_t)options->view.width;
    unsigned char *row = png ? worker->pixels : out;
    uint64_t inside = 0;
    for (uint32_t y = first; y < first + rows; y++) {
        pk_mandel_escape_row(&options->view, y, bailout, job->simd, worker->counts, worker->norms);
        inside += format_row(&options->view, options->format, worker->counts, worker->norms, row);
        row += png ? pixel_row : job->row_bytes;
    }
    if (png) {
        size_t len;
        uint32_t adler, raw_len;
        int rc = pk_png_band(worker->pixels, options->view.width, rows, PNG_LEVEL, worker->scanlines, out, &len,
                             &adler, &raw_len);
        if (rc != PK_OK)
            return rc;
        if (job->band_sums != NULL)
            job->band_sums[unit] = (uint64_t)adler << 32 | raw_len;
        if (job->packed)
            inside = inside << 32 | adler;
        out += len;
    } else {
        out = row;
    }
    worker->len = (size_t)(out - (unsigned char *)worker->bytes);
    counters[0] += inside;
    counters[1] += worker->len;
    return PK_OK;
}

/* png's last bytes: a job of one unit, run after the bands, whose output
 * closes the deflate stream with the checksum of every band (each rank
 * holds them all: the engine gathers unit values). */
typedef struct trailer_job {
    const mandel_job *image;
    unsigned char bytes[PK_PNG_TRAILER_BYTES];
} trailer_job;

static int trailer_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    (void)worker;
    (void)unit;
    trailer_job *trailer = state;
    const mandel_job *image = trailer->image;
    uint32_t adler = pk_png_adler_start();
    for (uint64_t band = 0; band < image->units; band++)
        adler = pk_png_adler_combine(adler, (uint32_t)(image->band_sums[band] >> 32), (uint32_t)image->band_sums[band]);
    pk_png_trailer(adler, trailer->bytes);
    counters[1] += sizeof trailer->bytes;
    return PK_OK;
}

static int trailer_output(void *state, void *worker, uint64_t unit, const char **data, size_t *len)
{
    (void)worker;
    (void)unit;
    *data = (const char *)((trailer_job *)state)->bytes;
    *len = sizeof ((trailer_job *)state)->bytes;
    return PK_OK;
}

static int band_output(void *state, void *worker_p, uint64_t unit, const char **data, size_t *len)
{
    (void)state;
    (void)unit;
    const band_worker *worker = worker_p;
    *data = worker->bytes;
    *len = worker->len;
    return PK_OK;
}

/* The most pixels a band can have inside: a loaded checkpoint's bound. */
static uint64_t band_limit(const void *state, uint64_t unit)
{
    const mandel_job *job = state;
    const uint64_t pixels = (uint64_t)band_rows(job, unit) * job->options->view.width;
    return job->packed ? pixels << 32 | UINT32_MAX : pixels;
}

/* A png written by place: each band's slot holds the most its chunk can
 * take (band 0's the header too); pk_png_join_slots closes the gaps. */
static uint64_t slot_bytes(const mandel_job *job, uint64_t unit)
{
    return pk_png_band_bound(band_rows(job, unit) * job->row_bytes) + (unit == 0 ? job->header_len : 0);
}

/* The last job of a png by place: one unit, run by one rank, that joins
 * the slots into one file and appends the trailer. */
typedef struct join_job {
    pk_outfile *file;
    size_t header_len;
    uint32_t adler;
} join_job;

static int join_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    (void)worker, (void)unit;
    join_job *join = state;
    uint64_t size = 0;
    int rc = pk_png_join_slots(join->file->fd, join->file->offsets, join->file->units, join->header_len,
                               join->adler, &size);
    if (rc == PK_EIO)
        atomic_store(&join->file->write_errno, errno != 0 ? errno : EIO);
    counters[1] += size;
    return rc == PK_EINVAL ? PK_EIO : rc;
}

static int set_up(mandel_job *job, const pk_mandel_options *options, pk_mandel_report *report, pk_job *engine_job)
{
    const pk_mandel_view *view = &options->view;
    if (view->width == 0 || view->height == 0 || view->iterations == 0 || !(view->xmin < view->xmax) ||
        !(view->ymin < view->ymax) || !isfinite(view->xmin) || !isfinite(view->xmax) || !isfinite(view->ymin) ||
        !isfinite(view->ymax) || (unsigned)options->format > PK_MANDEL_PNG)
        return PK_EINVAL;
    if (options->format == PK_MANDEL_PNG && !pk_png_available())
        return PK_ENOTSUP;
    *job = (mandel_job){.options = options, .simd = options->simd};
    if (job->simd == PK_MANDEL_SIMD_AUTO)
        job->simd = pk_mandel_simd_best();
    if (!pk_mandel_simd_available(job->simd))
        return PK_ENOTSUP;
    pthread_once(&palette_once, make_palette);
    plan_bands(job);
    if (options->format == PK_MANDEL_PNG && job->header_len == 0)
        return PK_ENOMEM; /* libpng could not make the header */
    *engine_job = (pk_job){
        .units = job->units,
        .state = job,
        .worker_create = worker_create,
        .worker_destroy = worker_destroy,
        .run_unit = band_unit,
        .unit_output = band_output,
    };
    if (report != NULL) {
        report->simd = job->simd;
        report->bytes = pk_mandel_file_bytes(view, options->format);
    }
    return PK_OK;
}

void pk_mandel_report_init(pk_mandel_report *report)
{
    *report = (pk_mandel_report){.simd = PK_MANDEL_SIMD_AUTO};
}

int pk_mandel_render(const pk_mandel_options *options, pk_write_fn write, void *ctx, pk_mandel_report *report)
{
    mandel_job job;
    pk_job engine_job;
    int rc = set_up(&job, options, report, &engine_job);
    if (rc != PK_OK)
        return rc;
    if (options->format == PK_MANDEL_PNG) {
        job.band_sums = calloc(job.units, sizeof *job.band_sums);
        if (job.band_sums == NULL)
            return PK_ENOMEM;
        engine_job.unit_values = job.band_sums;
    }
    pk_engine_options engine = options->engine;
    engine.write = write;
    engine.write_ctx = ctx;
    uint64_t counters[PK_JOB_MAX_COUNTERS];
    pk_engine_stats stats = {0};
    rc = pk_engine_run(&engine, &engine_job, counters, &stats);
    uint64_t bytes = counters[1];
    if (rc == PK_OK && options->format == PK_MANDEL_PNG) {
        trailer_job trailer = {.image = &job};
        pk_job closing = {.units = 1, .state = &trailer, .run_unit = trailer_unit, .unit_output = trailer_output,
                          .output_stays = true};
        uint64_t more[PK_JOB_MAX_COUNTERS];
        rc = pk_engine_run(&engine, &closing, more, NULL);
        bytes += more[1];
    }
    free(job.band_sums);
    if (report != NULL) {
        pk_run_report_add(&report->run, &stats, job.units);
        if (rc == PK_OK) {
            report->inside = counters[0];
            report->bytes = bytes;
        }
    }
    return rc;
}

int pk_mandel_render_to_file(const pk_mandel_options *options, int fd, pk_mandel_report *report)
{
    mandel_job job;
    pk_job engine_job;
    int rc = set_up(&job, options, report, &engine_job);
    if (rc != PK_OK)
        return rc;
    const bool png = options->format == PK_MANDEL_PNG, checkpointed = options->checkpoint_path != NULL;
    uint64_t *sizes = malloc(job.units * sizeof *sizes);
    if (png && !checkpointed) /* every rank gets each band's checksum from the engine */
        job.band_sums = calloc(job.units, sizeof *job.band_sums);
    if (sizes == NULL || (png && !checkpointed && job.band_sums == NULL)) {
        free(sizes);
        free(job.band_sums);
        return PK_ENOMEM;
    }
    engine_job.unit_values = job.band_sums;
    job.packed = png && checkpointed;
    for (uint64_t unit = 0; unit < job.units; unit++)
        sizes[unit] = png ? slot_bytes(&job, unit) : band_bytes(&job, unit);
    pk_checkpoint checkpoint = {0};
    pk_rounds rounds = {.path = options->checkpoint_path, .interval = options->checkpoint_interval,
                        .resume = options->resume};
    pk_outfile file;
    pk_outfile_init(&file, fd, options->output_path != NULL ? options->output_path : "the output");
    file.slots = png;
    /* A checkpoint is checked first: the partial file it names is touched
     * only once it is known to be this job's. */
    if (checkpointed && (rc = pk_checkpoint_init(&checkpoint, job.units)) == PK_OK) {
        const pk_mandel_view *view = &options->view;
        snprintf(checkpoint.identity, sizeof checkpoint.identity,
                 "command mandel\nsize %ux%u\nregion %a %a %a %a\niterations %u\nformat %s\noutput %s\nunits %llu\n",
                 view->width, view->height, view->xmin, view->xmax, view->ymin, view->ymax, view->iterations,
                 pk_mandel_format_name(options->format), options->output_path != NULL ? options->output_path : "-",
                 (unsigned long long)job.units);
        checkpoint.result_limit = band_limit;
        checkpoint.limit_ctx = &job;
        rc = pk_rounds_start(&options->engine, &rounds, &checkpoint);
    }
    if (rc == PK_OK) {
        char why[400] = "";
        rc = pk_outfile_lay_out(&file, sizes, job.units, checkpointed ? &checkpoint : NULL,
                                options->engine.distributed, why, sizeof why);
        if (rc == PK_EINVAL)
            snprintf(rounds.error, sizeof rounds.error, "cannot resume from %s: %s", options->checkpoint_path, why);
    }
    pk_engine_options engine = options->engine;
    engine.write_at = pk_outfile_write_unit;
    engine.write_at_ctx = &file;
    uint64_t inside = 0;
    uint32_t adler = pk_png_adler_start();
    if (rc == PK_OK && checkpointed) {
        /* Bands already in the partial file (says the checkpoint) stay. */
        rounds.before_save = pk_outfile_sync;
        rounds.before_save_ctx = &file;
        pk_engine_stats stats = {0};
        rc = pk_rounds_run(&engine, &engine_job, &checkpoint, &rounds, &stats);
        if (report != NULL)
            pk_run_report_add(&report->run, &stats, job.units);
        for (uint64_t unit = 0; unit < checkpoint.units; unit++) {
            const uint64_t result = checkpoint.results[unit];
            inside += png ? result >> 32 : result;
            if (png)
                adler = pk_png_adler_combine(adler, (uint32_t)result, (uint32_t)(band_rows(&job, unit) * job.row_bytes));
        }
        /* A png is joined after this: a kill while it is being joined
         * must find no checkpoint, since the slots move. */
        pk_rounds_finish(&options->engine, &rounds, rc);
    } else if (rc == PK_OK) {
        uint64_t counters[PK_JOB_MAX_COUNTERS];
        pk_engine_stats stats = {0};
        rc = pk_engine_run(&engine, &engine_job, counters, &stats);
        if (report != NULL)
            pk_run_report_add(&report->run, &stats, job.units);
        inside = counters[0];
        for (uint64_t unit = 0; png && unit < job.units; unit++)
            adler = pk_png_adler_combine(adler, (uint32_t)(job.band_sums[unit] >> 32), (uint32_t)job.band_sums[unit]);
    }
    uint64_t bytes = file.units > 0 ? file.offsets[file.units] : 0;
    if (rc == PK_OK && png) {
        join_job join = {.file = &file, .header_len = job.header_len, .adler = adler};
        pk_job closing = {.units = 1, .state = &join, .run_unit = join_unit};
        uint64_t more[PK_JOB_MAX_COUNTERS];
        rc = pk_engine_run(&options->engine, &closing, more, NULL);
        bytes = more[1];
    }
    if (checkpointed) {
        pk_run_report_rounds(report != NULL ? &report->run : NULL, &rounds, checkpoint.units);
        pk_checkpoint_free(&checkpoint);
    }
    if (report != NULL) {
        report->write_errno = atomic_load(&file.write_errno);
        if (rc == PK_OK) {
            report->inside = inside;
            report->bytes = bytes;
        }
    }
    pk_outfile_free(&file);
    free(sizes);
    free(job.band_sums);
    return rc;
}
