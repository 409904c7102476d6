/*
 * The progress line on stderr: percent done, rate and ETA, redrawn a few
 * times a second by a thread of its own, so the engines only bump a counter
 * and never touch the terminal.  The line is erased at the end, and nothing
 * ever goes to stdout, which belongs to the results.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli/cli.h"
#include "core/clock.h"

struct cli_progress {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    pk_progress *progress;
    double work_total;
    const char *work_unit;
    double start;
};

static void format_rate(char *buf, size_t size, double per_second, const char *unit)
{
    static const char *const prefixes[] = {"", "k", "M", "G", "T", "P"};
    int p = 0;
    while (per_second >= 1000 && p < 5) {
        per_second /= 1000;
        p++;
    }
    snprintf(buf, size, "%.1f%s%s %s/s", per_second, p ? " " : "", prefixes[p], unit);
}

static void draw(const cli_progress *display)
{
    uint64_t total = atomic_load(&display->progress->units_total);
    uint64_t done = atomic_load(&display->progress->units_done);
    if (total == 0)
        return;
    double fraction = (double)done / (double)total;
    double elapsed = pk_clock_seconds() - display->start;
    char rate[32] = "";
    if (elapsed > 0 && display->work_total > 0)
        format_rate(rate, sizeof rate, fraction * display->work_total / elapsed, display->work_unit);
    char eta[32] = "ETA --";
    if (fraction > 0.001)
        snprintf(eta, sizeof eta, "ETA %.0f s", elapsed * (1 - fraction) / fraction);
    fprintf(stderr, "\rparkit: %5.1f%%  %s  %s\033[K", 100 * fraction, rate, eta);
    fflush(stderr);
}

static void *progress_thread(void *opaque)
{
    cli_progress *display = opaque;
    pthread_mutex_lock(&display->lock);
    while (!display->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&display->wake, &display->lock, &until);
        if (!display->stop)
            draw(display);
    }
    pthread_mutex_unlock(&display->lock);
    return NULL;
}

cli_progress *cli_progress_start(pk_progress *progress, double work_total, const char *work_unit)
{
    cli_progress *display = calloc(1, sizeof *display);
    if (display == NULL)
        return NULL; /* progress is a nicety: run without it */
    display->progress = progress;
    display->work_total = work_total;
    display->work_unit = work_unit;
    display->start = pk_clock_seconds();
    pthread_mutex_init(&display->lock, NULL);
    pthread_cond_init(&display->wake, NULL);
    if (pthread_create(&display->thread, NULL, progress_thread, display) != 0) {
        pthread_cond_destroy(&display->wake);
        pthread_mutex_destroy(&display->lock);
        free(display);
        return NULL;
    }
    return display;
}

void cli_progress_stop(cli_progress *display)
{
    if (display == NULL)
        return;
    pthread_mutex_lock(&display->lock);
    display->stop = true;
    pthread_cond_signal(&display->wake);
    pthread_mutex_unlock(&display->lock);
    pthread_join(display->thread, NULL);
    pthread_cond_destroy(&display->wake);
    pthread_mutex_destroy(&display->lock);
    fputs("\r\033[K", stderr);
    fflush(stderr);
    free(display);
}
