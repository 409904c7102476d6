/*
 * The heat solver (parkit/heat.h): the problem on a grid of tiles
 * (parkit/grid.h), its first field (built in, or read from a file), the
 * steps with checkpoints, then what the field says (checksum, extremes,
 * the sine mode's error) and the field's file.  The arithmetic is in
 * stencil.c; who computes and who talks to whom is the grid layer's.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernels/heat/heat_internal.h"
#include "parkit/heat.h"
#include "parkit/status.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "field files are little-endian doubles, written as the host stores them: a big-endian host needs byte swaps"
#endif

/* Two copies of a tile past this many bytes are far beyond any cache. */
#define STREAM_BYTES ((uint64_t)256 << 20)

static const char magic[8] = {'P', 'K', 'H', 'E', 'A', 'T', '0', '1'}; /* PK_HEAT_MAGIC, no NUL */
_Static_assert(sizeof PK_HEAT_MAGIC == sizeof magic + 1, "the magic is 8 bytes");

/* A field file's header, as laid out on disk (heat.h). */
typedef struct heat_header {
    char magic[8];
    uint64_t nx, ny, step;
    double alpha, dt, time;
    double edges[4];
    uint64_t identity;
    double range[2];
    unsigned char zeros[PK_HEAT_HEADER_BYTES - 8 - 3 * 8 - 3 * 8 - 4 * 8 - 8 - 2 * 8];
} heat_header;
_Static_assert(sizeof(heat_header) == PK_HEAT_HEADER_BYTES, "the header is 128 bytes");

/* FNV-1a over BYTES, on top of HASH. */
static uint64_t fnv(uint64_t hash, const void *bytes, size_t len)
{
    const unsigned char *b = bytes;
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ b[i]) * 0x100000001b3u;
    return hash;
}

/* The first field's identity: the case and its numbers (a file's by its
 * name), so a checkpoint is resumed only by the run that made it. */
static uint64_t identity_of(const pk_heat_problem *problem)
{
    uint64_t hash = fnv(0xcbf29ce484222325u, &problem->init, sizeof problem->init);
    if (problem->init == PK_HEAT_HOTSPOT)
        hash = fnv(hash, &problem->hot, sizeof problem->hot);
    if (problem->init == PK_HEAT_FILE && problem->init_path != NULL)
        hash = fnv(hash, problem->init_path, strlen(problem->init_path));
    return hash;
}

static heat_header header_of(const pk_heat_problem *problem, uint64_t step, const double range[2])
{
    heat_header h = {.nx = problem->nx, .ny = problem->ny, .step = step, .alpha = problem->alpha,
                     .dt = problem->dt, .time = (double)step * problem->dt, .identity = identity_of(problem),
                     .range = {range[0], range[1]}};
    memcpy(h.magic, magic, sizeof magic);
    memcpy(h.edges, problem->edges, sizeof h.edges);
    return h;
}

/* Does checkpoint H belong to this problem?  NULL, or what differs. */
static const char *mismatch(const heat_header *h, const pk_heat_problem *problem)
{
    if (memcmp(h->magic, magic, sizeof magic) != 0)
        return "not a parkit heat field";
    if (h->nx != problem->nx || h->ny != problem->ny)
        return "another grid size";
    if (memcmp(&h->alpha, &problem->alpha, sizeof h->alpha) != 0 || memcmp(&h->dt, &problem->dt, sizeof h->dt) != 0)
        return "another diffusivity or time step";
    if (memcmp(h->edges, problem->edges, sizeof h->edges) != 0)
        return "other edge temperatures";
    if (h->identity != identity_of(problem))
        return "another initial field";
    return NULL;
}

typedef struct heat_state {
    const pk_heat_options *options;
    pk_heat_report *report;
    pk_grid grid;
} heat_state;

/* The first field's lowest and highest value, its frame included: the
 * scale of the snapshots, and of every later field (heat only spreads). */
static void first_range(heat_state *s)
{
    const pk_heat_problem *problem = &s->options->problem;
    const pk_grid_tally field = pk_grid_tally_rows(&s->grid, heat_checksum_row, (void *)problem);
    double lo = field.min, hi = field.max;
    for (int e = 0; e < 4; e++) {
        lo = problem->edges[e] < lo ? problem->edges[e] : lo;
        hi = problem->edges[e] > hi ? problem->edges[e] : hi;
    }
    s->report->range[0] = lo, s->report->range[1] = hi;
}

/* A snapshot (pk_grid_run's pause): the field now, coloured on the first
 * field's scale, to the caller's frames. */
static int snapshot(void *ctx)
{
    heat_state *s = ctx;
    int rc = heat_snapshot_take(&s->grid, &s->options->frames, s->grid.step, s->report->range[0],
                                s->report->range[1]);
    if (rc == PK_OK)
        s->report->snapshots++;
    else if (s->report->error[0] == '\0')
        snprintf(s->report->error, sizeof s->report->error, "cannot take the snapshot of step %llu: %s",
                 (unsigned long long)s->grid.step, pk_strerror(rc));
    return rc;
}

/* Saves the checkpoint (pk_grid_run's save): the field at this step. */
static int save_checkpoint(void *ctx)
{
    heat_state *s = ctx;
    heat_header h = header_of(&s->options->problem, s->grid.step, s->report->range);
    char why[400];
    int rc = pk_grid_save(&s->grid, s->options->checkpoint_path, &h, sizeof h, why, sizeof why);
    if (rc != PK_OK)
        snprintf(s->report->run.checkpoint_error, sizeof s->report->run.checkpoint_error,
                 "cannot save the checkpoint to %s: %s", s->options->checkpoint_path, why);
    return rc;
}

/* The field from the checkpoint when asked to resume and there is one.
 * PK_OK (resumed or not), or a failure with the report's error. */
static int resume(heat_state *s)
{
    const pk_heat_options *o = s->options;
    pk_run_report *run = &s->report->run;
    heat_header h;
    uint64_t size;
    char why[400];
    int rc = pk_grid_read_header(o->checkpoint_path, &h, sizeof h, &size, why, sizeof why);
    if (rc == PK_EOF) {
        snprintf(run->checkpoint_note, sizeof run->checkpoint_note, "no checkpoint at %s: starting afresh",
                 o->checkpoint_path);
        return PK_OK;
    }
    if (rc != PK_OK) {
        snprintf(run->checkpoint_error, sizeof run->checkpoint_error, "cannot resume from %s: %s",
                 o->checkpoint_path, why);
        return PK_EIO;
    }
    const char *other = size < sizeof h ? "too short for a heat field" : mismatch(&h, &o->problem);
    if (other != NULL) {
        snprintf(run->checkpoint_error, sizeof run->checkpoint_error, "cannot resume from %s: it is %s%s",
                 o->checkpoint_path, other, size < sizeof h ? "" : " (another run's checkpoint)");
        return PK_EINVAL;
    }
    if (size != sizeof h + h.nx * h.ny * sizeof(double) || h.step > o->steps) {
        snprintf(run->checkpoint_error, sizeof run->checkpoint_error, "cannot resume from %s: %s",
                 o->checkpoint_path, h.step > o->steps ? "it is past the steps asked for" : "it is damaged (size)");
        return h.step > o->steps ? PK_EINVAL : PK_EIO;
    }
    rc = pk_grid_load(&s->grid, o->checkpoint_path, sizeof h, why, sizeof why);
    if (rc != PK_OK) {
        snprintf(run->checkpoint_error, sizeof run->checkpoint_error, "cannot resume from %s: %s",
                 o->checkpoint_path, why);
        return rc;
    }
    s->grid.step = h.step;
    s->report->resumed_step = h.step;
    memcpy(s->report->range, h.range, sizeof h.range);
    return PK_OK;
}

/* The first field from problem.init_path: a field file of this grid's
 * size, or exactly NX x NY doubles.  PK_OK, or a failure with the error. */
static int read_initial(heat_state *s)
{
    const pk_heat_problem *problem = &s->options->problem;
    heat_header h;
    uint64_t size;
    char why[400];
    int rc = pk_grid_read_header(problem->init_path, &h, sizeof h, &size, why, sizeof why);
    if (rc != PK_OK) {
        snprintf(s->report->error, sizeof s->report->error, "--init: %s", why);
        s->report->usage_error = true;
        return PK_EINVAL;
    }
    const uint64_t cells = problem->nx * problem->ny * sizeof(double);
    uint64_t offset;
    if (size >= sizeof h && memcmp(h.magic, magic, sizeof magic) == 0) {
        if (h.nx != problem->nx || h.ny != problem->ny || size != sizeof h + h.nx * h.ny * sizeof(double)) {
            snprintf(s->report->error, sizeof s->report->error,
                     "--init %s: a field of %" PRIu64 " x %" PRIu64 " cells%s, but the grid is %" PRIu64 " x %" PRIu64,
                     problem->init_path, h.nx, h.ny,
                     size != sizeof h + h.nx * h.ny * sizeof(double) ? " (and damaged)" : "", problem->nx,
                     problem->ny);
            s->report->usage_error = true;
            return PK_EINVAL;
        }
        offset = sizeof h;
    } else if (size == cells) {
        offset = 0;
    } else {
        snprintf(s->report->error, sizeof s->report->error,
                 "--init %s: %" PRIu64 " bytes is neither a heat field file nor %" PRIu64 " x %" PRIu64
                 " doubles (%" PRIu64 " bytes)",
                 problem->init_path, size, problem->nx, problem->ny, cells);
        s->report->usage_error = true;
        return PK_EINVAL;
    }
    rc = pk_grid_load(&s->grid, problem->init_path, offset, why, sizeof why);
    if (rc != PK_OK)
        snprintf(s->report->error, sizeof s->report->error, "--init: %s", why);
    return rc;
}

/* What the field says at the end: checksum, extremes, the sine mode's errors. */
static void measure(heat_state *s)
{
    pk_heat_report *report = s->report;
    const pk_heat_problem *problem = &s->options->problem;
    pk_grid_tally sum = pk_grid_tally_rows(&s->grid, heat_checksum_row, (void *)problem);
    report->checksum = sum.sum;
    report->max = sum.max;
    report->min = sum.min;
    report->validated_case = problem->init == PK_HEAT_SINE;
    if (!report->validated_case)
        return;
    heat_exact exact = {.problem = problem, .amplitude = heat_scheme_decay(problem, s->grid.step)};
    report->error_scheme = pk_grid_tally_rows(&s->grid, heat_error_row, &exact).max;
    exact.amplitude = heat_equation_decay(problem, s->grid.step);
    report->error_equation = pk_grid_tally_rows(&s->grid, heat_error_row, &exact).max;
    /* Rounding: each step may add a few units in the last place of the
     * amplitude (the first is 1) to a cell. */
    report->tolerance_scheme = 1e-12 + 8.0 * (double)s->grid.step * 0x1p-52;
    report->validated = report->error_scheme <= report->tolerance_scheme;
}

int pk_heat_solve(const pk_heat_options *options, pk_heat_report *report)
{
    const pk_heat_problem *problem = &options->problem;
    int rc = pk_heat_check(problem, report->error, sizeof report->error);
    if (rc != PK_OK) {
        report->usage_error = true;
        return rc;
    }
    heat_state s = {.options = options, .report = report};
    pk_grid_options grid_options = options->grid;
    grid_options.nx = problem->nx, grid_options.ny = problem->ny;
    rc = pk_grid_create(&s.grid, &grid_options, report->error, sizeof report->error);
    if (rc != PK_OK) {
        report->usage_error = rc == PK_EINVAL || rc == PK_ERANGE; /* refused before allocating */
        return rc;
    }
    report->ranks_x = s.grid.ranks_x, report->ranks_y = s.grid.ranks_y;
    pk_grid_fill(&s.grid, heat_fill, (void *)problem);
    if (options->checkpoint_path != NULL && options->resume)
        rc = resume(&s);
    if (rc == PK_OK && report->resumed_step == 0 && problem->init == PK_HEAT_FILE)
        rc = read_initial(&s);
    if (rc == PK_OK && report->resumed_step == 0)
        first_range(&s);

    heat_coefficients k = heat_coefficients_of(problem);
    /* Step by step, a tile far larger than the caches streams through
     * memory anyway: its new values skip the cache.  Blocks (--time-block)
     * live in cache, where streaming stores would only hurt. */
    k.stream = s.grid.time_block <= 1 && pk_grid_bytes_per_rank(&s.grid) > STREAM_BYTES;
    pk_grid_run run = {
        .sweep = heat_sweep,
        .ctx = &k,
        .last_step = options->steps,
        .tolerance = options->tolerance,
        .check_every = options->check_every > 0 ? options->check_every : 100,
        .cancel = options->cancel,
        .save_interval = options->checkpoint_path != NULL
                             ? (options->checkpoint_interval > 0 ? options->checkpoint_interval : 60)
                             : 0,
        .save = options->checkpoint_path != NULL ? save_checkpoint : NULL,
        .save_ctx = &s,
        .progress = options->progress,
        .pause_every = options->snapshot_every,
        .pause = snapshot,
        .pause_ctx = &s,
    };
    const uint64_t first_step = s.grid.step;
    /* The first field too, unless a resumed run took it already. */
    if (rc == PK_OK && options->snapshot_every > 0 && s.grid.step % options->snapshot_every == 0 &&
        report->resumed_step == 0)
        rc = snapshot(&s);
    if (rc == PK_OK)
        rc = pk_grid_run_steps(&s.grid, &run);
    report->steps = s.grid.step;
    report->steps_run = s.grid.step - first_step;
    report->time = (double)s.grid.step * problem->dt;
    report->last_change = run.last_change;
    report->converged = run.converged;
    if (rc == PK_ECANCELED && options->checkpoint_path != NULL)
        report->run.checkpoint_saved = save_checkpoint(&s) == PK_OK;
    if (rc == PK_OK) {
        measure(&s);
        if (options->output_path != NULL) {
            heat_header h = header_of(problem, s.grid.step, report->range);
            char why[400];
            rc = pk_grid_save(&s.grid, options->output_path, &h, sizeof h, why, sizeof why);
            if (rc != PK_OK)
                snprintf(report->error, sizeof report->error, "%s", why);
        }
        if (rc == PK_OK && options->image_write != NULL) {
            rc = heat_write_image(&s.grid, report->min, report->max, options->image_write, options->image_ctx);
            if (rc == PK_ENOTSUP || rc == PK_ENOMEM)
                snprintf(report->error, sizeof report->error, "cannot make the PNG: %s",
                         rc == PK_ENOTSUP ? "this build has no libpng" : "out of memory");
        }
        /* A finished run needs no checkpoint: a later --resume starts afresh. */
        if (rc == PK_OK && options->checkpoint_path != NULL && s.grid.rank_x == 0 && s.grid.rank_y == 0)
            unlink(options->checkpoint_path);
    }
    report->grid = s.grid.stats;
    pk_run_report *r = &report->run;
    r->compute_seconds = s.grid.stats.compute_seconds;
    r->comm_seconds = s.grid.stats.halo_seconds + s.grid.stats.control_seconds;
    r->output_seconds = s.grid.stats.io_seconds;
    r->units = options->steps;
    r->units_name = "step";
    r->units_run = report->steps_run;
    r->units_resumed = report->resumed_step;
    r->threads = s.grid.threads;
    r->busy_threads = s.grid.threads < PK_BUSY_THREADS ? s.grid.threads : PK_BUSY_THREADS;
    memcpy(r->thread_busy, s.grid.stats.thread_busy, sizeof r->thread_busy);
    pk_grid_destroy(&s.grid);
    return rc;
}
