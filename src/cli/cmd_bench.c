/*
 * `parkit bench`: every built kernel under every model (sequential, OpenMP
 * threads, MPI ranks started with mpirun, hybrid), strong and weak scaling,
 * each point validated and repeated; a table, files for people and
 * scripts, and a cost model fitted to the points.  The study's runs are
 * child processes of this binary (bench_runs.c); this file reads the
 * options, measures the machine, plans the points and runs them, repeats
 * in turn so that a disturbance of the machine spreads over every point.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/bench.h"
#include "cli/cli.h"
#include "core/json_fields.h"
#include "parkit/comm.h"
#include "parkit/cpus.h"
#include "parkit/probe.h"
#include "parkit/status.h"

static const char bench_usage[] =
    "usage: parkit bench [--quick | --size F] [--kernels LIST] [--models LIST] [-o DIR] [options]\n"
    "       parkit bench --from DIR [-o DIR]\n"
    "\n"
    "Runs the kernels under every model - sequential, OpenMP threads, MPI ranks\n"
    "(started with mpirun), hybrid ranks x threads - at 1..P processors, for strong\n"
    "scaling (the same problem) and weak scaling (the problem grown with P); each\n"
    "point validated and repeated.  Prints a table: time (min and median of the\n"
    "repeats), speedup, parallel efficiency, the Karp-Flatt serial fraction, the\n"
    "communication share, load imbalance, peak memory per process and in total;\n"
    "then the fitted serial fraction of each kernel and the cost model's predicted\n"
    "efficiency at 16 to 1024 ranks (docs/cost-model.md).\n"
    "\n"
    "options:\n"
    "      --quick            small sizes: the whole study in under a minute on 2 cores\n"
    "      --size F           the default sizes times F (e.g. 0.5, 4)\n"
    "      --kernels LIST     of primes, check, mandel, heat (default: all)\n"
    "      --models LIST      of seq, omp, mpi, hybrid (default: all this build and\n"
    "                         machine can run; mpi and hybrid need mpirun on PATH)\n"
    "      --scaling strong|weak|both  (default both)\n"
    "      --max-procs P      the most processors (ranks x threads) a point uses\n"
    "                         (default: the CPUs this process may run on)\n"
    "      --oversubscribe    allow --max-procs above the CPUs\n"
    "      --repeat N         runs of each point (default 3; min and median)\n"
    "      --run-timeout S    seconds one run may take (default 600)\n"
    "  -o, --output DIR       write runs.csv, points.csv, bench.json, gnuplot\n"
    "                         scripts and (with gnuplot) PNG plots, and report.md\n"
    "      --from DIR         read the runs of DIR/*.csv (a study's runs.csv, or the\n"
    "                         task files of slurm/scaling-study.sbatch) instead of\n"
    "                         running: the same table, plots and report\n"
    "      --machine FILE     price the model's messages with FILE's latency and\n"
    "                         bandwidth (what --probe prints, or a study's\n"
    "                         machine.json), e.g. a ping-pong between two nodes\n"
    "      --probe            measure this machine (under mpirun -np 2: latency and\n"
    "                         bandwidth too) and print it as JSON\n"
    "      --row              read a parkit JSON report (primes count, primes check,\n"
    "                         mandel, heat) on stdin and print it as a runs.csv row\n"
    "                         (header first), --scaling and --repeat as given: what\n"
    "                         slurm/scaling-study.sbatch writes for --from\n"
    "  -h, --help             this help\n"
    "\n"
    "example: parkit bench --quick -o bench-results\n";

typedef struct bench_options {
    bool quick, oversubscribe, probe, row, scaling_given, repeat_given;
    double size_factor, run_timeout;
    bool kernels[BENCH_MAX_KERNELS];
    bool models[BENCH_MODELS], models_given;
    bool strong, weak;
    int max_procs, repeat;
    const char *output, *from, *machine;
} bench_options;

static const char what[] = "bench";

static int parse_list(const char *option, const char *text, bool *chosen, int count,
                      int (*index_of)(const char *name))
{
    for (int i = 0; i < count; i++)
        chosen[i] = false;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", text);
    char *save = NULL;
    int found = 0;
    for (char *name = strtok_r(copy, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
        int i = index_of(name);
        if (i < 0) {
            cli_error(what, "%s: unknown name '%s'", option, name);
            return PK_EXIT_USAGE;
        }
        chosen[i] = true;
        found++;
    }
    if (found == 0) {
        cli_error(what, "%s needs at least one name", option);
        return PK_EXIT_USAGE;
    }
    return PK_EXIT_OK;
}

static int model_index(const char *name)
{
    for (int i = 0; i < BENCH_MODELS; i++)
        if (strcmp(bench_model_name((bench_model)i), name) == 0)
            return i;
    return -1;
}

static int parse_positive(const char *option, const char *text, double *value, bool integer)
{
    char *end;
    errno = 0;
    double x = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !(x > 0) || !isfinite(x) || (integer && x != floor(x))) {
        cli_error(what, "bad %s '%s': expected a positive %s", option, text, integer ? "integer" : "number");
        return PK_EXIT_USAGE;
    }
    *value = x;
    return PK_EXIT_OK;
}

static int parse_options(int argc, char **argv, bench_options *o)
{
    *o = (bench_options){.size_factor = 1, .run_timeout = 600, .strong = true, .weak = true, .repeat = 3};
    for (int i = 0; i < BENCH_MAX_KERNELS; i++)
        o->kernels[i] = bench_kernel_at(i) != NULL;
    for (int i = 0; i < BENCH_MODELS; i++)
        o->models[i] = true;
    bool sized = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        double x;
        int rc = PK_EXIT_OK;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(bench_usage, stdout);
            return -1;
        }
        if (strcmp(arg, "--quick") == 0) {
            o->quick = true;
            continue;
        }
        if (strcmp(arg, "--oversubscribe") == 0) {
            o->oversubscribe = true;
            continue;
        }
        if (strcmp(arg, "--probe") == 0) {
            o->probe = true;
            continue;
        }
        if (strcmp(arg, "--row") == 0) {
            o->row = true;
            continue;
        }
        static const char *const with_value[] = {"--size",   "--kernels", "--models", "--scaling", "--max-procs",
                                                 "--repeat", "--run-timeout", "-o", "--output", "--from",
                                                 "--machine"};
        bool known = false;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            known = known || strcmp(arg, with_value[k]) == 0;
        if (!known) {
            cli_error(what, "unknown option '%s' (try 'parkit bench --help')", arg);
            return PK_EXIT_USAGE;
        }
        if (value == NULL) {
            cli_error(what, "%s needs a value", arg);
            return PK_EXIT_USAGE;
        }
        i++;
        if (strcmp(arg, "--size") == 0) {
            rc = parse_positive(arg, value, &o->size_factor, false);
            sized = true;
        } else if (strcmp(arg, "--kernels") == 0) {
            rc = parse_list(arg, value, o->kernels, BENCH_MAX_KERNELS, bench_kernel_index);
        } else if (strcmp(arg, "--models") == 0) {
            rc = parse_list(arg, value, o->models, BENCH_MODELS, model_index);
            o->models_given = true;
        } else if (strcmp(arg, "--scaling") == 0) {
            o->scaling_given = true;
            o->strong = strcmp(value, "strong") == 0 || strcmp(value, "both") == 0;
            o->weak = strcmp(value, "weak") == 0 || strcmp(value, "both") == 0;
            if (!o->strong && !o->weak) {
                cli_error(what, "bad --scaling '%s': expected strong, weak or both", value);
                rc = PK_EXIT_USAGE;
            }
        } else if (strcmp(arg, "--max-procs") == 0) {
            rc = parse_positive(arg, value, &x, true);
            if (rc == PK_EXIT_OK && x > 4096) {
                cli_error(what, "bad --max-procs '%s': at most 4096", value);
                rc = PK_EXIT_USAGE;
            }
            o->max_procs = rc == PK_EXIT_OK ? (int)x : 0;
        } else if (strcmp(arg, "--repeat") == 0) {
            o->repeat_given = true;
            rc = parse_positive(arg, value, &x, true);
            if (rc == PK_EXIT_OK && x > 100) {
                cli_error(what, "bad --repeat '%s': at most 100", value);
                rc = PK_EXIT_USAGE;
            }
            o->repeat = rc == PK_EXIT_OK ? (int)x : 0;
        } else if (strcmp(arg, "--run-timeout") == 0) {
            rc = parse_positive(arg, value, &o->run_timeout, false);
        } else if (strcmp(arg, "--from") == 0) {
            o->from = value;
        } else if (strcmp(arg, "--machine") == 0) {
            o->machine = value;
        } else {
            o->output = value;
        }
        if (rc != PK_EXIT_OK)
            return rc;
    }
    if (o->quick && sized) {
        cli_error(what, "choose one of --quick and --size");
        return PK_EXIT_USAGE;
    }
    return PK_EXIT_OK;
}

/* ---- the machine ------------------------------------------------------------------- */

/* `parkit bench --probe`: under mpirun -np 2 (or more), what a message
 * costs between two ranks; in any process, the triad's memory bandwidth. */
static int run_probe(void)
{
    int ready = cli_ranks_ready(PK_EXIT_OK, 1, NULL);
    if (ready != PK_EXIT_OK)
        return ready;
    const double latency = pk_probe_pingpong(8, 2000);
    const size_t big = (size_t)4 << 20;
    const double big_seconds = pk_probe_pingpong(big, 20);
    const int cpus = pk_cpus_available();
    double triad = 0;
    if (pk_comm_rank() == 0)
        triad = pk_probe_triad((size_t)1 << 23, cpus, 5);
    if (pk_comm_rank() != 0)
        return PK_EXIT_OK;
    const double bandwidth = big_seconds > latency ? (double)big / (big_seconds - latency) : 0;
    printf("{\"ranks\":%d,\"latency\":%.9g,\"bandwidth\":%.6g,\"memory_bandwidth\":%.6g,\"triad_threads\":%d}\n",
           pk_comm_size(), latency, bandwidth, triad, cpus);
    return PK_EXIT_OK;
}

/* `parkit bench --row`: a run of another study as a row of runs.csv. */
static int report_row(const bench_options *o)
{
    if (o->scaling_given && o->strong && o->weak) {
        cli_error(what, "--row: --scaling strong or weak (a run is one of them)");
        return PK_EXIT_USAGE;
    }
    bench_run run;
    char why[512];
    int rc = bench_run_from_report(stdin, &run, why, sizeof why);
    if (rc != PK_EXIT_OK) {
        cli_error(what, "--row: standard input: %s", why);
        return rc;
    }
    run.scaling = o->scaling_given && o->weak ? BENCH_WEAK : BENCH_STRONG;
    run.repeat = o->repeat_given ? o->repeat : 1;
    bench_csv_header(stdout);
    bench_csv_row(stdout, &run);
    return PK_EXIT_OK;
}

/* mpirun on PATH, and whose it is. */
static bool find_mpirun(bench_launcher *launcher)
{
    const char *path = getenv("PATH");
    char copy[8192];
    snprintf(copy, sizeof copy, "%s", path != NULL ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
        snprintf(launcher->mpirun, sizeof launcher->mpirun, "%s/mpirun", *dir != '\0' ? dir : ".");
        if (access(launcher->mpirun, X_OK) == 0)
            return true;
    }
    launcher->mpirun[0] = '\0';
    return false;
}

/* The first line of a file in the work directory ("" when there is none). */
static void first_line(const char *path, char *line, size_t len)
{
    line[0] = '\0';
    FILE *in = fopen(path, "r");
    if (in == NULL)
        return;
    if (fgets(line, (int)len, in) != NULL)
        line[strcspn(line, "\n")] = '\0';
    fclose(in);
}

/* What mpirun --version says first, and whether it is Open MPI. */
static void mpirun_version(bench_launcher *launcher, char *version, size_t len)
{
    char out[4300], err[4300];
    snprintf(out, sizeof out, "%s/version.out", launcher->work);
    snprintf(err, sizeof err, "%s/version.err", launcher->work);
    char *argv[] = {launcher->mpirun, "--version", NULL};
    version[0] = '\0';
    if (bench_spawn(launcher, argv, out, err) >= 0)
        first_line(out, version, len);
    if (version[0] == '\0')
        first_line(err, version, len);
    launcher->open_mpi = strstr(version, "Open MPI") != NULL || strstr(version, "OpenRTE") != NULL;
}

/* The ping-pong under mpirun -np 2, and the triad in this process. */
static void measure_machine(const bench_launcher *launcher, bench_machine *m, int threads)
{
    m->memory_bandwidth = pk_probe_triad((size_t)1 << 23, threads, 5);
    m->triad_threads = threads;
    if (launcher->mpirun[0] == '\0')
        return;
    char out[4300], err[4300];
    snprintf(out, sizeof out, "%s/probe.json", launcher->work);
    snprintf(err, sizeof err, "%s/probe.err", launcher->work);
    char *open_mpi[] = {(char *)launcher->mpirun, "-np", "2", "--bind-to", "none", (char *)launcher->self, "bench",
                        "--probe", NULL};
    char *other[] = {(char *)launcher->mpirun, "-np", "2", (char *)launcher->self, "bench", "--probe", NULL};
    if (bench_spawn(launcher, launcher->open_mpi ? open_mpi : other, out, err) != 0)
        return;
    char json[1024];
    first_line(out, json, sizeof json);
    pk_json_number(json, "latency", &m->latency);
    pk_json_number(json, "bandwidth", &m->bandwidth);
}

/* ---- the study ------------------------------------------------------------------------ */

typedef struct planned {
    const bench_kernel *kernel;
    bench_scaling scaling;
    bench_model model;
    int ranks, threads; /* ranks 0: no mpirun */
    double size;
} planned;

/* 1, 2, 4, ... up to P, and P. */
static int procs_series(int max_procs, int *procs)
{
    int n = 0;
    for (int p = 1; p <= max_procs; p *= 2)
        procs[n++] = p;
    if (procs[n - 1] != max_procs)
        procs[n++] = max_procs;
    return n;
}

static size_t plan(const bench_options *o, bool mpi, planned *points, size_t most)
{
    int procs[32];
    const int count = procs_series(o->max_procs, procs);
    size_t n = 0;
    for (int k = 0; bench_kernel_at(k) != NULL; k++) {
        if (!o->kernels[k])
            continue;
        const bench_kernel *kernel = bench_kernel_at(k);
        const double size = bench_kernel_size(kernel, o->quick, o->size_factor);
        for (int s = 0; s < 2; s++) {
            const bench_scaling scaling = s == 0 ? BENCH_STRONG : BENCH_WEAK;
            if ((scaling == BENCH_STRONG && !o->strong) || (scaling == BENCH_WEAK && !o->weak))
                continue;
            for (int i = 0; i < count; i++) {
                const int p = procs[i];
                /* Weak scaling's one-processor points are strong scaling's. */
                if (scaling == BENCH_WEAK && p == 1 && o->strong)
                    continue;
                const double sized = scaling == BENCH_WEAK ? size * p : size;
#define ADD(MODEL, R, T)                                                                                               \
    if (n < most)                                                                                                      \
    points[n++] = (planned){kernel, scaling, MODEL, R, T, sized}
                if (p == 1 && o->models[BENCH_SEQ])
                    ADD(BENCH_SEQ, 0, 1);
                if (p > 1 && o->models[BENCH_OMP])
                    ADD(BENCH_OMP, 0, p);
                if (mpi && o->models[BENCH_MPI])
                    ADD(BENCH_MPI, p, 1);
                for (int r = 2; mpi && o->models[BENCH_HYBRID] && r <= p / 2; r++)
                    if (p % r == 0)
                        ADD(BENCH_HYBRID, r, p / r);
#undef ADD
            }
        }
    }
    return n;
}

/* The first answer of each kernel and size, that every other run of them must give. */
typedef struct answer_seen {
    char kernel[16];
    double size;
    char answer[64];
} answer_seen;

static bool same_answer(answer_seen *seen, size_t *count, size_t most, const bench_run *run)
{
    for (size_t i = 0; i < *count; i++)
        if (strcmp(seen[i].kernel, run->kernel) == 0 && seen[i].size == run->size)
            return strcmp(seen[i].answer, run->answer) == 0;
    if (*count < most) {
        answer_seen *s = &seen[(*count)++];
        snprintf(s->kernel, sizeof s->kernel, "%s", run->kernel);
        s->size = run->size;
        snprintf(s->answer, sizeof s->answer, "%s", run->answer);
    }
    return true;
}

static void describe_point(const planned *p, bool quick, char *buf, size_t len)
{
    char size[96];
    bench_kernel_describe_size(p->kernel, quick, p->size, size, sizeof size);
    snprintf(buf, len, "%s %s %s %dx%d (%s)", bench_kernel_name(p->kernel), bench_scaling_name(p->scaling),
             bench_model_name(p->model), p->ranks > 0 ? p->ranks : 1, p->threads, size);
}

/* Runs every point REPEAT times, a round of all points at a time.  Rows go
 * to CSV (when open) as they come, so an interrupted study keeps them. */
static int run_study(const bench_options *o, const bench_launcher *launcher, const planned *points, size_t count,
                     bench_study *study, FILE *csv)
{
    answer_seen seen[64];
    size_t seen_count = 0;
    int rc = PK_EXIT_OK;
    const bool tty = isatty(STDERR_FILENO);
    const size_t total = count * (size_t)o->repeat;
    size_t done = 0;
    for (int repeat = 1; repeat <= o->repeat; repeat++) {
        for (size_t i = 0; i < count; i++) {
            const planned *p = &points[i];
            char name[256], why[1024];
            describe_point(p, o->quick, name, sizeof name);
            if (tty)
                fprintf(stderr, "\rparkit: bench: run %zu of %zu: %-60.60s", ++done, total, name);
            bench_run run;
            int status = bench_run_once(launcher, p->kernel, p->size, p->ranks, p->threads, &run, why, sizeof why);
            if (status == PK_EXIT_INTERRUPTED) {
                if (tty)
                    fputc('\n', stderr);
                return status;
            }
            run.scaling = p->scaling;
            run.model = p->model;
            run.repeat = repeat;
            if (status == PK_EXIT_OK && !same_answer(seen, &seen_count, sizeof seen / sizeof seen[0], &run)) {
                run.validated = false;
                snprintf(why, sizeof why, "answered %s, not what its first run answered", run.answer);
                status = PK_EXIT_FAILURE;
            }
            if (status != PK_EXIT_OK) {
                if (tty)
                    fputc('\n', stderr);
                cli_error(what, "%s, repeat %d: %s", name, repeat, why);
                rc = PK_EXIT_FAILURE;
                if (run.seconds <= 0)
                    continue; /* no report: nothing to keep */
            }
            if (!bench_study_add(study, &run)) {
                cli_error(what, "out of memory");
                return PK_EXIT_FAILURE;
            }
            if (csv != NULL)
                bench_csv_row(csv, &run);
        }
    }
    if (tty)
        fprintf(stderr, "\r%-100s\r", "");
    return rc;
}

static bool make_directory(const char *path)
{
    return mkdir(path, 0777) == 0 || errno == EEXIST;
}

static void remove_work(const char *work)
{
    DIR *dir = opendir(work);
    if (dir != NULL) {
        struct dirent *e;
        char path[4400];
        while ((e = readdir(dir)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", work, e->d_name);
            unlink(path);
        }
        closedir(dir);
    }
    rmdir(work);
}

/* Table, files and where they are; returns RC, or a failure of the files
 * or of a point's validation. */
static int finish(const bench_study *study, const char *output, bool write_runs, int rc)
{
    bench_print_table(study, stdout);
    size_t invalid = 0;
    for (size_t i = 0; i < study->point_count; i++)
        invalid += !study->points[i].validated;
    if (invalid > 0) {
        cli_error(what, "%zu point%s of %zu failed validation (valid: NO in the table)", invalid,
                  invalid == 1 ? "" : "s", study->point_count);
        rc = PK_EXIT_FAILURE;
    }
    if (output == NULL)
        return rc;
    bool plotted = false;
    char why[512] = "";
    if (bench_write_files(study, output, write_runs, &plotted, why, sizeof why) != 0) {
        cli_error(what, "cannot write the results in %s: %s", output, why);
        return PK_EXIT_FAILURE;
    }
    printf("\nreport: %s/report.md (beside it: runs.csv, points.csv, bench.json, machine.json, *.gp%s)\n", output,
           plotted ? ", speedup.png, efficiency.png, split.png"
                   : "; no plots: gnuplot is not installed (apt-get install gnuplot-nox)");
    return rc;
}

int cli_bench(int argc, char **argv)
{
    bench_options o;
    int rc = parse_options(argc, argv, &o);
    if (rc != PK_EXIT_OK)
        return rc < 0 ? PK_EXIT_OK : rc;
    if (o.probe)
        return run_probe();
    if (o.row)
        return report_row(&o);
    if (cli_launched_by_mpi()) {
        cli_error(what, "parkit bench starts its own runs (mpirun for ranks): run it without mpirun");
        return PK_EXIT_USAGE;
    }
    bench_study study = {0};
    if (o.from != NULL) {
        char why[512] = "";
        if (bench_read_dir(&study, o.from, why, sizeof why) != 0) {
            cli_error(what, "cannot read the runs of %s: %s", o.from, why);
            bench_study_free(&study);
            return PK_EXIT_FAILURE;
        }
        if (o.machine != NULL && !bench_read_machine(o.machine, &study.machine)) {
            cli_error(what, "--machine %s: cannot read a latency and a bandwidth from it", o.machine);
            bench_study_free(&study);
            return PK_EXIT_FAILURE;
        }
        snprintf(study.title, sizeof study.title, "the runs of %s%s%s", o.from, o.machine ? ", messages priced by " : "",
                 o.machine ? o.machine : "");
        if (!bench_study_summarize(&study)) {
            cli_error(what, "out of memory");
            bench_study_free(&study);
            return PK_EXIT_FAILURE;
        }
        /* Its runs are written to another folder, not again among themselves. */
        const char *output = o.output != NULL ? o.output : o.from;
        char from_real[PATH_MAX], output_real[PATH_MAX];
        const bool elsewhere = realpath(o.from, from_real) == NULL || realpath(output, output_real) == NULL ||
                               strcmp(from_real, output_real) != 0;
        rc = finish(&study, output, elsewhere, PK_EXIT_OK);
        bench_study_free(&study);
        return rc;
    }

    const int cpus = pk_cpus_available();
    if (o.max_procs == 0)
        o.max_procs = cpus;
    if (o.max_procs > cpus && !o.oversubscribe) {
        cli_error(what, "--max-procs %d: this process may run on %d CPUs; add --oversubscribe to run more", o.max_procs,
                  cpus);
        return PK_EXIT_USAGE;
    }
    bench_launcher launcher = {.timeout = o.run_timeout, .quick = o.quick, .cancel = cli_signals_install()};
    ssize_t n = readlink("/proc/self/exe", launcher.self, sizeof launcher.self - 1);
    if (n <= 0) {
        cli_error(what, "cannot find this program's own file (/proc/self/exe): %s", strerror(errno));
        return PK_EXIT_FAILURE;
    }
    launcher.self[n] = '\0';
    char work[4200];
    if (o.output != NULL) {
        if (!make_directory(o.output)) {
            cli_error(what, "cannot create %s: %s", o.output, strerror(errno));
            return PK_EXIT_FAILURE;
        }
        snprintf(work, sizeof work, "%s/.work", o.output);
        if (!make_directory(work)) {
            cli_error(what, "cannot create %s: %s", work, strerror(errno));
            return PK_EXIT_FAILURE;
        }
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(work, sizeof work, "%s/parkit-bench.XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
        if (mkdtemp(work) == NULL) {
            cli_error(what, "cannot create a work directory %s: %s", work, strerror(errno));
            return PK_EXIT_FAILURE;
        }
    }
    launcher.work = work;
    study.machine.cpus = cpus;
    /* Open MPI as root, and slots: the study has checked the processors. */
    if (geteuid() == 0) {
        setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
        setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
    }
    setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 0);

#ifndef _OPENMP
    if (o.models[BENCH_OMP] || o.models[BENCH_HYBRID]) {
        if (o.models_given && !o.models[BENCH_SEQ] && !o.models[BENCH_MPI]) {
            cli_error(what, "--models: this parkit is built without OpenMP (one thread a process)");
            remove_work(work);
            return PK_EXIT_USAGE;
        }
        if (o.models_given)
            cli_note(what, "OpenMP and hybrid points left out: this parkit is built without OpenMP");
        o.models[BENCH_OMP] = o.models[BENCH_HYBRID] = false;
    }
#endif
    bool mpi = false;
    const bool want_mpi = o.models[BENCH_MPI] || o.models[BENCH_HYBRID];
    if (!pk_comm_built_with_mpi()) {
        snprintf(study.machine.mpi, sizeof study.machine.mpi, "none: this parkit is built without MPI");
    } else if (!find_mpirun(&launcher)) {
        snprintf(study.machine.mpi, sizeof study.machine.mpi, "none: mpirun is not on PATH");
    } else {
        char version[96];
        mpirun_version(&launcher, version, sizeof version);
        snprintf(study.machine.mpi, sizeof study.machine.mpi, "%s", version[0] != '\0' ? version : "mpirun");
        mpi = want_mpi;
    }
    if (want_mpi && !mpi) {
        if (o.models_given && !o.models[BENCH_SEQ] && !o.models[BENCH_OMP]) {
            cli_error(what, "--models %s: no MPI here (%s)", o.models[BENCH_MPI] ? "mpi" : "hybrid",
                      study.machine.mpi);
            remove_work(work);
            return PK_EXIT_FAILURE;
        }
        cli_note(what, "MPI and hybrid points left out: %s", study.machine.mpi);
    }

    measure_machine(&launcher, &study.machine, o.max_procs < cpus ? o.max_procs : cpus);
    if (o.machine != NULL && !bench_read_machine(o.machine, &study.machine)) {
        cli_error(what, "--machine %s: cannot read a latency and a bandwidth from it", o.machine);
        remove_work(work);
        return PK_EXIT_FAILURE;
    }
    planned points[512];
    const size_t count = plan(&o, mpi, points, sizeof points / sizeof points[0]);
    snprintf(study.title, sizeof study.title, "%d CPUs, up to %d processors, %s sizes, %d repeats; MPI: %s", cpus,
             o.max_procs, o.quick ? "quick" : o.size_factor != 1 ? "scaled" : "default", o.repeat, study.machine.mpi);

    FILE *csv = NULL;
    char csv_path[4200];
    if (o.output != NULL) {
        snprintf(csv_path, sizeof csv_path, "%s/runs.csv", o.output);
        if ((csv = bench_csv_open(csv_path)) == NULL) {
            cli_error(what, "cannot write %s: %s", csv_path, strerror(errno));
            remove_work(work);
            return PK_EXIT_FAILURE;
        }
    }
    rc = run_study(&o, &launcher, points, count, &study, csv);
    if (csv != NULL && fclose(csv) != 0) {
        cli_error(what, "cannot write %s: %s", csv_path, strerror(errno));
        rc = PK_EXIT_FAILURE;
    }
    remove_work(work);
    if (!bench_study_summarize(&study)) {
        cli_error(what, "out of memory");
        bench_study_free(&study);
        return PK_EXIT_FAILURE;
    }
    if (rc == PK_EXIT_INTERRUPTED)
        cli_error(what, "interrupted by signal %d: the table and files hold the runs finished before it",
                  cli_signal_received());
    rc = finish(&study, o.output, true, rc);
    bench_study_free(&study);
    return rc;
}
