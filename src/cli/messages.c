/*
 * What the CLI says and how it reads what it is told: "parkit: WHAT: WHY"
 * messages (control bytes escaped, the first kept for rank 0), number
 * arguments, JSON strings.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"
#include "parkit/numexpr.h"
#include "parkit/status.h"

/* The first message, kept for rank 0 when this rank's stderr is /dev/null. */
static char first_error[1024];

/* "parkit: WHAT: WHY" into OUT, control bytes (a number file's \r, \e,
 * \b ...) shown as \xNN: input must not drive the user's terminal. */
static void format_message(char *out, size_t size, const char *what, const char *fmt, va_list args)
{
    char raw[900];
    vsnprintf(raw, sizeof raw, fmt, args);
    size_t used = (size_t)snprintf(out, size, "%s: ", what);
    for (const unsigned char *c = (const unsigned char *)raw; *c != '\0' && used + 5 < size; c++) {
        if (*c < 0x20 || *c == 0x7f)
            used += (size_t)snprintf(out + used, size - used, "\\x%02x", *c);
        else
            out[used++] = (char)*c;
    }
    out[used < size ? used : size - 1] = '\0';
}

/* Prints "parkit: WHAT: WHY"; an error's is kept when it is the first. */
static void say(bool error, const char *what, const char *fmt, va_list args)
{
    char message[1024];
    format_message(message, sizeof message, what, fmt, args);
    fprintf(stderr, "parkit: %s\n", message);
    if (error && first_error[0] == '\0')
        snprintf(first_error, sizeof first_error, "%s", message);
}

void cli_error(const char *what, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    say(true, what, fmt, args);
    va_end(args);
}

void cli_note(const char *what, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    say(false, what, fmt, args);
    va_end(args);
}

const char *cli_first_error(void)
{
    return first_error;
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

