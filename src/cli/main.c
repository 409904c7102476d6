/*
 * parkit's entry point: pick the subcommand, hand over argv, return its
 * exit code.  Everything the user sees is decided in src/cli/.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/build_info.h"
#include "parkit/comm.h"
#include "parkit/status.h"
#include "parkit/version.h"

static const char usage[] =
    "usage: parkit <command> [options]\n"
    "\n"
    "commands:\n"
    "  primes count|list|check|nth|test ...  prime kernels on all cores\n"
    "  mandel [--size N] [-o FILE] ...   a Mandelbrot image (load imbalance, schedules)\n"
    "  heat [--size N] [--steps N] ...   a heat-diffusion stencil (halo exchange, bandwidth)\n"
    "  run JOB.ini [--set sec.key=val]   run a job file (jobs/*.ini)\n"
    "  bench [--quick] [-o DIR]          every kernel under every model: speedup, efficiency,\n"
    "                                    memory, plots and a cost model\n"
    "  info                              how this binary was built and what it sees\n"
    "\n"
    "Run 'parkit <command> --help' for the options of a command.\n";

/* Results are only delivered once they reach stdout: a full disk or a closed
 * pipe at the last flush is a failure, not a success. */
static int finish_stdout(int rc)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        /* A command that failed has said why already (one message, not two). */
        if (rc == PK_EXIT_OK)
            cli_error("writing standard output", "%s", strerror(errno != 0 ? errno : EIO));
        return rc == PK_EXIT_OK ? PK_EXIT_FAILURE : rc;
    }
    return rc;
}

/* Launched by mpirun, srun or another MPI launcher?  Without one, parkit
 * runs as a plain program: no MPI start-up cost, no MPI singleton. */
bool cli_launched_by_mpi(void)
{
    static const char *const variables[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                                            "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < sizeof variables / sizeof variables[0]; i++)
        if (getenv(variables[i]) != NULL)
            return true;
    return false;
}

bool cli_stderr_on_terminal(void)
{
    if (isatty(STDERR_FILENO))
        return true;
    if (!cli_launched_by_mpi())
        return false;
    /* mpirun forwards a rank's stderr through a pipe, so the rank cannot
     * see the terminal; but a rank on mpirun's own host is mpirun's child,
     * and what the user sees is mpirun's stderr. */
    char path[64], target[64], name[32] = "";
    const pid_t parent = getppid();
    snprintf(path, sizeof path, "/proc/%d/comm", (int)parent);
    FILE *comm = fopen(path, "r");
    if (comm == NULL)
        return false;
    const bool read = fgets(name, sizeof name, comm) != NULL;
    fclose(comm);
    if (!read || (strncmp(name, "mpirun", 6) != 0 && strncmp(name, "mpiexec", 7) != 0 &&
                  strncmp(name, "orterun", 7) != 0 && strncmp(name, "prterun", 7) != 0))
        return false;
    snprintf(path, sizeof path, "/proc/%d/fd/2", (int)parent);
    const ssize_t len = readlink(path, target, sizeof target - 1);
    if (len <= 0)
        return false;
    target[len] = '\0';
    return strncmp(target, "/dev/pts/", 9) == 0 || strncmp(target, "/dev/tty", 8) == 0;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return PK_EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "primes") == 0)
        return finish_stdout(cli_primes(argc - 1, argv + 1));
    if (strcmp(command, "mandel") == 0)
        return finish_stdout(cli_mandel(argc - 1, argv + 1));
    if (strcmp(command, "heat") == 0)
        return finish_stdout(cli_heat(argc - 1, argv + 1));
    if (strcmp(command, "info") == 0)
        return finish_stdout(cli_info(argc - 1, argv + 1));
    if (strcmp(command, "run") == 0)
        return finish_stdout(cli_run(argc - 1, argv + 1));
    if (strcmp(command, "bench") == 0)
        return finish_stdout(cli_bench(argc - 1, argv + 1));
    if (strcmp(command, "-h") == 0 || strcmp(command, "--help") == 0 || strcmp(command, "help") == 0) {
        fputs(usage, stdout);
        return finish_stdout(PK_EXIT_OK);
    }
    if (strcmp(command, "--version") == 0 || strcmp(command, "-V") == 0 || strcmp(command, "-v") == 0) {
        printf("parkit %s (%s)\n", pk_version(), pk_build_revision());
        return finish_stdout(PK_EXIT_OK);
    }
    cli_error(command, "unknown command (try 'parkit --help')");
    return PK_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (pk_comm_built_with_mpi() && cli_launched_by_mpi()) {
        int rc = pk_comm_init(&argc, &argv);
        if (rc != PK_OK) {
            cli_error("MPI", rc == PK_ENOTSUP ? "the MPI library cannot give MPI_THREAD_FUNNELED (got %s)"
                                              : "MPI_Init_thread failed%s",
                      rc == PK_ENOTSUP ? pk_comm_thread_level() : "");
            pk_comm_finalize();
            return PK_EXIT_FAILURE;
        }
        /* Every rank runs the same command and reaches the same answers and
         * errors (they are agreed collectively); rank 0 alone reports them. */
        if (pk_comm_rank() != 0) {
            if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL)
                return PK_EXIT_FAILURE;
        }
    }
    cli_ranks_start(argc, argv);
    int rc = dispatch(argc, argv);
    /* A rank that stopped before its command's agreement (a usage error,
     * --help) still meets the others there, so none waits forever. */
    if (!cli_ranks_were_ready())
        rc = cli_ranks_ready(rc, 0, NULL);
    if (pk_comm_windows_missing() != NULL)
        cli_note("MPI", "%s: --distribute dynamic ran as cyclic (chunks dealt to the ranks in turn); with Open MPI "
                        "over TCP, 'mpirun --mca osc ^ucx' (OMPI_MCA_osc=^ucx under srun) gives the one-sided windows back",
                 pk_comm_windows_missing());
    pk_comm_finalize();
    return rc;
}
