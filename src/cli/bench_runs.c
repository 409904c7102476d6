/*
 * `parkit bench`: the kernels of the study and one run of each.  A run is
 * a child parkit (this binary) with --json, under mpirun for ranks, so every
 * model is timed the way a user runs it and reports its own time split and
 * memory; the study reads that report back.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/bench.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/json_fields.h"

extern char **environ;

typedef enum { KERNEL_PRIMES, KERNEL_CHECK, KERNEL_MANDEL, KERNEL_HEAT } kernel_kind;

struct bench_kernel {
    kernel_kind kind;
    const char *name, *about, *pattern;
    /* The strong-scaling size (what grows in weak scaling): default and
     * --quick, about 2 s and 0.2 s on one core of a 2020s x86. */
    double size, quick;
    /* What stays fixed: an image's width, a grid's columns and steps. */
    int width, quick_width, steps, quick_steps;
};

static const bench_kernel kernels[] = {
    {KERNEL_PRIMES, "primes",
     "primes count 0..N: a segmented sieve; equal units, one reduction of the counts at the end",
     "reduction", 2e10, 2e9, 0, 0, 0, 0},
    {KERNEL_CHECK, "check",
     "primes check of a file of 64-bit numbers: reader threads, Miller-Rabin, answers written in order",
     "hand-outs and ordered output", 3e6, 3e5, 0, 0, 0, 0},
    {KERNEL_MANDEL, "mandel",
     "a Mandelbrot image, bands of rows: the cost of a row varies a hundredfold across the image",
     "hand-outs and an image gathered", 3072, 1536, 2048, 1024, 0, 0},
    {KERNEL_HEAT, "heat",
     "a 2-D heat stencil (sine start, checked against the exact decay): tiles trade halos every step",
     "halo exchange", 2048, 1024, 2048, 1024, 200, 100},
};

const int bench_predict_ranks[BENCH_PREDICT_COUNT] = {16, 64, 256, 1024};

const bench_kernel *bench_kernel_at(int index)
{
    return index >= 0 && (size_t)index < sizeof kernels / sizeof kernels[0] ? &kernels[index] : NULL;
}

int bench_kernel_index(const char *name)
{
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        if (strcmp(kernels[i].name, name) == 0)
            return (int)i;
    return -1;
}

const bench_kernel *bench_kernel_named(const char *name)
{
    return bench_kernel_at(bench_kernel_index(name));
}

const char *bench_kernel_name(const bench_kernel *kernel)
{
    return kernel->name;
}

const char *bench_kernel_about(const bench_kernel *kernel)
{
    return kernel->about;
}

const char *bench_kernel_pattern(const bench_kernel *kernel)
{
    return kernel->pattern;
}

double bench_kernel_size(const bench_kernel *kernel, bool quick, double factor)
{
    const double size = round((quick ? kernel->quick : kernel->size) * factor);
    return size < 1 ? 1 : size;
}

/* What stays fixed as the size grows: the quick study's or the default's. */
static int width_of(const bench_kernel *k, bool quick)
{
    return quick ? k->quick_width : k->width;
}

static int steps_of(const bench_kernel *k, bool quick)
{
    return quick ? k->quick_steps : k->steps;
}

void bench_kernel_describe_size(const bench_kernel *kernel, bool quick, double size, char *buf, size_t len)
{
    switch (kernel->kind) {
    case KERNEL_PRIMES: snprintf(buf, len, "primes up to %.0f", size); break;
    case KERNEL_CHECK: snprintf(buf, len, "%.0f numbers", size); break;
    case KERNEL_MANDEL: snprintf(buf, len, "%dx%.0f pixels", width_of(kernel, quick), size); break;
    case KERNEL_HEAT:
        snprintf(buf, len, "%dx%.0f cells, %d steps", width_of(kernel, quick), size, steps_of(kernel, quick));
        break;
    }
}

const char *bench_model_name(bench_model model)
{
    static const char *const names[] = {"seq", "omp", "mpi", "hybrid"};
    return model < BENCH_MODELS ? names[model] : "?";
}

const char *bench_scaling_name(bench_scaling scaling)
{
    return scaling == BENCH_WEAK ? "weak" : "strong";
}

/* ---- inputs ------------------------------------------------------------------------ */

/* A file of COUNT 64-bit numbers with no factor below 200, so that each
 * one costs a Miller-Rabin test (a fifth of them are prime), made once and
 * kept in the work directory: the same numbers for every model. */
static int numbers_file(const char *work, double count, char *path, size_t len)
{
    if (snprintf(path, len, "%s/numbers-%.0f.txt", work, count) >= (int)len)
        return ENAMETOOLONG;
    struct stat st;
    if (stat(path, &st) == 0)
        return 0;
    char temporary[4300];
    if (snprintf(temporary, sizeof temporary, "%s.tmp", path) >= (int)sizeof temporary)
        return ENAMETOOLONG;
    FILE *out = fopen(temporary, "w");
    if (out == NULL)
        return errno;
    static const unsigned small[] = {3,   5,   7,   11,  13,  17,  19,  23,  29,  31,  37,  41,  43,  47,  53,
                                     59,  61,  67,  71,  73,  79,  83,  89,  97,  101, 103, 107, 109, 113, 127,
                                     131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199};
    uint64_t state = 0x9e3779b97f4a7c15u; /* splitmix64 */
    for (double made = 0; made < count;) {
        uint64_t z = (state += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        z ^= z >> 31;
        const uint64_t n = (z >> 1) | (UINT64_C(1) << 62) | 1;
        bool rough = true;
        for (size_t i = 0; i < sizeof small / sizeof small[0] && rough; i++)
            rough = n % small[i] != 0;
        if (rough) {
            fprintf(out, "%" PRIu64 "\n", n);
            made++;
        }
    }
    int err = ferror(out) ? EIO : 0;
    if (fclose(out) != 0 && err == 0)
        err = errno;
    if (err == 0 && rename(temporary, path) != 0)
        err = errno;
    if (err != 0)
        unlink(temporary);
    return err;
}

/* ---- a child process ------------------------------------------------------------------ */

static void stop_child(pid_t pid, int *status)
{
    kill(pid, SIGTERM); /* mpirun passes it on to the ranks */
    for (int i = 0; i < 500; i++) {
        if (waitpid(pid, status, WNOHANG) == pid)
            return;
        nanosleep(&(struct timespec){0, 10000000L}, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, status, 0);
}

int bench_spawn(const bench_launcher *launcher, char *const argv[], const char *out, const char *err)
{
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    posix_spawn_file_actions_addopen(&files, STDERR_FILENO, err, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &files, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&files);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    const double deadline = pk_clock_seconds() + launcher->timeout;
    int status = 0;
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            break;
        if (done < 0 && errno != EINTR)
            return -1;
        if (launcher->cancel != NULL && atomic_load(launcher->cancel) != 0) {
            stop_child(pid, &status);
            return PK_EXIT_INTERRUPTED;
        }
        if (pk_clock_seconds() > deadline) {
            stop_child(pid, &status);
            return 124;
        }
        nanosleep(&(struct timespec){0, 5000000L}, NULL);
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The file's text, at most MAX bytes from its end (a check report ends
 * with its summary after every answer); NULL when it cannot be read. */
static char *read_tail(const char *path, size_t max, size_t *skipped)
{
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        return NULL;
    *skipped = 0;
    if (fseek(in, 0, SEEK_END) == 0) {
        long size = ftell(in);
        if (size > (long)max) {
            *skipped = (size_t)size - max;
            fseek(in, -(long)max, SEEK_END);
        } else {
            rewind(in);
        }
    }
    char *text = malloc(max + 1);
    size_t n = text != NULL ? fread(text, 1, max, in) : 0;
    fclose(in);
    if (text != NULL)
        text[n] = '\0';
    return text;
}

/* A report read from IN: all of it, or, when it is longer than 64 KiB (a
 * check report holds every answer before its summary), its summary alone,
 * made an object of the key-value pairs after the answers.  Returns the
 * malloc'd text and sets *report to the object in it ("" when a long text
 * has no such summary), or NULL when out of memory or IN cannot be read. */
static char *read_report_text(FILE *in, const char **report)
{
    enum { KEEP = 1 << 16 };
    size_t capacity = 2 * KEEP, have = 0;
    bool cut = false;
    char *text = malloc(capacity + 1);
    if (text == NULL)
        return NULL;
    for (;;) {
        if (have == capacity) { /* keep the last 64 KiB */
            memmove(text, text + have - KEEP, KEEP);
            have = KEEP;
            cut = true;
        }
        size_t n = fread(text + have, 1, capacity - have, in);
        have += n;
        if (n == 0)
            break;
    }
    if (ferror(in)) {
        free(text);
        return NULL;
    }
    text[have] = '\0';
    *report = text;
    if (cut) {
        char *summary = strstr(text, "}],\"tested\":");
        if (summary != NULL)
            summary[2] = '{'; /* "],"tested"..." becomes "{"tested"...": the summary alone */
        *report = summary != NULL ? summary + 2 : "";
    }
    return text;
}

/* The last line of a child's stderr, as the reason it failed. */
static void last_message(const char *path, char *why, size_t len)
{
    size_t skipped;
    char *text = read_tail(path, 4096, &skipped);
    if (text == NULL)
        return;
    size_t n = strlen(text);
    while (n > 0 && text[n - 1] == '\n')
        text[--n] = '\0';
    const char *line = strrchr(text, '\n');
    line = line != NULL ? line + 1 : text;
    if (*line != '\0')
        snprintf(why, len, "%s", line);
    free(text);
}

/* A 64-bit FNV-1a of a file (mandel's image: the same bytes on every model). */
static bool hash_file(const char *path, uint64_t *hash)
{
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        return false;
    uint64_t h = 0xcbf29ce484222325u;
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        for (size_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * 0x100000001b3u;
    bool ok = !ferror(in);
    fclose(in);
    *hash = h;
    return ok;
}

/* ---- one run ---------------------------------------------------------------------------- */

enum { MAX_ARGS = 40 };

/* A command line of copies, in one pool; overflow: too long to run. */
typedef struct arguments {
    char *argv[MAX_ARGS];
    int argc;
    char pool[32768];
    size_t used;
    bool overflow;
} arguments;

static void add(arguments *a, const char *text)
{
    const size_t len = strlen(text) + 1;
    if (a->argc >= MAX_ARGS - 1 || a->used + len > sizeof a->pool) {
        a->overflow = true;
        return;
    }
    a->argv[a->argc++] = memcpy(a->pool + a->used, text, len);
    a->argv[a->argc] = NULL;
    a->used += len;
}

static void add_number(arguments *a, const char *format, double x, double y)
{
    char text[96];
    snprintf(text, sizeof text, format, x, y);
    add(a, text);
}

/* The child's command line: [mpirun -np R ...] parkit KERNEL ARGS --threads T --json. */
static int build_command(const bench_launcher *l, const bench_kernel *k, double size, int ranks, int threads,
                         arguments *a, char *image, size_t image_len)
{
    a->argc = 0;
    a->used = 0;
    a->overflow = false;
    if (ranks > 0) {
        add(a, l->mpirun);
        add(a, "-np");
        add_number(a, "%.0f", ranks, 0);
        if (l->open_mpi) {
            /* Bound ranks get one core each and libgomp then one thread;
             * the study places its threads itself. */
            add(a, "--bind-to");
            add(a, "none");
            add(a, "-x");
            add(a, "OMP_NUM_THREADS");
        } else {
            add(a, "-bind-to");
            add(a, "none");
        }
    }
    /* argv[0] of a spawn is the path: the binary's own, and mpirun's. */
    add(a, l->self);
    char path[4200];
    switch (k->kind) {
    case KERNEL_PRIMES:
        add(a, "primes");
        add(a, "count");
        add(a, "0");
        add_number(a, "%.0f", size, 0);
        break;
    case KERNEL_CHECK: {
        int err = numbers_file(l->work, size, path, sizeof path);
        if (err != 0)
            return err;
        add(a, "primes");
        add(a, "check");
        add(a, path);
        break;
    }
    case KERNEL_MANDEL:
        add(a, "mandel");
        add(a, "--size");
        add_number(a, "%.0fx%.0f", width_of(k, l->quick), size);
        /* A fixed region: a taller image is the same picture in more rows,
         * so the work grows with the rows and keeps its shape. */
        add(a, "--region");
        add(a, "-2.5,1,-1.3125,1.3125");
        add(a, "--format");
        add(a, "ppm");
        add(a, "-o");
        if (snprintf(image, image_len, "%s/mandel.ppm", l->work) >= (int)image_len)
            return ENAMETOOLONG;
        add(a, image);
        break;
    case KERNEL_HEAT:
        add(a, "heat");
        add(a, "--size");
        add_number(a, "%.0fx%.0f", width_of(k, l->quick), size);
        add(a, "--steps");
        add_number(a, "%.0f", steps_of(k, l->quick), 0);
        add(a, "--init");
        add(a, "sine");
        break;
    }
    add(a, "--threads");
    add_number(a, "%.0f", threads, 0);
    add(a, "--json");
    return a->overflow ? ENAMETOOLONG : 0;
}

/* What a report says, into RUN; false when it is not a report. */
static bool read_report(const bench_kernel *k, const char *json, const char *image, bench_run *run, char *why,
                        size_t why_len)
{
    double x;
    if (!pk_json_number(json, "seconds", &run->seconds)) {
        snprintf(why, why_len, "its report has no \"seconds\"");
        return false;
    }
    run->compute = pk_json_number(json, "compute_seconds_per_rank.avg", &x) ? x : NAN;
    run->comm = pk_json_number(json, "comm_seconds_per_rank.avg", &x) ? x : 0;
    double io = 0;
    if (pk_json_number(json, "input_wait_seconds", &x))
        io += x;
    if (pk_json_number(json, "output_wait_seconds", &x))
        io += x;
    if (pk_json_number(json, "io_seconds_per_rank.avg", &x))
        io += x;
    run->io = io;
    double threads_imbalance = 1, ranks_imbalance = 1;
    pk_json_number(json, "imbalance.threads", &threads_imbalance);
    pk_json_number(json, "imbalance.ranks", &ranks_imbalance);
    run->imbalance = threads_imbalance > ranks_imbalance ? threads_imbalance : ranks_imbalance;
    run->rss_kib = pk_json_number(json, "peak_rss_kib_per_rank.max", &x) ? x : NAN;
    run->rss_kib_total = pk_json_number(json, "peak_rss_kib_total", &x) ? x : NAN;
    run->units = pk_json_number(json, "units", &x) ? x : 0;
    bool own_check = true, checked;
    switch (k->kind) {
    case KERNEL_PRIMES:
        if (!pk_json_number(json, "count", &x))
            return snprintf(why, why_len, "its report has no \"count\""), false;
        snprintf(run->answer, sizeof run->answer, "%.0f", x);
        /* null: no known value or bound for this range; only false fails. */
        own_check = !(pk_json_bool(json, "validated", &checked) && !checked);
        break;
    case KERNEL_CHECK: {
        double tested;
        if (!pk_json_number(json, "primes", &x) || !pk_json_number(json, "tested", &tested))
            return snprintf(why, why_len, "its report has no \"primes\" and \"tested\""), false;
        snprintf(run->answer, sizeof run->answer, "%.0f/%.0f", x, tested);
        own_check = tested == run->size;
        /* Every answer travels to rank 0, which writes them in order. */
        run->gather_bytes = 50 * tested;
        break;
    }
    case KERNEL_MANDEL: {
        uint64_t hash;
        double inside;
        if (!pk_json_number(json, "inside", &inside) || (image[0] != '\0' && !hash_file(image, &hash)))
            return snprintf(why, why_len, "no \"inside\" in its report, or its image cannot be read"), false;
        /* The image's bytes too, when there is an image file to read. */
        if (image[0] != '\0')
            snprintf(run->answer, sizeof run->answer, "%.0f:%016" PRIx64, inside, hash);
        else
            snprintf(run->answer, sizeof run->answer, "%.0f", inside);
        run->gather_bytes = pk_json_number(json, "bytes", &x) ? x : 0;
        break;
    }
    case KERNEL_HEAT: {
        if (!pk_json_string(json, "checksum", run->answer, sizeof run->answer))
            return snprintf(why, why_len, "its report has no \"checksum\""), false;
        /* Only the sine start has an exact answer to check against. */
        own_check = !(pk_json_bool(json, "validation.validated", &checked) && !checked);
        run->nx = pk_json_number(json, "nx", &x) ? x : 0;
        run->ny = pk_json_number(json, "ny", &x) ? x : 0;
        run->steps = pk_json_number(json, "steps_run", &x) ? x : 0;
        run->bytes_per_update = pk_json_number(json, "bytes_per_update", &x) ? x : 0;
        run->units = 0; /* steps, not hand-outs */
        break;
    }
    }
    if (isnan(run->compute))
        run->compute = run->seconds;
    run->validated = own_check;
    if (!own_check)
        snprintf(why, why_len, "its own check failed");
    return true;
}

int bench_run_once(const bench_launcher *launcher, const bench_kernel *kernel, double size, int ranks, int threads,
                   bench_run *run, char *why, size_t why_len)
{
    memset(run, 0, sizeof *run);
    snprintf(run->kernel, sizeof run->kernel, "%s", kernel->name);
    run->ranks = ranks > 0 ? ranks : 1;
    run->threads = threads;
    run->size = size;
    why[0] = '\0';
    arguments a;
    char image[4200] = "";
    int err = build_command(launcher, kernel, size, ranks, threads, &a, image, sizeof image);
    if (err != 0) {
        snprintf(why, why_len, "cannot write its input in %s: %s", launcher->work, strerror(err));
        return PK_EXIT_FAILURE;
    }
    char out[4200], errors[4200], threads_text[16];
    if (snprintf(out, sizeof out, "%s/run.json", launcher->work) >= (int)sizeof out ||
        snprintf(errors, sizeof errors, "%s/run.err", launcher->work) >= (int)sizeof errors) {
        snprintf(why, why_len, "the work directory's name is too long");
        return PK_EXIT_FAILURE;
    }
    snprintf(threads_text, sizeof threads_text, "%d", threads);
    setenv("OMP_NUM_THREADS", threads_text, 1);
    int rc = bench_spawn(launcher, a.argv, out, errors);
    if (rc == PK_EXIT_INTERRUPTED)
        return PK_EXIT_INTERRUPTED;
    if (rc != 0) {
        if (rc < 0)
            snprintf(why, why_len, "cannot start %s: %s", a.argv[0], strerror(errno));
        else if (rc == 124)
            snprintf(why, why_len, "no answer after %g s (--run-timeout)", launcher->timeout);
        else
            snprintf(why, why_len, "exit %d", rc);
        char message[512] = "";
        last_message(errors, message, sizeof message);
        if (message[0] != '\0' && rc != 124) {
            size_t n = strlen(why);
            snprintf(why + n, why_len - n, ": %s", message);
        }
        return PK_EXIT_FAILURE;
    }
    FILE *in = fopen(out, "rb");
    const char *report = "";
    char *json = in != NULL ? read_report_text(in, &report) : NULL;
    if (in != NULL)
        fclose(in);
    if (json == NULL) {
        snprintf(why, why_len, "cannot read its report %s: %s", out, strerror(errno));
        return PK_EXIT_FAILURE;
    }
    bool ok = read_report(kernel, report, image, run, why, why_len);
    free(json);
    if (image[0] != '\0')
        unlink(image);
    return ok && run->validated ? PK_EXIT_OK : PK_EXIT_FAILURE;
}

/* ---- a report of another study's run ------------------------------------------------ */

int bench_run_from_report(FILE *in, bench_run *run, char *why, size_t why_len)
{
    memset(run, 0, sizeof *run);
    why[0] = '\0';
    const char *report;
    char *json = read_report_text(in, &report);
    if (json == NULL) {
        snprintf(why, why_len, "cannot read the report: %s", strerror(errno));
        return PK_EXIT_FAILURE;
    }
    char command[32] = "";
    double x, lo = 0;
    const bench_kernel *k = NULL;
    if (report != json && *report != '\0')
        k = &kernels[KERNEL_CHECK]; /* only check's report is that long */
    else if (pk_json_string(report, "command", command, sizeof command))
        for (size_t i = 0; i < sizeof kernels / sizeof kernels[0] && k == NULL; i++)
            if (strcmp(command, kernels[i].kind == KERNEL_PRIMES   ? "primes count"
                                : kernels[i].kind == KERNEL_CHECK ? "primes check"
                                                                  : kernels[i].name) == 0)
                k = &kernels[i];
    int rc = PK_EXIT_OK;
    if (k == NULL) {
        snprintf(why, why_len, "not the JSON report of primes count, primes check, mandel or heat%s%s%s",
                 command[0] ? " (it is " : "", command, command[0] ? "'s)" : "");
        rc = PK_EXIT_USAGE;
    } else if (!pk_json_number(report, "ranks", &x) || (run->ranks = (int)x) < 1 ||
               !pk_json_number(report, "threads", &x) || (run->threads = (int)x) < 1) {
        snprintf(why, why_len, "the report has no \"ranks\" and \"threads\"");
        rc = PK_EXIT_USAGE;
    } else {
        snprintf(run->kernel, sizeof run->kernel, "%s", k->name);
        run->model = run->ranks > 1 ? (run->threads > 1 ? BENCH_HYBRID : BENCH_MPI)
                                    : (run->threads > 1 ? BENCH_OMP : BENCH_SEQ);
        /* The size that grows in weak scaling, as the study's own runs have it. */
        static const char *const size_key[] = {"hi", "tested", "height", "ny"};
        pk_json_number(report, "lo", &lo);
        if (pk_json_number(report, size_key[k->kind], &x))
            run->size = k->kind == KERNEL_PRIMES ? x - lo : x;
        char image[4096] = "";
        if (k->kind == KERNEL_MANDEL)
            pk_json_string(report, "output", image, sizeof image);
        if (!read_report(k, report, image, run, why, why_len))
            rc = PK_EXIT_USAGE;
    }
    free(json);
    return rc;
}
