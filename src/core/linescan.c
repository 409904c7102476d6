/*
 * The fast reader of plain numbers, one per line (see parkit/linescan.h).
 *
 * A file of numbers to check is mostly lines of 1 to 19 digits.  Reading
 * them one by one with the expression parser (numexpr.c) costs 30-40 ns a
 * line; this scanner finds lines and converts digits 8 (SWAR), 16 (SSSE3)
 * or 32 bytes (AVX2 masks) at a time, about 5.5 ns a line with AVX2.  Any
 * line it does not take (blanks, comments, expressions, 20+ digits, a
 * leading zero) goes back to the caller, which parses it the slow way.
 *
 * The SIMD variants are compiled with target attributes and chosen once, at
 * the first call, from what the CPU has; every variant gives exactly the
 * portable one's results (tests/unit/test_linescan.c runs each, and the
 * fuzzer in tests/fuzz/ compares them on any input).
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parkit/linescan.h"

/* Counts the digits at the start of TEXT, eight at a time, and stores the
 * value of 1 to 19 of them.  Returns the count (20 for 20 or more).  Reads
 * 24 bytes. */
static inline size_t scan_digits_swar(const char *text, uint64_t *value)
{
    const uint64_t zeros = UINT64_C(0x3030303030303030);
    uint64_t w[3], stops[3];
    memcpy(w, text, sizeof w);
    for (int i = 0; i < 3; i++) {
        /* High bit of each byte that is no digit; exact for the lowest such
         * byte (a carry may flag the bytes above it). */
        uint64_t x = w[i] ^ zeros;
        stops[i] = ((x + UINT64_C(0x7676767676767676)) | x) & UINT64_C(0x8080808080808080);
        w[i] -= zeros; /* digits become 0..9; no borrow leaves a digit */
    }
    size_t n = stops[0] ? (size_t)__builtin_ctzll(stops[0]) / 8
             : stops[1] ? 8 + (size_t)__builtin_ctzll(stops[1]) / 8
             : stops[2] ? 16 + (size_t)__builtin_ctzll(stops[2]) / 8 : 24;
    if (n == 0 || n > 19)
        return n == 0 ? 0 : 20;
    static const uint64_t scale[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
    uint64_t result = 0;
    size_t full = n / 8, rest = n % 8;
    for (size_t i = 0; i <= full && i < 3; i++) {
        /* Eight digits, the first in the lowest byte: pairs, quadruples,
         * then all eight, by multiply-and-shift.  The last word is shifted
         * so its `rest` digits are right-aligned (what follows drops out). */
        if (i == full && rest == 0)
            break;
        uint64_t v = i < full ? w[i] : w[i] << (8 * (8 - rest));
        v = v * 10 + (v >> 8);
        v = (((v & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32))) +
             (((v >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32)))) >> 32;
        result = result * (i < full ? 100000000 : scale[rest]) + v;
    }
    *value = result;
    return n;
}

/* Inside a loop over the lines from P: takes the line at P when it is a
 * plain number (SCAN reads its digits), else leaves the loop. */
#define TAKE_PLAIN_LINE(SCAN)                                                                                    \
    {                                                                                                            \
        uint64_t value;                                                                                          \
        size_t n = SCAN(text + p, &value);                                                                       \
        if (n == 0 || n > 19 || p + n > len || (text[p] == '0' && n > 1) || (p + n < len && text[p + n] != '\n')) \
            break;                                                                                               \
        values[taken] = value;                                                                                   \
        at[taken] = (uint32_t)p;                                                                                 \
        digits[taken] = (uint32_t)n;                                                                             \
        taken++;                                                                                                 \
        p += n + 1;                                                                                              \
    }

/* The loop of pk_scan_plain_lines around one digit scanner: written once,
 * compiled once per scanner (with that scanner inlined). */
#define SCAN_PLAIN_LINES(SCAN)                                                                                   \
    size_t taken = 0, p = *pos;                                                                                  \
    while (taken < room && p < len)                                                                              \
        TAKE_PLAIN_LINE(SCAN)                                                                                    \
    *pos = p < len ? p : len;                                                                                    \
    return taken;

static size_t scan_plain_lines_swar(const char *text, size_t len, size_t *pos, uint64_t *values, uint32_t *at,
                                    uint32_t *digits, size_t room)
{
    SCAN_PLAIN_LINES(scan_digits_swar)
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_SCAN_SSSE3 1

/* For 1..16 digits: a shuffle that moves them to the top of the register,
 * zeros (-128: "clear") before them. */
#define ALIGN_ROW(m)                                                                                             \
    {ALIGN_AT(0, m), ALIGN_AT(1, m), ALIGN_AT(2, m), ALIGN_AT(3, m), ALIGN_AT(4, m), ALIGN_AT(5, m),             \
     ALIGN_AT(6, m), ALIGN_AT(7, m), ALIGN_AT(8, m), ALIGN_AT(9, m), ALIGN_AT(10, m), ALIGN_AT(11, m),           \
     ALIGN_AT(12, m), ALIGN_AT(13, m), ALIGN_AT(14, m), ALIGN_AT(15, m)}
#define ALIGN_AT(j, m) ((j) >= 16 - (m) ? (j) - (16 - (m)) : -128)
static const int8_t align_digits[17][16] __attribute__((aligned(16))) = {
    ALIGN_ROW(0),  ALIGN_ROW(1),  ALIGN_ROW(2),  ALIGN_ROW(3),  ALIGN_ROW(4),  ALIGN_ROW(5),
    ALIGN_ROW(6),  ALIGN_ROW(7),  ALIGN_ROW(8),  ALIGN_ROW(9),  ALIGN_ROW(10), ALIGN_ROW(11),
    ALIGN_ROW(12), ALIGN_ROW(13), ALIGN_ROW(14), ALIGN_ROW(15), ALIGN_ROW(16),
};
#undef ALIGN_AT
#undef ALIGN_ROW

/* The value of 16 digit values (0..9, the first in the lowest byte):
 * pairs (pmaddubsw), quadruples (pmaddwd), then two runs of eight. */
__attribute__((target("ssse3"))) static inline uint64_t sixteen_digits(__m128i d)
{
    __m128i pairs = _mm_maddubs_epi16(d, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
    __m128i quads = _mm_madd_epi16(pairs, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
    __m128i eights = _mm_madd_epi16(_mm_packs_epi32(quads, quads),
                                    _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
    return (uint64_t)(uint32_t)_mm_cvtsi128_si32(eights) * 100000000 +
           (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(eights, 4));
}

/* The same as scan_digits_swar, 16 digits per step (sixteen_digits),
 * after moving the digits to the top of a register.  Reads 20 bytes. */
__attribute__((target("ssse3"))) static inline size_t scan_digits_ssse3(const char *text, uint64_t *value)
{
    __m128i d = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)text), _mm_set1_epi8('0'));
    unsigned is_digit = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
    size_t n = (size_t)__builtin_ctz(~is_digit), m = n;
    if (n == 0)
        return 0;
    while (n >= 16 && n < 20 && (unsigned)(text[n] - '0') < 10)
        n++;
    if (n > 19)
        return 20;
    uint64_t result = sixteen_digits(_mm_shuffle_epi8(d, _mm_load_si128((const __m128i *)(const void *)align_digits[m])));
    for (size_t k = 16; k < n; k++)
        result = result * 10 + (uint64_t)(text[k] - '0');
    *value = result;
    return n;
}

/* The value of the N (1..19) digits right before END; the 16 bytes before
 * END are readable.  The last 16 digits as in scan_digits_ssse3, without
 * the shuffle (they already end the register), the rest one by one. */
__attribute__((target("ssse3"))) static inline uint64_t digits_ending_at(const char *end, size_t n)
{
    __m128i d = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)(end - 16)), _mm_set1_epi8('0'));
    /* Keep the last min(n, 16) bytes: those whose index j is past 15 - n. */
    __m128i keep = _mm_cmpgt_epi8(_mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                  _mm_set1_epi8((char)(15 - (int)(n < 16 ? n : 16))));
    uint64_t value = sixteen_digits(_mm_and_si128(d, keep));
    if (n > 16) {
        uint64_t high = 0;
        for (const char *q = end - n; q < end - 16; q++)
            high = high * 10 + (uint64_t)(*q - '0');
        value += high * UINT64_C(10000000000000000);
    }
    return value;
}

/* Where the newlines are in the 64 bytes at W, and which bytes are digits:
 * with SSSE3 16 bytes at a time, with AVX2 32. */
__attribute__((target("ssse3"))) static inline void window_masks_ssse3(const char *w, uint64_t *newlines,
                                                                        uint64_t *digit)
{
    const __m128i newline = _mm_set1_epi8('\n'), zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
    *newlines = *digit = 0;
    for (int k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(w + 16 * k));
        __m128i d = _mm_sub_epi8(x, zero);
        *newlines |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, newline)) << (16 * k);
        *digit |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, nine), d)) << (16 * k);
    }
}

__attribute__((target("avx2"))) static inline void window_masks_avx2(const char *w, uint64_t *newlines,
                                                                      uint64_t *digit)
{
    const __m256i newline = _mm256_set1_epi8('\n'), zero = _mm256_set1_epi8('0'), nine = _mm256_set1_epi8(9);
    *newlines = *digit = 0;
    for (int k = 0; k < 2; k++) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(w + 32 * k));
        __m256i d = _mm256_sub_epi8(x, zero);
        *newlines |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, newline)) << (32 * k);
        *digit |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(d, nine), d))
                  << (32 * k);
    }
}

/* Finds the lines first, 64 bytes at a time: where the newlines are, and
 * that every other byte is a digit, are two masks (WINDOW_MASKS); each line
 * then costs a bit scan and a conversion, and no line waits for the one
 * before it to be converted (as when each line's end comes from its
 * digits).  Near the edges of the text, and at lines that are not plain,
 * one line at a time.  Written once, compiled once per mask function. */
#define SCAN_PLAIN_LINES_BY_WINDOWS(WINDOW_MASKS)                                                                \
    size_t taken = 0, p = *pos;                                                                                  \
    while (taken < room && p < len) {                                                                            \
        if (p >= 16 && len - p >= 64) { /* digits_ending_at reads 16 bytes back */                              \
            /* The text was written on another core (the reader's): ask for it well ahead. */                  \
            __builtin_prefetch(text + p + 1024);                                                                 \
            uint64_t newlines, digit;                                                                            \
            WINDOW_MASKS(text + p, &newlines, &digit);                                                           \
            /* The lines that end before the first byte that is neither. */                                     \
            uint64_t other = ~(newlines | digit);                                                                \
            uint64_t ends = other != 0 ? newlines & ((other & (0 - other)) - 1) : newlines;                      \
            if (ends != 0) {                                                                                     \
                const char *w = text + p;                                                                        \
                size_t start = 0;                                                                                \
                do {                                                                                             \
                    size_t end = (size_t)__builtin_ctzll(ends), n = end - start;                                 \
                    ends &= ends - 1;                                                                            \
                    if (n == 0 || n > 19 || (w[start] == '0' && n > 1)) {                                        \
                        *pos = p + start; /* not plain: the caller's */                                          \
                        return taken;                                                                            \
                    }                                                                                            \
                    values[taken] = digits_ending_at(w + end, n);                                                \
                    at[taken] = (uint32_t)(p + start);                                                           \
                    digits[taken] = (uint32_t)n;                                                                 \
                    taken++;                                                                                     \
                    start = end + 1;                                                                             \
                } while (ends != 0 && taken < room);                                                             \
                p += start;                                                                                      \
                continue;                                                                                        \
            }                                                                                                    \
        }                                                                                                        \
        TAKE_PLAIN_LINE(scan_digits_ssse3)                                                                       \
    }                                                                                                            \
    *pos = p < len ? p : len;                                                                                    \
    return taken;

__attribute__((target("ssse3"))) static size_t scan_plain_lines_ssse3(const char *text, size_t len, size_t *pos,
                                                                     uint64_t *values, uint32_t *at,
                                                                     uint32_t *digits, size_t room)
{
    SCAN_PLAIN_LINES_BY_WINDOWS(window_masks_ssse3)
}

/* The same with the masks 32 bytes at a time: a fifth less time a line. */
__attribute__((target("avx2"))) static size_t scan_plain_lines_avx2(const char *text, size_t len, size_t *pos,
                                                                   uint64_t *values, uint32_t *at,
                                                                   uint32_t *digits, size_t room)
{
    SCAN_PLAIN_LINES_BY_WINDOWS(window_masks_avx2)
}
#endif

typedef size_t (*scan_plain_lines_fn)(const char *, size_t, size_t *, uint64_t *, uint32_t *, uint32_t *, size_t);
static _Atomic(scan_plain_lines_fn) scan_plain_lines_chosen;

/* For tests: the scanner every later call uses, 0 the portable one, 1
 * SSSE3, 2 AVX2; false when this CPU cannot run it (nothing changes).
 * The first call of pk_scan_plain_lines picks the best this CPU can run. */
bool pk_scan_plain_lines_use(int level)
{
    scan_plain_lines_fn scan = scan_plain_lines_swar;
#ifdef HAVE_SCAN_SSSE3
    if (level >= 2 && !__builtin_cpu_supports("avx2"))
        return false;
    if (level >= 1 && !__builtin_cpu_supports("ssse3"))
        return false;
    scan = level >= 2 ? scan_plain_lines_avx2 : level == 1 ? scan_plain_lines_ssse3 : scan_plain_lines_swar;
#else
    if (level > 0)
        return false;
#endif
    atomic_store(&scan_plain_lines_chosen, scan);
    return true;
}

size_t pk_scan_plain_lines(const char *text, size_t len, size_t *pos, uint64_t *values, uint32_t *at,
                           uint32_t *digits, size_t room)
{
    scan_plain_lines_fn scan = atomic_load_explicit(&scan_plain_lines_chosen, memory_order_relaxed);
    if (scan == NULL) {
        for (int level = 2; !pk_scan_plain_lines_use(level); level--)
            ;
        scan = atomic_load(&scan_plain_lines_chosen);
    }
    return scan(text, len, pos, values, at, digits, room);
}
