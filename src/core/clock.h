/* Wall-clock and process timers used by reports and engines. */
#ifndef PK_CORE_CLOCK_H
#define PK_CORE_CLOCK_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double pk_clock_seconds(void);

#endif
