/*
 * Ctrl-C, SIGTERM, SIGHUP and --timeout (SIGALRM): ask the engines to stop between
 * units, so the command can remove its temporary output and say what
 * happened.  The handler only
 * stores to a lock-free atomic, which is async-signal-safe.
 */
#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "cli/cli.h"

static volatile _Atomic int cancel_flag;
static volatile _Atomic int received_signal;

static void on_signal(int signo)
{
    int none = 0;
    atomic_compare_exchange_strong(&received_signal, &none, signo); /* report the first */
    atomic_store(&cancel_flag, 1);
}

const volatile _Atomic int *cli_signals_install(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    /* Ctrl-C twice kills at once.  SIGTERM and SIGUSR1 may come twice on
     * purpose (Slurm signals the whole job, a batch script forwards its
     * own): the second must not kill parkit before it saves its checkpoint. */
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, NULL);
    action.sa_flags = 0;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGHUP, &action, NULL); /* the terminal went away: stop as cleanly as for SIGTERM */
    sigaction(SIGUSR1, &action, NULL); /* Slurm's warning before a time limit: checkpoint and stop */
    return &cancel_flag;
}

void cli_timeout_start(double seconds)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGALRM, &action, NULL);
    struct itimerval timer;
    memset(&timer, 0, sizeof timer);
    timer.it_value.tv_sec = (time_t)seconds;
    timer.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
    if (timer.it_value.tv_sec == 0 && timer.it_value.tv_usec == 0)
        timer.it_value.tv_usec = 1;
    setitimer(ITIMER_REAL, &timer, NULL);
}

int cli_signal_received(void)
{
    return atomic_load(&received_signal);
}
