/*
 * The line scanner (src/core/linescan.c) against a plain line-by-line
 * reading, with every variant this CPU can run (portable, SSSE3, AVX2).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "parkit/linescan.h"
#include "suites.h"

/* xorshift64*: reproducible texts. */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * UINT64_C(2685821657736338717);
}

/* Is TEXT[start, end) a plain line: 1 to 19 digits, no leading zero? */
static bool is_plain(const char *text, size_t start, size_t end)
{
    size_t n = end - start;
    if (n < 1 || n > 19 || (text[start] == '0' && n > 1))
        return false;
    for (size_t i = start; i < end; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return true;
}

/* The block scanner against a line-by-line reading with strtoull, on random
 * texts mixing plain numbers of every length with lines it must refuse
 * (leading zeros, 20+ digits, blanks, CR, junk), with every scanner, and
 * with a room that runs out. */
static void test_scan_plain_lines(void)
{
    uint64_t state = 0x2545f4914f6cdd1dULL;
    for (int level = 0; level <= 2; level++) {
        if (!pk_scan_plain_lines_use(level))
            continue; /* not on this CPU */
        for (int round = 0; round < 300; round++) {
            char text[4096 + 32];
            size_t len = 0;
            while (len < 4000) {
                unsigned kind = (unsigned)(next_random(&state) % 12);
                if (kind == 4 && next_random(&state) % 2) {
                    text[len++] = '\n'; /* a blank line */
                    continue;
                }
                size_t digits = 1 + (size_t)(next_random(&state) % (kind == 0 ? 24 : 19));
                if (kind == 1)
                    text[len++] = '0'; /* a leading zero */
                for (size_t i = 0; i < digits; i++)
                    text[len++] = (char)('0' + next_random(&state) % 10);
                if (kind == 2)
                    text[len++] = next_random(&state) % 2 ? '\r' : 'x';
                if (kind != 3 || next_random(&state) % 2)
                    text[len++] = '\n';
            }
            if (next_random(&state) % 2 && text[len - 1] == '\n')
                len--; /* no newline at the end */
            memset(text + len, 0, 32);
            size_t pos = 0, line_start = 0, taken_total = 0;
            uint64_t values[64];
            uint32_t at[64], digits[64];
            int wrong = 0;
            while (pos < len) {
                size_t room = 1 + (size_t)(next_random(&state) % 64);
                size_t before = pos;
                size_t taken = pk_scan_plain_lines(text, len, &pos, values, at, digits, room);
                CU_ASSERT(taken <= room);
                /* Every line taken is plain, in order, with its value. */
                for (size_t i = 0; i < taken; i++) {
                    size_t end = line_start;
                    while (end < len && text[end] != '\n')
                        end++;
                    char copy[32];
                    memcpy(copy, text + line_start, end - line_start < 31 ? end - line_start : 31);
                    copy[end - line_start < 31 ? end - line_start : 31] = '\0';
                    wrong += at[i] != line_start || digits[i] != end - line_start || !is_plain(text, line_start, end) ||
                             values[i] != strtoull(copy, NULL, 10);
                    line_start = end + 1;
                }
                taken_total += taken;
                CU_ASSERT(pos == (line_start < len ? line_start : len));
                if (pos >= len)
                    break;
                if (taken == room)
                    continue;
                /* It stopped at a line that is not plain: skip that line. */
                size_t end = pos;
                while (end < len && text[end] != '\n')
                    end++;
                wrong += is_plain(text, pos, end);
                CU_ASSERT(taken > 0 || pos == before);
                pos = line_start = end + 1;
            }
            CU_ASSERT_EQUAL(wrong, 0);
            CU_ASSERT(taken_total > 0);
        }
    }
    for (int level = 2; !pk_scan_plain_lines_use(level); level--)
        ;
    /* The largest 19-digit number, "0", and a 20-digit line refused. */
    char text[64] = "9999999999999999999\n0\n18446744073709551615\n";
    size_t pos = 0;
    uint64_t values[4];
    uint32_t at[4], digits[4];
    CU_ASSERT_EQUAL(pk_scan_plain_lines(text, strlen(text), &pos, values, at, digits, 4), 2);
    CU_ASSERT_EQUAL(values[0], UINT64_C(9999999999999999999));
    CU_ASSERT_EQUAL(values[1], 0);
    CU_ASSERT_EQUAL(pos, 22);
}

int pk_suite_linescan(void)
{
    static const pk_test_case cases[] = {
        {"scan_plain_lines", test_scan_plain_lines},
        {NULL, NULL},
    };
    return pk_suite_add("linescan", cases);
}
