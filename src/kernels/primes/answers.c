/*
 * check's answers: a verdict for each number of a parsed block, as text
 * (parkit/answers.h runs them through reader, engine and writer).
 *
 * Answers copy the number's own digits from the input when they are
 * already in canonical form (the common case), so formatting an answer
 * costs a copy; expressions such as 2^61-1 are written as their value.
 */
#include <stdlib.h>
#include <string.h>

#include "parkit/answers.h"
#include "parkit/numexpr.h"
#include "parkit/primality.h"
#include "parkit/primes.h"
#include "parkit/status.h"

size_t pk_primes_answer_extra(pk_primes_answer_format format)
{
    /* ",{"n":"" digits "","verdict":"" verdict ""}\n" against
     * digits " " verdict "\n"; the longest verdict is "probable-prime". */
    return format == PK_PRIMES_ANSWER_JSON || format == PK_PRIMES_ANSWER_JSONL ? 7 + 13 + 14 + 3 : 1 + 14 + 1;
}

int pk_primes_answer(const void *format_p, const pk_number_block *block, size_t begin, size_t end, char **out_p,
                     uint64_t counters[])
{
    const pk_primes_answer_format format = *(const pk_primes_answer_format *)format_p;
    char *out = *out_p;
    static const char plain_verdicts[2][16] = {" composite\n", " prime\n"};
    if (format == PK_PRIMES_ANSWER_TEXT && !block->irregular) {
        /* The usual numbers: canonical digits below 2^64, "N prime" lines
         * by fixed-size copies (the input is padded, so 24 bytes can
         * always be read).  The block's arrays in locals, so nothing is
         * reloaded per number. */
        const uint64_t *values = block->values;
        const uint32_t *at = block->at, *len = block->len;
        const char *text = block->text;
        uint64_t primes = 0;
        for (size_t i = begin; i < end; i++) {
            bool prime = pk_is_prime_u64(values[i]);
            primes += prime;
            memcpy(out, text + at[i], 24);
            memcpy(out + len[i], plain_verdicts[prime], 16);
            out += len[i] + (prime ? 7 : 11);
        }
        counters[0] += primes;
        goto done;
    }
    for (size_t i = begin; i < end; i++) {
        const char *digits = block->text + block->at[i];
        size_t len = block->len[i];
        if (format == PK_PRIMES_ANSWER_TEXT && !block->big[i]) {
            bool prime = pk_is_prime_u64(block->values[i]);
            counters[0] += prime;
            if (len > 0)
                memcpy(out, digits, 24);
            else
                len = pk_format_u64(out, block->values[i]);
            memcpy(out + len, plain_verdicts[prime], 16);
            out += len + (prime ? 7 : 11);
            continue;
        }
        const char *verdict;
        size_t verdict_len;
        if (block->big[i]) {
            char *copy = malloc(len + 1);
            if (copy == NULL)
                return PK_ENOMEM;
            memcpy(copy, digits, len);
            copy[len] = '\0';
            pk_primality big_verdict = PK_COMPOSITE;
            int rc = pk_primality_of_decimal(copy, &big_verdict);
            free(copy);
            if (rc != PK_OK)
                return rc;
            verdict = pk_primality_name(big_verdict);
            verdict_len = strlen(verdict);
            counters[0] += big_verdict != PK_COMPOSITE;
        } else {
            bool prime = pk_is_prime_u64(block->values[i]);
            verdict = prime ? "prime" : "composite";
            verdict_len = prime ? 5 : 9;
            counters[0] += prime;
        }
        char formatted[24];
        if (len == 0) {
            len = pk_format_u64(formatted, block->values[i]);
            digits = formatted;
        }
#define PUT(text, n) (memcpy(out, (text), (n)), out += (n))
        if (format == PK_PRIMES_ANSWER_JSON || format == PK_PRIMES_ANSWER_JSONL) {
            if (format == PK_PRIMES_ANSWER_JSON)
                PUT(",", 1);
            PUT("{\"n\":\"", 6);
            PUT(digits, len);
            PUT("\",\"verdict\":\"", 13);
            PUT(verdict, verdict_len);
            PUT(format == PK_PRIMES_ANSWER_JSON ? "\"}" : "\"}\n", format == PK_PRIMES_ANSWER_JSON ? 2 : 3);
        } else {
            if (format == PK_PRIMES_ANSWER_TEXT) {
                PUT(digits, len);
                PUT(" ", 1);
            }
            PUT(verdict, verdict_len);
            PUT("\n", 1);
        }
#undef PUT
    }
done:
    *out_p = out;
    counters[1] += end - begin;
    return PK_OK;
}
