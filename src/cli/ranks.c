/*
 * The ranks agree before any work: the first collective of every run.
 *
 * Under mpirun each rank parses its own command line, environment and job
 * file.  A rank that fails there (OMP_NUM_THREADS=0 on one node, a job file
 * missing on one node, MPMD arguments that differ) used to return before
 * the first collective while the others waited in it forever, and its
 * message went to /dev/null with the rest of its stderr.  Now every rank
 * passes here once, failing or not, before it starts any work: they
 * compare exit codes, a hash of their arguments (and job file) and their
 * thread counts, and all leave with the same exit code.  The first failing
 * rank's message (or, when none failed, the first rank started with other
 * arguments) reaches rank 0, which prints it with the rank's number.
 *
 * The wait is interruptible: a signal aborts the job (exit 130), since a
 * rank that never comes cannot be waited for in any other way.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "parkit/comm.h"
#include "parkit/cpus.h"
#include "parkit/status.h"

enum { MESSAGE_TAG = 72, MESSAGE_BYTES = 1024 };

static uint64_t arguments_hash;
static char arguments_text[MESSAGE_BYTES];
static bool ready_done;
static pk_cpus_crowding crowding; /* found by cli_ranks_ready, said by cli_ranks_warn_crowding */
static char crowded_host[sizeof ((pk_cpus_place *)0)->host];

static uint64_t fnv1a(uint64_t hash, const void *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        hash ^= ((const unsigned char *)data)[i];
        hash *= UINT64_C(1099511628211);
    }
    return hash;
}

void cli_ranks_start(int argc, char **argv)
{
    arguments_hash = UINT64_C(14695981039346656037);
    size_t used = 0;
    for (int i = 0; i < argc; i++) {
        /* argv[0] is the program's path, which may differ between nodes. */
        if (i > 0)
            arguments_hash = fnv1a(arguments_hash, argv[i], strlen(argv[i]) + 1);
        int n = snprintf(arguments_text + used, sizeof arguments_text - used, "%s%s", i > 0 ? " " : "",
                         i > 0 ? argv[i] : "parkit");
        if (n > 0 && (size_t)n < sizeof arguments_text - used)
            used += (size_t)n;
    }
}

void cli_ranks_add_input(const void *data, size_t len)
{
    arguments_hash = fnv1a(arguments_hash, data, len);
}

bool cli_ranks_were_ready(void)
{
    return ready_done;
}

typedef struct rank_state {
    int32_t exit_code;
    int32_t threads;
    uint64_t arguments;
    pk_cpus_place place;
} rank_state;

/* Where threads will share cores, from every rank's place (on rank 0). */
static void find_crowding(const rank_state *all, int size)
{
    pk_cpus_place *places = malloc((size_t)size * sizeof *places);
    if (places == NULL)
        return;
    for (int r = 0; r < size; r++)
        places[r] = all[r].place;
    pk_cpus_crowding_find(places, size, &crowding);
    if (crowding.kind != PK_CROWDED_NONE)
        snprintf(crowded_host, sizeof crowded_host, "%s", places[crowding.rank].host);
    free(places);
}

/* Rank FROM's message to rank 0 (collective among those two only). */
static void relay(int from, const char *text, char *received)
{
    if (pk_comm_rank() == from) {
        pk_comm_send(text, strlen(text) + 1, 0, MESSAGE_TAG);
    } else if (pk_comm_rank() == 0) {
        void *message = NULL;
        long bytes = pk_comm_receive(&message, from, MESSAGE_TAG);
        snprintf(received, MESSAGE_BYTES, "%.*s", bytes > 0 ? (int)bytes : 0, bytes > 0 ? (char *)message : "");
        free(message);
    }
}

int cli_ranks_ready(int exit_code, int threads, uint64_t *world_threads)
{
    ready_done = true;
    const int size = pk_comm_size();
    if (world_threads != NULL)
        *world_threads = (uint64_t)(threads > 0 ? threads : 1);
    rank_state mine = {.exit_code = exit_code, .threads = threads, .arguments = arguments_hash};
    pk_cpus_place_here(threads, &mine.place);
    if (size == 1) {
        find_crowding(&mine, 1);
        return exit_code;
    }
    rank_state *all = calloc((size_t)size, sizeof *all);
    if (all == NULL)
        pk_comm_abort(PK_EXIT_FAILURE);
    if (pk_comm_allgather_until(&mine, all, sizeof mine, cli_signals_install()) != PK_OK) {
        cli_error("mpirun", "interrupted by signal %d while waiting for the other ranks", cli_signal_received());
        pk_comm_abort(PK_EXIT_INTERRUPTED);
    }
    int failed = -1, differs = -1;
    uint64_t total_threads = 0;
    for (int r = 0; r < size; r++) {
        if (failed < 0 && all[r].exit_code != PK_EXIT_OK)
            failed = r;
        if (differs < 0 && all[r].arguments != all[0].arguments)
            differs = r;
        total_threads += (uint64_t)(all[r].threads > 0 ? all[r].threads : 1);
    }
    if (world_threads != NULL)
        *world_threads = total_threads;
    if (pk_comm_rank() == 0)
        find_crowding(all, size);
    int agreed = PK_EXIT_OK;
    char received[MESSAGE_BYTES] = "";
    if (failed >= 0) {
        agreed = all[failed].exit_code;
        if (failed > 0) { /* rank 0 said its own already */
            relay(failed, cli_first_error(), received);
            if (pk_comm_rank() == 0) {
                /* "what: why" becomes "what (rank N): why". */
                char *colon = strstr(received, ": ");
                if (colon != NULL)
                    fprintf(stderr, "parkit: %.*s (rank %d)%s\n", (int)(colon - received), received, failed, colon);
                else
                    fprintf(stderr, "parkit: rank %d: %s\n", failed, received[0] != '\0' ? received : "failed");
            }
        }
    } else if (differs >= 0) {
        agreed = PK_EXIT_USAGE;
        relay(differs, arguments_text, received);
        if (pk_comm_rank() == 0)
            fprintf(stderr,
                    "parkit: mpirun: the ranks must run the same job, but rank %d's arguments or job file differ "
                    "from rank 0's (rank %d: '%s', rank 0: '%s')\n",
                    differs, differs, received, arguments_text);
    }
    free(all);
    return agreed;
}

void cli_ranks_warn_crowding(const char *source)
{
    if (pk_comm_rank() != 0 || crowding.kind == PK_CROWDED_NONE)
        return;
    const pk_cpus_crowding *c = &crowding;
    const char *cpus_word = c->cpus == 1 ? "CPU" : "CPUs";
    if (!cli_launched_by_mpi()) {
        fprintf(stderr, "parkit: warning: %d threads (from %s) on %d %s of the affinity mask: threads will share cores\n",
                c->threads, source, c->cpus, cpus_word);
        return;
    }
    char ranks_text[96], others[48] = "", where[256], advice[128];
    const int per_rank = c->alike ? c->threads / c->ranks : 0;
    if (c->alike)
        snprintf(ranks_text, sizeof ranks_text, "%d rank%s x %d thread%s, from %s", c->ranks, c->ranks == 1 ? "" : "s",
                 per_rank, per_rank == 1 ? "" : "s", source);
    else
        snprintf(ranks_text, sizeof ranks_text, "%d ranks", c->ranks);
    if (c->hosts > 1)
        snprintf(others, sizeof others, " (and on %d other host%s)", c->hosts - 1, c->hosts == 2 ? "" : "s");
    if (c->kind == PK_CROWDED_RANK || (c->threads <= c->online && per_rank > 0)) {
        /* The host has the CPUs, but the ranks were bound to fewer. */
        const int want = c->kind == PK_CROWDED_RANK ? c->threads : per_rank;
        if (c->kind == PK_CROWDED_RANK)
            snprintf(where, sizeof where, "rank %d runs %d threads (from %s) on the %d %s it is bound to", c->rank,
                     c->threads, source, c->cpus, cpus_word);
        else
            snprintf(where, sizeof where, "%d threads on host %s, whose ranks are bound to %d of its %d CPUs (%s)%s",
                     c->threads, crowded_host, c->cpus, c->online, ranks_text, others);
        if (getenv("SLURM_JOB_ID") != NULL)
            snprintf(advice, sizeof advice, "ask Slurm for %d CPUs a task (--cpus-per-task=%d)", want, want);
        else
            snprintf(advice, sizeof advice, "give each rank its cores with mpirun --map-by slot:PE=%d, or --bind-to none",
                     want);
    } else {
        /* More threads than the host's CPUs: no binding helps, fewer threads do. */
        const int fit = c->cpus / c->ranks;
        snprintf(where, sizeof where, "%d threads on the %d %s of host %s (%s)%s", c->threads, c->cpus, cpus_word,
                 crowded_host, ranks_text, others);
        if (fit >= 1)
            snprintf(advice, sizeof advice, "give each rank %d thread%s (-t %d)", fit, fit == 1 ? "" : "s", fit);
        else
            snprintf(advice, sizeof advice, "give each rank 1 thread (-t 1) and start fewer ranks a host");
    }
    fprintf(stderr, "parkit: warning: %s: threads will share cores; %s\n", where, advice);
}
