/*
 * Blocks of numbers from text (src/io/numbers.c), the parser of check's
 * input: plain lines and the general parser give the same numbers, bad
 * lines are counted and the first named (or stop the parse), expressions
 * and numbers of 2^64 and above are marked, and a block is cut into pieces
 * of whole lines.
 */
#include <stdlib.h>
#include <string.h>

#include "parkit/numbers.h"
#include "parkit/reader.h"
#include "suites.h"

#ifndef PK_HAVE_GMP
#define PK_HAVE_GMP 0
#endif

/* A reader's block holding TEXT, padded as the reader pads it. */
static pk_line_block block_of(const char *text)
{
    size_t len = strlen(text);
    char *copy = calloc(1, len + PK_READER_PADDING + 1);
    memcpy(copy, text, len);
    return (pk_line_block){.text = copy, .len = len};
}

static const char mixed[] = "7\n"
                            "  11 \r\n"
                            "# a comment\n"
                            "\n"
                            "2^61-1\n"
                            "abc\n"
                            "0013\n"
                            "18446744073709551615\n"
                            "18446744073709551616\n"
                            "17"; /* no newline at the end */

static void test_lines_of_every_kind(void)
{
    pk_line_block block = block_of(mixed);
    pk_number_block parsed = {0};
    pk_number_block_parse(&parsed, &block, false);
    CU_ASSERT_FALSE(parsed.failed);
    CU_ASSERT_EQUAL(block.lines, 10);
    /* 2^64 is kept as digits for GMP, or is a bad line that says so. */
    const bool gmp = PK_HAVE_GMP;
    CU_ASSERT_EQUAL(parsed.bad.count, gmp ? 1 : 2);
    CU_ASSERT_EQUAL(parsed.bad.named[0].local_line, 5);
    CU_ASSERT_STRING_EQUAL(parsed.bad.named[0].text, "abc");
    if (!gmp)
        CU_ASSERT_PTR_NOT_NULL(strstr(parsed.bad.named[1].why, "GMP"));
    CU_ASSERT_EQUAL(parsed.count, gmp ? 7 : 6);
    if (parsed.count >= 6) {
        CU_ASSERT_EQUAL(parsed.values[0], 7);
        CU_ASSERT_EQUAL(parsed.values[1], 11);
        CU_ASSERT_EQUAL(parsed.len[1], 2); /* its digits, trimmed */
        CU_ASSERT_EQUAL(memcmp(block.text + parsed.at[1], "11", 2), 0);
        CU_ASSERT_EQUAL(parsed.values[2], (UINT64_C(1) << 61) - 1);
        CU_ASSERT_EQUAL(parsed.len[2], 0); /* an expression: answered as its value */
        CU_ASSERT_EQUAL(parsed.values[3], 13);
        CU_ASSERT_EQUAL(parsed.len[3], 0); /* leading zeros: not canonical */
        CU_ASSERT_EQUAL(parsed.values[4], UINT64_MAX);
        CU_ASSERT_EQUAL(parsed.len[4], 20);
        CU_ASSERT_EQUAL(parsed.values[parsed.count - 1], 17);
        if (gmp)
            CU_ASSERT_EQUAL(parsed.big[5], 1);
        CU_ASSERT_TRUE(parsed.irregular);
    }
    pk_number_block_free(&parsed);
    free(block.text);
}

static void test_stop_at_the_first_bad_line(void)
{
    pk_line_block block = block_of(mixed);
    pk_number_block parsed = {0};
    pk_number_block_parse(&parsed, &block, true);
    CU_ASSERT_TRUE(parsed.stopped);
    CU_ASSERT_EQUAL(parsed.count, 3); /* 7, 11, 2^61-1 */
    CU_ASSERT_EQUAL(parsed.bad.count, 1);
    CU_ASSERT_TRUE(parsed.bad.named[0].why[0] != '\0');
    pk_number_block_free(&parsed);
    free(block.text);
}

static void test_bad_lines_counted_first_named(void)
{
    char text[4096] = "";
    for (int i = 0; i < 9; i++)
        strcat(text, "x\n5\n");
    pk_line_block block = block_of(text);
    pk_number_block parsed = {0};
    pk_number_block_parse(&parsed, &block, false);
    CU_ASSERT_EQUAL(parsed.count, 9);
    CU_ASSERT_EQUAL(parsed.bad.count, 9);
    CU_ASSERT_EQUAL(parsed.bad.named[PK_NUMBERS_BAD_NAMED - 1].local_line, 2 * (PK_NUMBERS_BAD_NAMED - 1));
    pk_number_block_free(&parsed);
    free(block.text);
}

static void test_plain_and_general_lines_agree(void)
{
    /* The same numbers, once as plain lines (the SIMD scanner) and once
     * each with a blank in front (the general parser). */
    char plain[1 << 16] = "", general[1 << 16] = "";
    uint64_t x = 88172645463325252u;
    for (int i = 0; i < 1000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        char line[32];
        snprintf(line, sizeof line, "%llu\n", (unsigned long long)(x >> (i % 64)));
        strcat(plain, line);
        strcat(general, " ");
        strcat(general, line);
    }
    pk_line_block a = block_of(plain), b = block_of(general);
    pk_number_block pa = {0}, pb = {0};
    pk_number_block_parse(&pa, &a, true);
    pk_number_block_parse(&pb, &b, true);
    CU_ASSERT_EQUAL(pa.count, 1000);
    CU_ASSERT_EQUAL(pb.count, 1000);
    CU_ASSERT_TRUE(pa.count == pb.count && memcmp(pa.values, pb.values, pa.count * sizeof pa.values[0]) == 0);
    pk_number_block_free(&pa);
    pk_number_block_free(&pb);
    free(a.text);
    free(b.text);
}

static void test_pieces_are_whole_lines(void)
{
    char text[1 << 14] = "";
    for (int i = 0; i < 1000; i++) {
        char line[16];
        snprintf(line, sizeof line, "%d\n", i * 7919);
        strcat(text, line);
    }
    pk_line_block block = block_of(text);
    pk_number_block parsed = {0};
    pk_number_block_cut(&parsed, &block, 256);
    CU_ASSERT_EQUAL(block.lines, PK_LINES_UNCOUNTED);
    CU_ASSERT_TRUE(parsed.pieces > 10);
    CU_ASSERT_EQUAL(parsed.piece_start[0], 0);
    CU_ASSERT_EQUAL(parsed.piece_start[parsed.pieces], block.len);
    int whole = 1;
    for (size_t i = 1; i < parsed.pieces; i++)
        whole &= parsed.piece_start[i] > parsed.piece_start[i - 1] && block.text[parsed.piece_start[i] - 1] == '\n' &&
                 parsed.piece_start[i] - parsed.piece_start[i - 1] >= 256;
    CU_ASSERT_TRUE(whole);
    pk_number_block_free(&parsed);
    free(block.text);
}

static void test_out_of_range_says_how(void)
{
    CU_ASSERT_PTR_NOT_NULL(strstr(pk_numbers_out_of_range("exceeds 2^64-1"), "plain digits"));
    CU_ASSERT_STRING_EQUAL(pk_numbers_out_of_range("is negative"), "is negative");
    pk_number_block parsed = {0};
    const char *why = pk_number_block_add(&parsed, "2^64", 4, 0);
    CU_ASSERT_PTR_NOT_NULL(why);
    CU_ASSERT_PTR_NOT_NULL(why != NULL ? strstr(why, "plain digits") : NULL);
    CU_ASSERT_PTR_NULL(pk_number_block_add(&parsed, "97", 2, 0));
    CU_ASSERT_EQUAL(parsed.count, 1);
    pk_number_block_free(&parsed);
}

int pk_suite_numbers(void)
{
    static const pk_test_case cases[] = {
        {"lines_of_every_kind", test_lines_of_every_kind},
        {"stop_at_the_first_bad_line", test_stop_at_the_first_bad_line},
        {"bad_lines_counted_first_named", test_bad_lines_counted_first_named},
        {"plain_and_general_lines_agree", test_plain_and_general_lines_agree},
        {"pieces_are_whole_lines", test_pieces_are_whole_lines},
        {"out_of_range_says_how", test_out_of_range_says_how},
        {NULL, NULL},
    };
    return pk_suite_add("numbers", cases);
}
