/*
 * `parkit bench`: from runs to points (the repeats of one configuration:
 * min and median), the measures of each point against its reference (the
 * sequential run, or the fewest processors measured), the fitted serial
 * fractions and the cost model's predictions; and the table.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bench.h"

bool bench_study_add(bench_study *study, const bench_run *run)
{
    if (study->run_count == study->run_capacity) {
        size_t capacity = study->run_capacity ? 2 * study->run_capacity : 64;
        bench_run *runs = realloc(study->runs, capacity * sizeof *runs);
        if (runs == NULL)
            return false;
        study->runs = runs;
        study->run_capacity = capacity;
    }
    study->runs[study->run_count++] = *run;
    return true;
}

void bench_study_free(bench_study *study)
{
    free(study->runs);
    free(study->points);
    study->runs = NULL;
    study->points = NULL;
    study->run_count = study->run_capacity = study->point_count = 0;
}

/* Kernels in the study's order; others (from --from) after them, by name. */
static int kernel_order(const char *name)
{
    const int i = bench_kernel_index(name);
    return i >= 0 ? i : 99;
}

static bool same_point(const bench_run *a, const bench_point *p)
{
    return strcmp(a->kernel, p->kernel) == 0 && a->scaling == p->scaling && a->model == p->model &&
           a->ranks == p->ranks && a->threads == p->threads && a->size == p->size;
}

static int compare_points(const void *x, const void *y)
{
    const bench_point *a = x, *b = y;
    int ka = kernel_order(a->kernel), kb = kernel_order(b->kernel);
    if (ka != kb)
        return ka < kb ? -1 : 1;
    if (ka == 99 && strcmp(a->kernel, b->kernel) != 0)
        return strcmp(a->kernel, b->kernel);
    if (a->scaling != b->scaling)
        return a->scaling < b->scaling ? -1 : 1;
    if (a->procs != b->procs)
        return a->procs < b->procs ? -1 : 1;
    if (a->model != b->model)
        return a->model < b->model ? -1 : 1;
    return a->ranks < b->ranks ? -1 : a->ranks > b->ranks;
}

static int compare_doubles(const void *x, const void *y)
{
    const double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* The point every other point of its kernel and scaling is measured
 * against: the fewest processors, sequential first.  A weak point's
 * reference does the same work per processor, and may be strong
 * scaling's one-processor point (the study runs that once for both). */
static const bench_point *reference(const bench_study *s, const bench_point *p)
{
    const bench_point *best = NULL;
    for (size_t i = 0; i < s->point_count; i++) {
        const bench_point *q = &s->points[i];
        if (strcmp(q->kernel, p->kernel) != 0)
            continue;
        if (p->scaling == BENCH_STRONG && q->scaling != BENCH_STRONG)
            continue;
        if (p->scaling == BENCH_WEAK &&
            ((q->scaling == BENCH_STRONG && q->procs != 1) || q->size * p->procs != p->size * q->procs))
            continue;
        if (best == NULL || q->procs < best->procs ||
            (q->procs == best->procs && q->model == BENCH_SEQ && best->model != BENCH_SEQ))
            best = q;
    }
    return best;
}

static void measure(const bench_study *s, bench_point *p)
{
    const bench_point *ref = reference(s, p);
    p->speedup = p->efficiency = p->karp_flatt = NAN;
    if (ref == NULL || !(p->min > 0))
        return;
    if (p->scaling == BENCH_STRONG) {
        p->speedup = pk_speedup(ref->min * ref->procs, p->min);
        p->efficiency = pk_efficiency(p->speedup, p->procs);
    } else {
        /* The same work per processor: efficiency is the time ratio, and
         * the scaled speedup P times it. */
        p->efficiency = ref->min / p->min;
        p->speedup = p->efficiency * p->procs;
    }
    p->karp_flatt = pk_karp_flatt(p->speedup, p->procs);
}

/* Fits and predictions of one kernel. */
static void fit_kernel(bench_study *s, const char *kernel)
{
    if (s->fit_count == sizeof s->fits / sizeof s->fits[0])
        return;
    bench_fit *f = &s->fits[s->fit_count++];
    memset(f, 0, sizeof *f);
    snprintf(f->kernel, sizeof f->kernel, "%s", kernel);
    /* Serial fractions of the compute: the time without the messages, so
     * that the model can price those apart.  Ranks' points when there
     * are any (the model is about ranks), else threads'. */
    double procs[2][256], speedup[2][256];
    size_t n[2] = {0, 0};
    bool ranks[2] = {false, false};
    const bench_point *seq = NULL;
    for (size_t i = 0; i < s->point_count; i++) {
        const bench_point *p = &s->points[i];
        if (strcmp(p->kernel, kernel) == 0 && p->scaling == BENCH_STRONG && p->procs == 1 &&
            (seq == NULL || p->model == BENCH_SEQ))
            seq = p;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < s->point_count; i++) {
            const bench_point *p = &s->points[i];
            const int w = p->scaling == BENCH_WEAK;
            if (strcmp(p->kernel, kernel) != 0 || p->procs < 2 || !(p->min > 0) || n[w] == 256)
                continue;
            const bool is_ranks = p->model == BENCH_MPI || p->model == BENCH_HYBRID;
            if (pass == 0 && is_ranks)
                ranks[w] = true;
            if (pass == 1 && is_ranks == ranks[w]) {
                const bench_point *ref = reference(s, p);
                const double without = p->min - p->best->comm;
                if (ref == NULL || !(without > 0))
                    continue;
                procs[w][n[w]] = p->procs;
                speedup[w][n[w]++] = w ? p->procs * ref->min / without : ref->min * ref->procs / without;
            }
        }
    }
    f->amdahl = pk_fit_amdahl(procs[0], speedup[0], n[0]);
    f->gustafson = pk_fit_gustafson(procs[1], speedup[1], n[1]);
    if (seq == NULL)
        return;
    const bench_run *r = seq->best;
    f->cost = (pk_kernel_cost){
        .seconds = seq->min,
        .serial = f->amdahl,
        .reduce_bytes = 64, /* the counters of a job and the ranks' agreement */
        .units = r->units,
        .gather_bytes = r->gather_bytes,
        .nx = r->nx,
        .ny = r->ny,
        .steps = r->steps,
        .halo_bytes = r->steps > 0 ? 8 : 0,
        .check_every = r->steps > 0 ? 100 : 0,
        .bytes_per_update = r->bytes_per_update,
    };
    pk_machine m = {s->machine.latency, s->machine.bandwidth, s->machine.memory_bandwidth};
    f->has_model = m.latency > 0;
    pk_kernel_cost weak = f->cost;
    weak.serial = isfinite(f->gustafson) ? f->gustafson : f->amdahl;
    for (int i = 0; i < BENCH_PREDICT_COUNT; i++) {
        f->predicted_strong[i] = pk_model_efficiency(&f->cost, &m, bench_predict_ranks[i]);
        f->predicted_weak[i] = pk_model_weak_efficiency(&weak, &m, bench_predict_ranks[i]);
    }
}

bool bench_study_summarize(bench_study *s)
{
    free(s->points);
    s->points = calloc(s->run_count ? s->run_count : 1, sizeof *s->points);
    double *times = malloc((s->run_count ? s->run_count : 1) * sizeof *times);
    if (s->points == NULL || times == NULL) {
        free(times);
        return false;
    }
    s->point_count = 0;
    for (size_t i = 0; i < s->run_count; i++) {
        const bench_run *r = &s->runs[i];
        bench_point *p = NULL;
        for (size_t j = 0; j < s->point_count && p == NULL; j++)
            if (same_point(r, &s->points[j]))
                p = &s->points[j];
        if (p != NULL)
            continue;
        p = &s->points[s->point_count++];
        snprintf(p->kernel, sizeof p->kernel, "%s", r->kernel);
        p->scaling = r->scaling;
        p->model = r->model;
        p->ranks = r->ranks;
        p->threads = r->threads;
        p->procs = r->ranks * r->threads;
        p->size = r->size;
        p->validated = true;
        size_t n = 0;
        for (size_t k = i; k < s->run_count; k++) {
            const bench_run *q = &s->runs[k];
            if (!same_point(q, p))
                continue;
            times[n++] = q->seconds;
            p->validated = p->validated && q->validated;
            if (p->best == NULL || q->seconds < p->best->seconds)
                p->best = q;
        }
        qsort(times, n, sizeof *times, compare_doubles);
        p->repeats = (int)n;
        p->min = times[0];
        p->median = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
        p->comm_share = p->best->seconds > 0 ? p->best->comm / p->best->seconds : NAN;
        p->imbalance = p->best->imbalance;
        p->rss_kib = p->best->rss_kib;
        p->rss_kib_total = p->best->rss_kib_total;
    }
    free(times);
    qsort(s->points, s->point_count, sizeof *s->points, compare_points);
    for (size_t i = 0; i < s->point_count; i++)
        measure(s, &s->points[i]);
    s->fit_count = 0;
    for (size_t i = 0; i < s->point_count; i++)
        if (i == 0 || strcmp(s->points[i].kernel, s->points[i - 1].kernel) != 0)
            fit_kernel(s, s->points[i].kernel);
    return true;
}

/* ---- the table ------------------------------------------------------------------------ */

static void cell(FILE *out, const char *format, double x, int width)
{
    if (isfinite(x))
        fprintf(out, format, width, x);
    else
        fprintf(out, "%*s", width, "-");
}

void bench_print_table(const bench_study *s, FILE *out)
{
    fprintf(out, "parkit bench: %s\n", s->title);
    const bench_machine *m = &s->machine;
    if (m->memory_bandwidth > 0)
        fprintf(out, "memory: triad %.1f GB/s (%d threads)", m->memory_bandwidth / 1e9, m->triad_threads);
    if (m->latency > 0)
        fprintf(out, "; messages between 2 ranks: latency %.2f us, bandwidth %.2f GB/s", m->latency * 1e6,
                m->bandwidth / 1e9);
    if (m->memory_bandwidth > 0 || m->latency > 0)
        fputc('\n', out);
    fprintf(out, "\n%-7s %-7s %-7s %5s %7s %14s %9s %9s %8s %6s %6s %6s %6s %9s %10s %s\n", "kernel", "scaling",
            "model", "ranks", "threads", "size", "time_s", "median_s", "speedup", "effic", "K-F", "comm%", "imbal",
            "MiB/proc", "MiB_total", "valid");
    for (size_t i = 0; i < s->point_count; i++) {
        const bench_point *p = &s->points[i];
        fprintf(out, "%-7s %-7s %-7s %5d %7d %14.6g", p->kernel, bench_scaling_name(p->scaling),
                bench_model_name(p->model), p->ranks, p->threads, p->size);
        cell(out, " %*.4f", p->min, 9);
        cell(out, " %*.4f", p->median, 9);
        cell(out, " %*.2f", p->speedup, 8);
        cell(out, " %*.2f", p->efficiency, 6);
        cell(out, " %*.3f", p->karp_flatt, 6);
        cell(out, " %*.1f", 100 * p->comm_share, 6);
        cell(out, " %*.2f", p->imbalance, 6);
        cell(out, " %*.1f", p->rss_kib / 1024, 9);
        cell(out, " %*.1f", p->rss_kib_total / 1024, 10);
        fprintf(out, " %s\n", p->validated ? "yes" : "NO");
    }
    if (s->fit_count == 0)
        return;
    fprintf(out, "\nfitted serial fraction and predicted efficiency on P ranks (cost model, docs/cost-model.md):\n");
    fprintf(out, "%-7s %-32s %8s %9s", "kernel", "pattern", "Amdahl f", "Gustaf a");
    for (int i = 0; i < BENCH_PREDICT_COUNT; i++)
        fprintf(out, " %6s%-4d", "E_str@", bench_predict_ranks[i]);
    for (int i = 0; i < BENCH_PREDICT_COUNT; i++)
        fprintf(out, " %6s%-4d", "E_wk@", bench_predict_ranks[i]);
    fputc('\n', out);
    for (size_t i = 0; i < s->fit_count; i++) {
        const bench_fit *f = &s->fits[i];
        const bench_kernel *k = bench_kernel_named(f->kernel);
        fprintf(out, "%-7s %-32s", f->kernel, k != NULL ? bench_kernel_pattern(k) : "-");
        cell(out, " %*.4f", f->amdahl, 8);
        cell(out, " %*.4f", f->gustafson, 9);
        for (int j = 0; j < BENCH_PREDICT_COUNT; j++)
            cell(out, " %*.3f", f->cost.seconds > 0 ? f->predicted_strong[j] : NAN, 10);
        for (int j = 0; j < BENCH_PREDICT_COUNT; j++)
            cell(out, " %*.3f", f->cost.seconds > 0 ? f->predicted_weak[j] : NAN, 10);
        fputc('\n', out);
    }
    if (!(m->latency > 0))
        fprintf(out, "(messages not priced: no ping-pong without mpirun; the predictions are Amdahl's and "
                     "Gustafson's alone)\n");
}
