/*
 * `parkit bench`: what its files share.  cmd_bench.c reads the options and
 * runs the study; bench_runs.c knows each kernel's command and starts one
 * run (a child parkit, under mpirun for ranks) and reads its JSON report;
 * bench_points.c makes points of the runs (min and median of the repeats,
 * speedup, efficiency, Karp-Flatt, the fits and the cost model's
 * predictions) and prints the table; bench_files.c writes the CSV, the
 * JSON, the gnuplot scripts and plots, and report.md, and reads a CSV back
 * (--from).
 */
#ifndef PK_CLI_BENCH_H
#define PK_CLI_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "parkit/scaling.h"

enum { BENCH_MAX_KERNELS = 4, BENCH_PREDICT_COUNT = 4 };

/* The ranks the cost model predicts for. */
extern const int bench_predict_ranks[BENCH_PREDICT_COUNT];

typedef enum { BENCH_SEQ, BENCH_OMP, BENCH_MPI, BENCH_HYBRID, BENCH_MODELS } bench_model;
typedef enum { BENCH_STRONG, BENCH_WEAK } bench_scaling;

const char *bench_model_name(bench_model model);
const char *bench_scaling_name(bench_scaling scaling);

/* A kernel of the study: how to run it, how big, and its messages. */
typedef struct bench_kernel bench_kernel;
const bench_kernel *bench_kernel_named(const char *name);
int bench_kernel_index(const char *name); /* -1 for no kernel of the study */
const bench_kernel *bench_kernel_at(int index); /* NULL past the last */
const char *bench_kernel_name(const bench_kernel *kernel);
/* What it is and why it scales as it does, for the report. */
const char *bench_kernel_about(const bench_kernel *kernel);
const char *bench_kernel_pattern(const bench_kernel *kernel);
/* Its strong-scaling size: default or --quick, times --size. */
double bench_kernel_size(const bench_kernel *kernel, bool quick, double factor);
/* The size's words ("hi 1e9", "2048x1536 pixels"). */
void bench_kernel_describe_size(const bench_kernel *kernel, bool quick, double size, char *buf, size_t len);

/* One measured run: a row of runs.csv. */
typedef struct bench_run {
    char kernel[16];
    bench_scaling scaling;
    bench_model model;
    int ranks, threads;
    double size;
    int repeat;
    double seconds, compute, comm, io; /* compute and comm: average per rank */
    double imbalance;                  /* max / mean busy time, threads or ranks, the larger */
    double rss_kib, rss_kib_total;     /* peak RSS: the largest process, all processes */
    char answer[64];
    bool validated; /* the kernel's own check passed, and the answer is that of the same size's first run */
    /* What the cost model takes from the report (not in the CSV: the
     * messages of a run are the kernel's, read again from its report). */
    double units, gather_bytes, bytes_per_update, nx, ny, steps;
} bench_run;

/* Where runs are started and what with. */
typedef struct bench_launcher {
    char self[4096];   /* this binary */
    char mpirun[4096]; /* "" when there is none */
    bool open_mpi;     /* mpirun is Open MPI's (its flags) */
    const char *work;  /* a directory for inputs and outputs of runs */
    double timeout;    /* seconds one run may take */
    bool quick;        /* the quick study's fixed sides (an image's width, a grid's steps) */
    const volatile _Atomic int *cancel;
} bench_launcher;

/* Runs ARGV (argv[0] a path) with stdin from /dev/null and stdout and
 * stderr to the files OUT and ERR; returns its exit code, -1 when it could
 * not start (errno), 124 after launcher->timeout, PK_EXIT_INTERRUPTED when
 * the cancel flag was set (the child is stopped either way). */
int bench_spawn(const bench_launcher *launcher, char *const argv[], const char *out, const char *err);

/* Runs KERNEL once at SIZE on RANKS x THREADS (ranks 0: no mpirun) and
 * fills RUN from its report.  Returns PK_EXIT_OK, or PK_EXIT_FAILURE with
 * *why set (the run's own message when it printed one), or
 * PK_EXIT_INTERRUPTED when the cancel flag was set. */
int bench_run_once(const bench_launcher *launcher, const bench_kernel *kernel, double size, int ranks, int threads,
                   bench_run *run, char *why, size_t why_len);

/* A run of another study (slurm/scaling-study.sbatch) from the JSON report
 * on IN: kernel, model, ranks, threads and size from the report itself.
 * PK_EXIT_OK, or PK_EXIT_USAGE with *why when it is no such report. */
int bench_run_from_report(FILE *in, bench_run *run, char *why, size_t why_len);

/* The machine's figures: measured, or 0 where they could not be. */
typedef struct bench_machine {
    int cpus;
    double latency, bandwidth, memory_bandwidth;
    int triad_threads;
    char mpi[128]; /* "mpirun (Open MPI 4.1.4)" or why there is none */
} bench_machine;

/* A point of the study: the repeats of one kernel, scaling, model, ranks,
 * threads and size. */
typedef struct bench_point {
    const bench_run *best; /* the fastest repeat: its time split and memory */
    char kernel[16];
    bench_scaling scaling;
    bench_model model;
    int ranks, threads, procs, repeats;
    double size, min, median;
    double speedup, efficiency, karp_flatt;
    double comm_share, imbalance, rss_kib, rss_kib_total;
    bool validated;
} bench_point;

/* The study's outcome per kernel: fits and predictions. */
typedef struct bench_fit {
    char kernel[16];
    double amdahl, gustafson; /* NAN when the points do not tell */
    pk_kernel_cost cost;
    double predicted_strong[BENCH_PREDICT_COUNT];
    double predicted_weak[BENCH_PREDICT_COUNT];
    bool has_model; /* messages priced with a measured latency */
} bench_fit;

typedef struct bench_study {
    bench_run *runs;
    size_t run_count, run_capacity;
    bench_point *points;
    size_t point_count;
    bench_fit fits[16];
    size_t fit_count;
    bench_machine machine;
    char title[256]; /* where and how it ran */
} bench_study;

/* Adds a copy of RUN; false when out of memory. */
bool bench_study_add(bench_study *study, const bench_run *run);
/* Makes the points and fits from the runs. */
bool bench_study_summarize(bench_study *study);
void bench_study_free(bench_study *study);

/* The table on stdout. */
void bench_print_table(const bench_study *study, FILE *out);

/* Files under DIR: runs.csv (written as the runs come: bench_csv_*; again
 * whole when WRITE_RUNS), points.csv, bench.json, machine.json, the plots'
 * data and scripts, the plots when gnuplot is there, and report.md.
 * Return 0, or -1 with *why set. */
FILE *bench_csv_open(const char *path);
void bench_csv_header(FILE *csv);
void bench_csv_row(FILE *csv, const bench_run *run);
int bench_write_files(const bench_study *study, const char *dir, bool write_runs, bool *plotted, char *why,
                      size_t why_len);
/* Reads a machine's figures from PATH (a study's machine.json, or what
 * parkit bench --probe prints) into M, keeping M's where PATH has none;
 * false when PATH cannot be read or holds no latency and bandwidth. */
bool bench_read_machine(const char *path, bench_machine *m);
/* Reads the rows of every *.csv of DIR (runs.csv and the per-task files of
 * slurm/scaling-study.sbatch), and DIR/machine.json when it is there. */
int bench_read_dir(bench_study *study, const char *dir, char *why, size_t why_len);

#endif
