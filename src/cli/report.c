/*
 * What every run says when it ends, whatever the kernel (see cli/report.h):
 * the JSON fields all reports share, the --time line, why a job failed or
 * stopped, and the progress line while it runs.  Compute time is the same
 * everywhere (pk_run_report_add): an engine run's wall time less its
 * communication.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "core/clock.h"
#include "parkit/comm.h"
#include "parkit/jobspec.h"
#include "parkit/status.h"

static double run_start;

void cli_clock_start(bool again)
{
    if (again || run_start == 0)
        run_start = pk_clock_seconds();
}

/* Fields every report shares.  Collective under MPI: every rank calls it
 * (only rank 0's stdout is kept). */
/* Does JOB's work go through the unit engine (schedules, distributions)? */
static bool runs_units(const cli_job *job)
{
    return job->spec.kernel == NULL || (job->spec.kernel->unit_commands & PK_FOR(job->spec.command)) != 0;
}

/* The distribution the run used: dynamic becomes cyclic where the MPI
 * library had no one-sided window for its counter (main.c says so). */
static const char *distribute_used(const cli_job *job)
{
    if (job->spec.distribute == PK_DISTRIBUTE_DYNAMIC && pk_comm_windows_missing() != NULL)
        return pk_distribute_name(PK_DISTRIBUTE_CYCLIC);
    return pk_distribute_name(job->spec.distribute);
}

void cli_report_json(const cli_job *job, const pk_run_report *report)
{
    char schedule[40] = "null", distribute[40] = "null";
    if (runs_units(job)) {
        char text[32];
        snprintf(schedule, sizeof schedule, "\"%s\"", pk_schedule_format(job->spec.schedule, text, sizeof text));
        snprintf(distribute, sizeof distribute, "\"%s\"", distribute_used(job));
    }
    pk_run_ranks ranks;
    pk_run_report_gather(report, &ranks);
    printf("\"ranks\":%d,\"threads\":%d,\"threads_source\":\"%s\",\"schedule\":%s,\"distribute\":%s,"
           "\"openmp\":\"%s\",\"seconds\":%.6f,",
           pk_comm_size(), job->threads.threads, job->threads.source, schedule, distribute,
           pk_engine_openmp_version(), pk_clock_seconds() - run_start);
    if (report->setup_key != NULL)
        printf("\"%s\":%.6f,", report->setup_key, report->setup_seconds);
    printf("\"compute_seconds\":%.6f,"
           "\"compute_seconds_per_rank\":{\"min\":%.6f,\"avg\":%.6f,\"max\":%.6f},"
           "\"comm_seconds_per_rank\":{\"min\":%.6f,\"avg\":%.6f,\"max\":%.6f},"
           "\"peak_rss_kib_per_rank\":{\"min\":%.0f,\"avg\":%.0f,\"max\":%.0f},\"peak_rss_kib_total\":%" PRIu64
           ",\"units\":%" PRIu64 ",\"input_wait_seconds\":%.6f,\"output_wait_seconds\":%.6f",
           report->compute_seconds, ranks.compute_seconds.min, ranks.compute_seconds.avg, ranks.compute_seconds.max,
           ranks.comm_seconds.min, ranks.comm_seconds.avg, ranks.comm_seconds.max, ranks.peak_rss_kib.min,
           ranks.peak_rss_kib.avg, ranks.peak_rss_kib.max, ranks.peak_rss_kib_total, report->units,
           report->input_seconds, report->output_seconds);
    /* The load balance: each thread's busy seconds (rank 0's), and most
     * over mean for the threads of every rank and for the ranks' compute. */
    printf(",\"thread_busy_seconds\":[");
    for (int thread = 0; thread < report->busy_threads; thread++)
        printf("%s%.6f", thread > 0 ? "," : "", report->thread_busy[thread]);
    printf("],\"thread_busy_seconds_all_ranks\":{\"mean\":%.6f,\"max\":%.6f},\"imbalance\":{\"threads\":%.4f,"
           "\"ranks\":%.4f}",
           ranks.thread_busy_mean, ranks.thread_busy_max,
           ranks.thread_busy_mean > 0 ? ranks.thread_busy_max / ranks.thread_busy_mean : 1.0,
           ranks.compute_seconds.avg > 0 ? ranks.compute_seconds.max / ranks.compute_seconds.avg : 1.0);
}

void cli_report_time(const cli_job *job, const pk_run_report *report)
{
    if (!job->spec.time)
        return;
    fflush(stdout); /* the answer first, then how long it took */
    char schedule[48] = "", ranks[64] = "";
    const bool units = runs_units(job);
    if (pk_comm_size() > 1 && units)
        snprintf(ranks, sizeof ranks, "%d ranks (%s) x ", pk_comm_size(), distribute_used(job));
    else if (pk_comm_size() > 1)
        snprintf(ranks, sizeof ranks, "%d ranks x ", pk_comm_size());
    if (units) {
        char text[32];
        snprintf(schedule, sizeof schedule, ", schedule %s", pk_schedule_format(job->spec.schedule, text, sizeof text));
    }
    const char *unit = report->units_name != NULL ? report->units_name : "unit";
    char setup[96] = "";
    if (report->setup_name != NULL)
        snprintf(setup, sizeof setup, "%s %.3f s, ", report->setup_name, report->setup_seconds);
    char io[96] = "";
    if (report->input_seconds > 0 || report->output_seconds > 0)
        snprintf(io, sizeof io, ", input wait %.3f s, output wait %.3f s", report->input_seconds,
                 report->output_seconds);
    /* This rank's threads: how evenly the schedule spread the work. */
    char busy[128] = "";
    double mean, max;
    pk_run_report_busy(report, &mean, &max);
    if (report->busy_threads > 1 && mean > 0) {
        int used = snprintf(busy, sizeof busy, "; threads busy");
        for (int thread = 0; thread < report->busy_threads && thread < 4; thread++)
            used += snprintf(busy + used, sizeof busy - (size_t)used, " %.3f", report->thread_busy[thread]);
        snprintf(busy + used, sizeof busy - (size_t)used, "%s s, imbalance %.2f (max/mean)",
                 report->busy_threads > 4 ? " ..." : "", max / mean);
    }
    fprintf(stderr,
            "parkit: %s: %.3f s (%scompute %.3f s, communication %.3f s%s), %s%d thread%s (%s)%s, %" PRIu64
            " %s%s%s\n",
            job->what, pk_clock_seconds() - run_start, setup, report->compute_seconds, report->comm_seconds, io, ranks,
            job->threads.threads, job->threads.threads == 1 ? "" : "s", job->threads.source, schedule, report->units,
            unit, report->units == 1 ? "" : "s", busy);
}

/* A job whose checkpoint failed it (refused: 2; damaged or not saved: 1),
 * or stopped by a signal after saving one (75: resume later). */
int cli_job_stopped(const cli_job *cli, int rc, const pk_run_report *report)
{
    if (report->checkpoint_error[0] != '\0' && rc != PK_OK) {
        cli_error(cli->what, "%s", report->checkpoint_error);
        return rc == PK_EINVAL ? PK_EXIT_USAGE : PK_EXIT_FAILURE;
    }
    if (rc == PK_ECANCELED && report->checkpoint_saved) {
        cli_error(cli->what, "stopped by signal %d; checkpoint saved to %s; run again with --resume to continue",
                  cli_signal_received(), cli->spec.checkpoint);
        return PK_EXIT_CHECKPOINTED;
    }
    return PK_EXIT_OK;
}

/* "No checkpoint: starting afresh", or how much a resume found done. */
void cli_note_checkpoint(const cli_job *cli, const pk_run_report *report)
{
    if (cli->spec.checkpoint == NULL || cli->spec.quiet || report->checkpoint_error[0] != '\0')
        return;
    if (report->checkpoint_note[0] != '\0')
        fprintf(stderr, "parkit: %s: %s\n", cli->what, report->checkpoint_note);
    else if (cli->spec.resume)
        fprintf(stderr, "parkit: %s: resumed from %s: %" PRIu64 " of %" PRIu64 " units were done\n", cli->what,
                cli->spec.checkpoint, report->units_resumed, report->units);
}

/* Reports a failed job; a cancel by signal is reported as an interruption. */
int cli_job_failed(const cli_job *cli, int rc)
{
    if (rc == PK_ECANCELED && cli_signal_received() == SIGALRM) {
        cli_error(cli->what, "timed out after %g s (--timeout)", cli->spec.timeout);
        return PK_EXIT_FAILURE;
    }
    if (rc == PK_ECANCELED) {
        cli_error(cli->what, "interrupted by signal %d", cli_signal_received());
        return PK_EXIT_INTERRUPTED;
    }
    cli_error(cli->what, "%s", pk_strerror(rc));
    return PK_EXIT_FAILURE;
}

cli_progress *cli_job_progress_start(const cli_job *cli, pk_engine_options *engine, pk_progress *progress,
                                     double work, const char *unit)
{
    bool on = cli->spec.progress == 1 || (cli->spec.progress == -1 && !cli->spec.quiet && cli_stderr_on_terminal());
    if (!on)
        return NULL;
    engine->progress = progress;
    return cli_progress_start(progress, work, unit);
}

