/*
 * libFuzzer harness for the number readers (src/core/numexpr.c, linescan.c):
 *
 * - pk_parse_u64 on any text: no crash, no hang, no sanitizer report; a
 *   value it accepts prints (pk_format_u64) and parses back to itself, and
 *   a plain run of at most 19 digits means what strtoull says;
 * - pk_scan_plain_lines, a differential test: every scanner this CPU can
 *   run (portable, SSSE3, AVX2) takes exactly the same lines as the
 *   portable one, with the same values and places, whatever the room.
 *
 * Built by `make fuzz` with clang; run by tests/fuzz/run.sh.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parkit/linescan.h"
#include "parkit/numexpr.h"
#include "parkit/status.h"

enum { PADDING = 32, MAX_TEXT = 1 << 16 };

static void check_parse(const char *text)
{
    uint64_t value = 0, again = 0;
    const char *why = NULL;
    int rc = pk_parse_u64(text, &value, &why);
    if (rc != PK_OK) {
        if ((rc != PK_EINVAL && rc != PK_ERANGE) || why == NULL || why[0] == '\0')
            abort(); /* every refusal says why */
        return;
    }
    char printed[24];
    printed[pk_format_u64(printed, value)] = '\0';
    if (pk_parse_u64(printed, &again, NULL) != PK_OK || again != value)
        abort();
    size_t len = strlen(text);
    if (len >= 1 && len <= 19 && strspn(text, "0123456789") == len && strtoull(text, NULL, 10) != value)
        abort();
}

typedef struct scan_result {
    size_t count, pos[256];
    uint64_t values[4096];
    uint32_t at[4096], digits[4096];
    size_t taken;
} scan_result;

/* Scans TEXT with the current scanner in calls of ROOMS[i % 7] numbers,
 * skipping each line it stops at, and records everything. */
static void scan_all(const char *text, size_t len, const uint8_t rooms[7], scan_result *out)
{
    size_t pos = 0;
    out->count = out->taken = 0;
    for (size_t call = 0; pos < len && call < 256 && out->taken < 4096 - 64; call++) {
        size_t room = 1 + rooms[call % 7] % 64;
        size_t taken = pk_scan_plain_lines(text, len, &pos, out->values + out->taken, out->at + out->taken,
                                           out->digits + out->taken, room);
        out->taken += taken;
        out->pos[out->count++] = pos;
        if (taken < room && pos < len) { /* a line that is not plain: step over it */
            const char *newline = memchr(text + pos, '\n', len - pos);
            pos = newline != NULL ? (size_t)(newline - text) + 1 : len;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_TEXT)
        return 0;
    char *text = malloc(size + PADDING + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    memset(text + size, 0, PADDING + 1);
    check_parse(text); /* up to the first NUL, as a C string */

    /* The rooms come from the input's first bytes, the text is all of it. */
    uint8_t rooms[7] = {0, 1, 2, 3, 4, 5, 6};
    memcpy(rooms, data, size < 7 ? size : 7);
    static scan_result reference, other;
    pk_scan_plain_lines_use(0);
    scan_all(text, size, rooms, &reference);
    for (int level = 1; level <= 2; level++) {
        if (!pk_scan_plain_lines_use(level))
            continue;
        scan_all(text, size, rooms, &other);
        if (other.count != reference.count || other.taken != reference.taken ||
            memcmp(other.pos, reference.pos, reference.count * sizeof reference.pos[0]) != 0 ||
            memcmp(other.values, reference.values, reference.taken * sizeof reference.values[0]) != 0 ||
            memcmp(other.at, reference.at, reference.taken * sizeof reference.at[0]) != 0 ||
            memcmp(other.digits, reference.digits, reference.taken * sizeof reference.digits[0]) != 0)
            abort(); /* a SIMD scanner disagrees with the portable one */
    }
    /* Each value taken is its digits, read plainly. */
    for (size_t i = 0; i < reference.taken; i++) {
        char digits[24];
        if (reference.digits[i] < 1 || reference.digits[i] > 19)
            abort();
        memcpy(digits, text + reference.at[i], reference.digits[i]);
        digits[reference.digits[i]] = '\0';
        if (strtoull(digits, NULL, 10) != reference.values[i])
            abort();
    }
    free(text);
    return 0;
}
