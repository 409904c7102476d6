/*
 * The wall around MPI (see parkit/comm.h); the grid layer (grid.c, grid_io.c), which
 * needs MPI's topologies, datatypes and file I/O, shares its error handling
 * and communication clock through par/comm_internal.h.
 *
 * Each function has two bodies: the MPI one, and a serial one that acts as
 * a single rank, so the same callers build and run without MPI.  Rank state
 * is file-static and read through getters.  Time spent in MPI calls is
 * summed so reports can separate communication from computation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "par/comm_internal.h"
#include "parkit/comm.h"
#include "parkit/status.h"

#if PK_HAVE_MPI
#include <mpi.h>
#endif

static int comm_rank = 0;
static int comm_size = 1;
static double comm_time = 0;
static const char *comm_level = "none";

#if PK_HAVE_MPI
static int comm_started = 0;
static char library_version[MPI_MAX_LIBRARY_VERSION_STRING];

/* Where a rank's fatal MPI error is told: stderr as it was at start-up
 * (main sends later output of ranks other than 0 to /dev/null). */
static int error_fd = 2;

/* An MPI call that failed.  Collectives are only ever called by every rank
 * together, so a rank that gave up on one would leave the others waiting
 * in it, or in the next, forever: the failure is said, with the rank and
 * MPI's own words, and the whole job ends (MPI_Abort), which is the one
 * way all ranks learn of it at once. */
void pk_comm_failed(int rc, const char *call)
{
    char text[MPI_MAX_ERROR_STRING] = "";
    int length = 0;
    if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS)
        snprintf(text, sizeof text, "error %d", rc);
    dprintf(error_fd, "parkit: MPI: %s failed on rank %d: %s\n", call, comm_rank, text);
    MPI_Abort(MPI_COMM_WORLD, 1);
    _exit(1);
}

#endif

bool pk_comm_mpi_running(void)
{
#if PK_HAVE_MPI
    return comm_started != 0;
#else
    return false;
#endif
}

void pk_comm_add_seconds(double seconds)
{
    comm_time += seconds;
}

int pk_comm_init(int *argc, char ***argv)
{
#if PK_HAVE_MPI
    int provided = MPI_THREAD_SINGLE;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return PK_EIO;
    comm_started = 1;
    error_fd = dup(STDERR_FILENO); /* kept for failed(), whatever main does to stderr */
    if (error_fd < 0)
        error_fd = STDERR_FILENO;
    CHECKED(MPI_Comm_rank(MPI_COMM_WORLD, &comm_rank));
    CHECKED(MPI_Comm_size(MPI_COMM_WORLD, &comm_size));
    /* A collective that fails should come back to us as an error code, so
     * we can agree on it, instead of killing the job mid-message. */
    CHECKED(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    static const char *const levels[] = {"MPI_THREAD_SINGLE", "MPI_THREAD_FUNNELED", "MPI_THREAD_SERIALIZED",
                                         "MPI_THREAD_MULTIPLE"};
    comm_level = provided >= MPI_THREAD_SINGLE && provided <= MPI_THREAD_MULTIPLE ? levels[provided] : "unknown";
    int length = 0;
    CHECKED(MPI_Get_library_version(library_version, &length));
    char *newline = strchr(library_version, '\n');
    if (newline != NULL)
        *newline = '\0';
    if (provided < MPI_THREAD_FUNNELED)
        return PK_ENOTSUP;
    return PK_OK;
#else
    (void)argc;
    (void)argv;
    return PK_OK;
#endif
}

void pk_comm_finalize(void)
{
#if PK_HAVE_MPI
    if (comm_started) {
        if (MPI_Finalize() != MPI_SUCCESS)
            dprintf(error_fd, "parkit: MPI: MPI_Finalize failed on rank %d\n", comm_rank);
        comm_started = 0;
    }
#endif
}

void pk_comm_abort(int exit_code)
{
#if PK_HAVE_MPI
    if (comm_started && comm_size > 1)
        MPI_Abort(MPI_COMM_WORLD, exit_code);
#endif
    exit(exit_code);
}

bool pk_comm_built_with_mpi(void)
{
    return PK_HAVE_MPI != 0;
}

int pk_comm_rank(void)
{
    return comm_rank;
}

int pk_comm_size(void)
{
    return comm_size;
}

const char *pk_comm_thread_level(void)
{
    return comm_level;
}

const char *pk_comm_library_version(void)
{
#if PK_HAVE_MPI
    return comm_started ? library_version : "not started";
#else
    return "none";
#endif
}

double pk_comm_seconds(void)
{
    return comm_time;
}

int pk_comm_agree(int status)
{
#if PK_HAVE_MPI
    if (comm_size > 1) {
        int worst = status;
        TIMED(MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
        return worst;
    }
#endif
    return status;
}

int pk_comm_agree_while(int status, void (*idle)(void *ctx), void *ctx)
{
#if PK_HAVE_MPI
    if (comm_size > 1) {
        int worst = status;
        MPI_Request request;
        double start = pk_clock_seconds();
        CHECKED(MPI_Iallreduce(&status, &worst, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &request));
        /* Poll often at first (short runs end within milliseconds of each
         * other), then back off to ten times a second. */
        long pause_ns = 1000 * 1000;
        for (int done = 0;;) {
            CHECKED(MPI_Test(&request, &done, MPI_STATUS_IGNORE));
            if (done)
                break;
            idle(ctx);
            struct timespec pause = {0, pause_ns};
            nanosleep(&pause, NULL);
            if (pause_ns < 100 * 1000 * 1000)
                pause_ns *= 2;
        }
        comm_time += pk_clock_seconds() - start;
        return worst;
    }
#else
    (void)idle;
    (void)ctx;
#endif
    return status;
}

/* Sums and maxima in place, over all ranks: one MPI_Allreduce. */
#if PK_HAVE_MPI
static void reduce_in_place(void *values, size_t count, MPI_Datatype type, MPI_Op op)
{
    if (comm_size > 1 && count > 0)
        TIMED(MPI_Allreduce(MPI_IN_PLACE, values, (int)count, type, op, MPI_COMM_WORLD));
}
#define REDUCE_IN_PLACE(values, count, type, op) reduce_in_place(values, count, type, op)
#else
#define REDUCE_IN_PLACE(values, count, type, op) ((void)(values), (void)(count))
#endif

void pk_comm_sum_u64(uint64_t *values, size_t count)
{
    REDUCE_IN_PLACE(values, count, MPI_UINT64_T, MPI_SUM);
}

void pk_comm_max_u8(uint8_t *values, size_t count)
{
    REDUCE_IN_PLACE(values, count, MPI_UINT8_T, MPI_MAX);
}

void pk_comm_sum_double(double *values, size_t count)
{
    REDUCE_IN_PLACE(values, count, MPI_DOUBLE, MPI_SUM);
}

void pk_comm_max_double(double *values, size_t count)
{
    REDUCE_IN_PLACE(values, count, MPI_DOUBLE, MPI_MAX);
}

void pk_comm_stats(double local, double *min, double *avg, double *max)
{
    *min = *avg = *max = local;
#if PK_HAVE_MPI
    if (comm_size > 1) {
        double sum = local;
        TIMED(MPI_Allreduce(&local, min, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD));
        TIMED(MPI_Allreduce(&local, max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
        TIMED(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
        *avg = sum / comm_size;
    }
#endif
}

uint64_t pk_comm_exscan_u64(uint64_t local)
{
#if PK_HAVE_MPI
    if (comm_size > 1) {
        uint64_t before = 0;
        TIMED(MPI_Exscan(&local, &before, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD));
        return comm_rank == 0 ? 0 : before; /* undefined on rank 0 by the standard */
    }
#endif
    (void)local;
    return 0;
}

void pk_comm_broadcast(void *data, size_t bytes, int root)
{
#if PK_HAVE_MPI
    if (comm_size > 1 && bytes > 0)
        TIMED(MPI_Bcast(data, (int)bytes, MPI_BYTE, root, MPI_COMM_WORLD));
#else
    (void)data;
    (void)bytes;
    (void)root;
#endif
}

void pk_comm_barrier(void)
{
#if PK_HAVE_MPI
    if (comm_size > 1)
        TIMED(MPI_Barrier(MPI_COMM_WORLD));
#endif
}

void pk_comm_allgather(const void *mine, void *all, size_t bytes)
{
#if PK_HAVE_MPI
    if (comm_size > 1) {
        TIMED(MPI_Allgather(mine, (int)bytes, MPI_BYTE, all, (int)bytes, MPI_BYTE, MPI_COMM_WORLD));
        return;
    }
#endif
    memcpy(all, mine, bytes);
}

int pk_comm_allgather_until(const void *mine, void *all, size_t bytes, const volatile _Atomic int *cancel)
{
#if PK_HAVE_MPI
    if (comm_size > 1) {
        MPI_Request request;
        double start = pk_clock_seconds();
        CHECKED(MPI_Iallgather(mine, (int)bytes, MPI_BYTE, all, (int)bytes, MPI_BYTE, MPI_COMM_WORLD, &request));
        long pause_ns = 100 * 1000;
        for (int done = 0;;) {
            CHECKED(MPI_Test(&request, &done, MPI_STATUS_IGNORE));
            if (done)
                break;
            if (cancel != NULL && atomic_load(cancel) != 0)
                return PK_ECANCELED;
            struct timespec pause = {0, pause_ns};
            nanosleep(&pause, NULL);
            if (pause_ns < 10 * 1000 * 1000)
                pause_ns *= 2;
        }
        comm_time += pk_clock_seconds() - start;
        return PK_OK;
    }
#else
    (void)cancel;
#endif
    memcpy(all, mine, bytes);
    return PK_OK;
}

void pk_comm_exchange(const void *send, size_t send_bytes, int to, void *receive, size_t receive_bytes, int from,
                      int tag)
{
#if PK_HAVE_MPI
    if (comm_size > 1) {
        TIMED(MPI_Sendrecv(send, (int)send_bytes, MPI_BYTE, to == PK_COMM_NOBODY ? MPI_PROC_NULL : to, tag, receive,
                           (int)receive_bytes, MPI_BYTE, from == PK_COMM_NOBODY ? MPI_PROC_NULL : from, tag,
                           MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        return;
    }
#else
    (void)tag;
#endif
    /* One rank: its only neighbour is itself (a periodic grid of one tile). */
    if (to == 0 && from == 0)
        memcpy(receive, send, send_bytes < receive_bytes ? send_bytes : receive_bytes);
}

void pk_comm_send(const void *data, size_t bytes, int to, int tag)
{
#if PK_HAVE_MPI
    TIMED(MPI_Send(data, (int)bytes, MPI_BYTE, to, tag, MPI_COMM_WORLD));
#else
    (void)data;
    (void)bytes;
    (void)to;
    (void)tag;
#endif
}

long pk_comm_receive(void **data, int from, int tag)
{
    *data = NULL;
#if PK_HAVE_MPI
    MPI_Status status;
    int bytes = 0;
    TIMED(MPI_Probe(from, tag, MPI_COMM_WORLD, &status));
    CHECKED(MPI_Get_count(&status, MPI_BYTE, &bytes));
    if (bytes > 0 && (*data = malloc((size_t)bytes)) == NULL)
        return -1;
    TIMED(MPI_Recv(*data, bytes, MPI_BYTE, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    return bytes;
#else
    (void)from;
    (void)tag;
    return 0;
#endif
}

long pk_comm_try_receive(void **data, int from, int tag)
{
    *data = NULL;
#if PK_HAVE_MPI
    int arrived = 0;
    TIMED(MPI_Iprobe(from, tag, MPI_COMM_WORLD, &arrived, MPI_STATUS_IGNORE));
    if (arrived)
        return pk_comm_receive(data, from, tag);
#else
    (void)from;
    (void)tag;
#endif
    return PK_COMM_NOTHING;
}

struct pk_comm_outbox {
    int to, tag, most;
    void **data; /* of each message in flight, NULL in a free slot */
#if PK_HAVE_MPI
    MPI_Request *requests; /* MPI_REQUEST_NULL in a free slot */
#endif
};

pk_comm_outbox *pk_comm_outbox_create(int to, int tag, int most)
{
    pk_comm_outbox *box = calloc(1, sizeof *box);
    if (box == NULL)
        return NULL;
    box->to = to;
    box->tag = tag;
    box->most = most < 1 ? 1 : most;
    box->data = calloc((size_t)box->most, sizeof *box->data);
#if PK_HAVE_MPI
    box->requests = malloc((size_t)box->most * sizeof *box->requests);
    if (box->requests != NULL)
        for (int i = 0; i < box->most; i++)
            box->requests[i] = MPI_REQUEST_NULL;
    if (box->requests == NULL) {
        free(box->data);
        box->data = NULL;
    }
#endif
    if (box->data == NULL) {
        free(box);
        return NULL;
    }
    return box;
}

#if PK_HAVE_MPI
/* Frees the messages that were taken; true when one was.  Untimed: its
 * callers time it. */
static bool outbox_collect(pk_comm_outbox *box)
{
    bool freed = false;
    for (int i = 0; i < box->most; i++) {
        if (box->requests[i] == MPI_REQUEST_NULL)
            continue;
        int done = 0;
        CHECKED(MPI_Test(&box->requests[i], &done, MPI_STATUS_IGNORE));
        if (done) {
            free(box->data[i]);
            box->data[i] = NULL;
            freed = true;
        }
    }
    return freed;
}

/* Waits until a slot is free (ALL: every slot), polling with growing
 * pauses: a blocking MPI wait spins, and on an oversubscribed machine that
 * spinning takes the core from the very rank it waits for. */
static void outbox_wait(pk_comm_outbox *box, bool all)
{
    double start = pk_clock_seconds();
    long pause_ns = 10 * 1000;
    for (;;) {
        outbox_collect(box);
        int busy = 0;
        for (int i = 0; i < box->most; i++)
            busy += box->requests[i] != MPI_REQUEST_NULL;
        if (all ? busy == 0 : busy < box->most)
            break;
        struct timespec pause = {0, pause_ns};
        nanosleep(&pause, NULL);
        if (pause_ns < 1000 * 1000)
            pause_ns *= 2;
    }
    comm_time += pk_clock_seconds() - start;
}
#endif

void pk_comm_outbox_post(pk_comm_outbox *box, void *data, size_t bytes)
{
#if PK_HAVE_MPI
    if (comm_size > 1) {
        outbox_wait(box, false);
        for (int i = 0; i < box->most; i++) {
            if (box->requests[i] == MPI_REQUEST_NULL) {
                box->data[i] = data;
                TIMED(MPI_Issend(data, (int)bytes, MPI_BYTE, box->to, box->tag, MPI_COMM_WORLD, &box->requests[i]));
                return;
            }
        }
    }
#else
    (void)box;
    (void)bytes;
#endif
    free(data);
}

void pk_comm_outbox_progress(pk_comm_outbox *box)
{
#if PK_HAVE_MPI
    if (comm_size > 1) {
        double start = pk_clock_seconds();
        outbox_collect(box);
        comm_time += pk_clock_seconds() - start;
    }
#else
    (void)box;
#endif
}

void pk_comm_outbox_close(pk_comm_outbox *box)
{
    if (box == NULL)
        return;
#if PK_HAVE_MPI
    if (comm_size > 1)
        outbox_wait(box, true);
    free(box->requests);
#endif
    free(box->data);
    free(box);
}

struct pk_comm_counter {
    uint64_t local; /* the serial counter */
#if PK_HAVE_MPI
    MPI_Win window;
    uint64_t *value; /* rank 0's window memory */
#endif
};

/* Why this run has no one-sided windows ("" while it has them). */
static char windows_missing[256];

const char *pk_comm_windows_missing(void)
{
    return windows_missing[0] != '\0' ? windows_missing : NULL;
}

pk_comm_counter *pk_comm_counter_create(void)
{
    pk_comm_counter *counter = calloc(1, sizeof *counter);
#if PK_HAVE_MPI
    if (comm_size > 1) {
        /* Not CHECKED: an MPI library without one-sided windows over this
         * network (Open MPI 4.1 picks osc/ucx, which fails over plain TCP)
         * is a note, not the end of the run; the ranks agree, and the
         * caller deals the work out in turn instead. */
        MPI_Aint size = comm_rank == 0 ? (MPI_Aint)sizeof(uint64_t) : 0;
        const double start = pk_clock_seconds();
        int rc = counter == NULL ? MPI_ERR_NO_MEM
                                 : MPI_Win_allocate(size, sizeof(uint64_t), MPI_INFO_NULL, MPI_COMM_WORLD,
                                                    &counter->value, &counter->window);
        pk_comm_add_seconds(pk_clock_seconds() - start);
        int failed = rc != MPI_SUCCESS;
        TIMED(MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
        if (failed) {
            if (rc == MPI_SUCCESS)
                TIMED(MPI_Win_free(&counter->window));
            char text[MPI_MAX_ERROR_STRING] = "it failed on another rank";
            int len = 0;
            if (rc != MPI_SUCCESS && MPI_Error_string(rc, text, &len) != MPI_SUCCESS)
                snprintf(text, sizeof text, "error %d", rc);
            if (windows_missing[0] == '\0')
                snprintf(windows_missing, sizeof windows_missing, "MPI_Win_allocate: %s", text);
            free(counter);
            return NULL;
        }
        if (comm_rank == 0)
            *counter->value = 0;
        TIMED(MPI_Barrier(MPI_COMM_WORLD));
    }
#endif
    return counter;
}

uint64_t pk_comm_counter_take(pk_comm_counter *counter, uint64_t amount)
{
#if PK_HAVE_MPI
    if (comm_size > 1) {
        uint64_t previous = 0;
        TIMED(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, counter->window));
        TIMED(MPI_Fetch_and_op(&amount, &previous, MPI_UINT64_T, 0, 0, MPI_SUM, counter->window));
        TIMED(MPI_Win_unlock(0, counter->window));
        return previous;
    }
#endif
    uint64_t previous = counter->local;
    counter->local += amount;
    return previous;
}

void pk_comm_counter_destroy(pk_comm_counter *counter)
{
    if (counter == NULL)
        return;
#if PK_HAVE_MPI
    if (comm_size > 1)
        TIMED(MPI_Win_free(&counter->window));
#endif
    free(counter);
}
