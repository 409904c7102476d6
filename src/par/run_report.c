/* A run's report, whatever the kernel (see parkit/run_report.h). */
#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>

#include "parkit/comm.h"
#include "parkit/run_report.h"

void pk_run_report_add(pk_run_report *report, const pk_engine_stats *stats, uint64_t units)
{
    if (report == NULL)
        return;
    report->compute_seconds += stats->seconds - stats->comm_seconds;
    report->comm_seconds += stats->comm_seconds;
    report->input_seconds += stats->input_seconds;
    report->units_run += stats->units_run;
    report->units += units;
    report->threads = stats->threads_used;
    const int tracked = stats->threads_used < PK_BUSY_THREADS ? stats->threads_used : PK_BUSY_THREADS;
    for (int thread = 0; thread < tracked; thread++)
        report->thread_busy[thread] += stats->thread_busy[thread];
    if (tracked > report->busy_threads)
        report->busy_threads = tracked;
}

void pk_run_report_busy(const pk_run_report *report, double *mean, double *max)
{
    double sum = 0;
    *max = 0;
    for (int thread = 0; thread < report->busy_threads; thread++) {
        sum += report->thread_busy[thread];
        if (report->thread_busy[thread] > *max)
            *max = report->thread_busy[thread];
    }
    *mean = report->busy_threads > 0 ? sum / report->busy_threads : 0;
}

void pk_run_report_rounds(pk_run_report *report, const pk_rounds *rounds, uint64_t units)
{
    if (report == NULL)
        return;
    snprintf(report->checkpoint_note, sizeof report->checkpoint_note, "%s", rounds->note);
    snprintf(report->checkpoint_error, sizeof report->checkpoint_error, "%s", rounds->error);
    report->checkpoint_saved = rounds->saved_on_stop;
    report->units_resumed = rounds->resumed;
    report->units = units;
}

static void spread(double local, pk_spread *s)
{
    pk_comm_stats(local, &s->min, &s->avg, &s->max);
}

/* This process's peak resident memory in KiB: VmHWM, the high-water mark of
 * its own address space.  getrusage's ru_maxrss is only the fallback: Linux
 * carries it over an exec from the program that started us (a 200 MB
 * parent would show as our peak). */
static uint64_t peak_rss_kib(void)
{
    FILE *status = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kib = 0;
    bool found = false;
    while (status != NULL && !found && fgets(line, sizeof line, status) != NULL)
        found = sscanf(line, "VmHWM: %llu kB", &kib) == 1;
    if (status != NULL)
        fclose(status);
    if (found)
        return (uint64_t)kib;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (uint64_t)usage.ru_maxrss; /* KiB on Linux */
}

void pk_run_report_gather(const pk_run_report *report, pk_run_ranks *ranks)
{
    const uint64_t peak = peak_rss_kib();
    ranks->peak_rss_kib_total = peak;
    pk_comm_sum_u64(&ranks->peak_rss_kib_total, 1);
    spread((double)peak, &ranks->peak_rss_kib);
    spread(report->compute_seconds, &ranks->compute_seconds);
    spread(report->comm_seconds, &ranks->comm_seconds);
    double mean, sums[2];
    pk_run_report_busy(report, &mean, &ranks->thread_busy_max);
    sums[0] = mean * report->busy_threads;
    sums[1] = report->busy_threads;
    pk_comm_sum_double(sums, 2);
    pk_comm_max_double(&ranks->thread_busy_max, 1);
    ranks->thread_busy_mean = sums[1] > 0 ? sums[0] / sums[1] : 0;
}
