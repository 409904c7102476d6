/*
 * Communication between ranks: the wall around MPI.
 *
 * src/par/comm.c is the only compilation unit that includes <mpi.h>, with
 * the grid layer's src/par/grid.c and grid_io.c (parkit/grid.h), which need MPI's
 * topologies, datatypes and file I/O and shares comm.c's error handling.  Every
 * function has a serial branch, so a build without MPI (or a run without
 * mpirun) behaves as one rank of one.  Only the thread that called
 * pk_comm_init() may call these functions (MPI_THREAD_FUNNELED): worker and
 * I/O threads never do.
 *
 * Errors: every MPI call's return code is checked.  The collectives and
 * messages here are called by all their ranks together, so a rank that
 * returned an error from one would leave the others waiting in it (or in
 * the next) forever; a failed MPI call therefore says what failed, on
 * which rank and why (MPI's own words, on the stderr the rank started
 * with), and ends the whole job with MPI_Abort.  Failures of parkit's own
 * work are agreed with pk_comm_agree before any rank leaves.
 */
#ifndef PARKIT_COMM_H
#define PARKIT_COMM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Starts MPI (asking for MPI_THREAD_FUNNELED) when built with it.  Returns
 * PK_OK, or PK_ENOTSUP when MPI could not give FUNNELED. */
int pk_comm_init(int *argc, char ***argv);
void pk_comm_finalize(void);
/* Ends every rank at once with this exit code (after a fatal error on one). */
void pk_comm_abort(int exit_code) __attribute__((noreturn));

bool pk_comm_built_with_mpi(void);
int pk_comm_rank(void);
int pk_comm_size(void);
/* "MPI_THREAD_FUNNELED", ... or "none". */
const char *pk_comm_thread_level(void);
/* "Open MPI v4.1.4, ..." or "none". */
const char *pk_comm_library_version(void);

/* Collective: every rank passes its status, every rank gets the worst one
 * (the lowest, since failures are negative), so no rank is left waiting in a
 * later collective after another has failed. */
int pk_comm_agree(int status);
/* The same, but while waiting for the other ranks it calls idle(ctx) about
 * ten times a second (rank 0 uses it to keep the progress line moving). */
int pk_comm_agree_while(int status, void (*idle)(void *ctx), void *ctx);

/* Collective sums / extremes, in place, over all ranks. */
void pk_comm_sum_u64(uint64_t *values, size_t count);
void pk_comm_max_u8(uint8_t *values, size_t count);
/* min, average and max of one double over all ranks (on every rank). */
void pk_comm_stats(double local, double *min, double *avg, double *max);
/* Sum of `local` over the ranks below this one (0 on rank 0). */
uint64_t pk_comm_exscan_u64(uint64_t local);
void pk_comm_broadcast(void *data, size_t bytes, int root);
void pk_comm_barrier(void);
/* Gathers `bytes` from every rank into `all` (size * bytes) on every rank. */
void pk_comm_allgather(const void *mine, void *all, size_t bytes);
/* The same, but waits only while *cancel (optional) stays 0: PK_ECANCELED
 * once it is set (then the job must be aborted: the gather is unfinished). */
int pk_comm_allgather_until(const void *mine, void *all, size_t bytes, const volatile _Atomic int *cancel);

/* Sums and maxima of doubles, in place, over all ranks. */
void pk_comm_sum_double(double *values, size_t count);
void pk_comm_max_double(double *values, size_t count);

/* "No rank": a neighbour beyond the edge of a grid. */
#define PK_COMM_NOBODY (-1)

/* Point to point with neighbours, as a grid's halo exchange needs: sends
 * SEND to rank TO and receives RECEIVE from rank FROM at once (either may
 * be PK_COMM_NOBODY: nothing is sent or received there), so a whole row of
 * ranks can shift data along without deadlock.  Alone, a rank is its own
 * neighbour (TO and FROM 0): SEND is copied into RECEIVE. */
void pk_comm_exchange(const void *send, size_t send_bytes, int to, void *receive, size_t receive_bytes, int from,
                      int tag);

/* Point to point, for streaming ordered output to rank 0. */
void pk_comm_send(const void *data, size_t bytes, int to, int tag);
/* Receives one message from `from`; returns its length, the message in a
 * malloc'd *data (NULL when empty), or -1 when out of memory. */
long pk_comm_receive(void **data, int from, int tag);

/* pk_comm_try_receive: no message is waiting. */
#define PK_COMM_NOTHING (-2L)
/* Like pk_comm_receive, but only when a message from `from` has arrived:
 * otherwise returns PK_COMM_NOTHING at once. */
long pk_comm_try_receive(void **data, int from, int tag);

/* Messages to one rank that do not wait to be taken (MPI_Issend): a sender
 * goes on computing while up to `most` of its messages are in flight, and
 * waits only when it is that far ahead of the receiver (backpressure).  On
 * one rank there is no one to send to: messages are dropped. */
typedef struct pk_comm_outbox pk_comm_outbox;
/* NULL when out of memory. */
pk_comm_outbox *pk_comm_outbox_create(int to, int tag, int most);
/* Sends DATA (malloc'd, BYTES long, less than 2 GiB; the outbox frees it
 * once taken), first waiting while `most` are in flight. */
void pk_comm_outbox_post(pk_comm_outbox *box, void *data, size_t bytes);
/* Lets MPI move the messages in flight along (a large message moves only
 * while its sender is inside MPI): call it now and then while computing. */
void pk_comm_outbox_progress(pk_comm_outbox *box);
/* Waits until every message is taken, then frees the outbox. */
void pk_comm_outbox_close(pk_comm_outbox *box);

/* A counter shared by all ranks that hands out consecutive numbers (MPI
 * one-sided fetch-and-add on rank 0's window): the dynamic distribution. */
typedef struct pk_comm_counter pk_comm_counter;
/* Collective; NULL on every rank when one of them cannot have the window
 * (no one-sided support over this network, or no memory): the caller then
 * does without, and pk_comm_windows_missing() says why. */
pk_comm_counter *pk_comm_counter_create(void);
/* Why a counter could not be made in this run, or NULL. */
const char *pk_comm_windows_missing(void);
uint64_t pk_comm_counter_take(pk_comm_counter *counter, uint64_t amount);
void pk_comm_counter_destroy(pk_comm_counter *counter); /* collective */

/* Seconds spent inside the functions above (communication time). */
double pk_comm_seconds(void);

#endif
