/*
 * parkit's entry point: pick the subcommand, hand over argv, return its
 * exit code.  Everything the user sees is decided in src/cli/.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/build_info.h"
#include "parkit/numexpr.h"

static const char usage[] =
    "usage: parkit <command> [options]\n"
    "\n"
    "commands:\n"
    "  primes count|list|check|nth ...   prime kernels on all cores\n"
    "  info                              how this binary was built and what it sees\n"
    "\n"
    "Run 'parkit <command> --help' for the options of a command.\n";

void cli_error(const char *what, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "parkit: %s: ", what);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    va_end(args);
}

int cli_parse_number(const char *what, const char *name, const char *text, uint64_t *value)
{
    const char *why = NULL;
    if (pk_parse_u64(text, value, &why) == 0)
        return PK_EXIT_OK;
    cli_error(what, "bad %s '%s': %s", name, text, why != NULL ? why : "not a number");
    return PK_EXIT_USAGE;
}

void cli_json_string(const char *text)
{
    putchar('"');
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            printf("\\%c", *c);
        else if (*c < 0x20)
            printf("\\u%04x", *c);
        else
            putchar(*c);
    }
    putchar('"');
}

/* Results are only delivered once they reach stdout: a full disk or a closed
 * pipe at the last flush is a failure, not a success. */
static int finish_stdout(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (rc == PK_EXIT_OK || rc == PK_EXIT_FAILURE)
            cli_error("writing standard output", "%s", strerror(errno != 0 ? errno : EIO));
        return rc == PK_EXIT_OK ? PK_EXIT_FAILURE : rc;
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return PK_EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "primes") == 0)
        return finish_stdout(cli_primes(argc - 1, argv + 1));
    if (strcmp(command, "info") == 0)
        return finish_stdout(cli_info(argc - 1, argv + 1));
    if (strcmp(command, "-h") == 0 || strcmp(command, "--help") == 0 || strcmp(command, "help") == 0) {
        fputs(usage, stdout);
        return PK_EXIT_OK;
    }
    if (strcmp(command, "--version") == 0 || strcmp(command, "-V") == 0) {
        printf("parkit %s\n", pk_build_revision());
        return finish_stdout(PK_EXIT_OK);
    }
    cli_error(command, "unknown command (try 'parkit --help')");
    return PK_EXIT_USAGE;
}
