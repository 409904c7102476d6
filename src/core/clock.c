/* Monotonic wall clock: never jumps with NTP, so durations stay honest. */
#include <time.h>

#include "core/clock.h"

double pk_clock_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}
