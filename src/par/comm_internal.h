/*
 * What the two files behind the wall around MPI share: comm.c (messages
 * and collectives on the world) and grid.c, grid_io.c (the grid layer's topology,
 * halo datatypes and collective file I/O).  No other file includes
 * <mpi.h>.
 */
#ifndef PK_PAR_COMM_INTERNAL_H
#define PK_PAR_COMM_INTERNAL_H

#include <stdbool.h>

#include "core/clock.h"

/* Says which MPI call failed, on which rank and why, and ends every rank
 * (MPI_Abort): collectives are called by all ranks together, so one that
 * gave up alone would leave the others waiting forever. */
void pk_comm_failed(int rc, const char *call) __attribute__((noreturn));

/* Is MPI started (a build with MPI, run by a launcher)?  Otherwise every
 * call takes its serial branch. */
bool pk_comm_mpi_running(void);

/* Adds to the communication time pk_comm_seconds() reports. */
void pk_comm_add_seconds(double seconds);

#if PK_HAVE_MPI
/* Checks the MPI call it wraps. */
#define CHECKED(call)                         \
    do {                                      \
        int checked_rc_ = (call);             \
        if (checked_rc_ != MPI_SUCCESS)       \
            pk_comm_failed(checked_rc_, #call); \
    } while (0)

/* Checks and times the MPI call it wraps (communication time). */
#define TIMED(call)                                                \
    do {                                                           \
        double timed_start_ = pk_clock_seconds();                  \
        CHECKED(call);                                             \
        pk_comm_add_seconds(pk_clock_seconds() - timed_start_);    \
    } while (0)
#endif

#endif
