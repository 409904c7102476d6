/*
 * Number expressions: the integers people type for ranges and counts.
 *
 * Someone who wants the primes up to ten billion types 1e10 or 10^10, not
 * 10000000000, and someone probing the top of the 64-bit range types 2^64-1
 * or 2^64-59.  strtoull would reject those or, worse, quietly wrap them, and
 * a run over the wrong range can burn hours of cluster time before anyone
 * notices.  This module reads exactly the small language those inputs need
 * and reports every overflow instead of wrapping.
 *
 * Grammar (no whitespace anywhere; the whole text must be consumed):
 *
 *   expr   := term (('+' | '-') term)*
 *   term   := power ('*' power)*
 *   power  := atom ('^' power)?              right-associative: 2^3^2 = 2^9
 *   atom   := DIGITS ['.' DIGITS] [('e' | 'E') ['+'] DIGITS]  |  '(' expr ')'
 *
 * - A decimal point is allowed only when the literal is an integer once its
 *   exponent is applied: 1.5e9 and 1.0 are fine, 1.5 and 1.23e1 are
 *   PK_EINVAL "not an integer".  Leading zeros are fine (007 = 7).
 * - A leading '-' on the whole text is PK_ERANGE "negative numbers are not
 *   allowed" (PK_EINVAL if the rest is malformed anyway, as in "--5"); a
 *   leading '+' is PK_EINVAL.  Signs inside, like 10^-2 or (-5), are PK_EINVAL.
 * - Intermediate results may be negative: 5-6+2 = 1, (0-2)^2 = 4.  Only the
 *   final value must lie in [0, 2^64-1]; below 0 is PK_ERANGE "negative
 *   result", above 2^64-1 is PK_ERANGE "exceeds 2^64-1".
 * - Intermediates are exact 128-bit signed integers, so 2^64 in 2^64-1 is
 *   fine; an intermediate whose magnitude reaches 2^127 is PK_ERANGE
 *   "exceeds 2^64-1" (so 2^1000-2^1000 is rejected).
 * - A negative exponent, as in 2^(0-1), is PK_ERANGE "negative exponent".
 *   0^0 is 1.
 * - Parentheses and '^' chains together may nest at most
 *   PK_NUMEXPR_MAX_DEPTH levels; deeper is PK_EINVAL "too deeply nested".
 * - When a text is both malformed and out of range ("1e50x"), the syntax
 *   error (PK_EINVAL) is the one reported.
 *
 * Thread safety: safe to call from any number of threads at once.
 */
#ifndef PARKIT_NUMEXPR_H
#define PARKIT_NUMEXPR_H

#include <stddef.h>
#include <stdint.h>

/* How deeply parentheses and '^' may nest, counted together. */
#define PK_NUMEXPR_MAX_DEPTH 64

/*
 * Parses TEXT as a non-negative integer expression that fits in uint64_t.
 * Returns PK_OK and stores the value in *VALUE, or PK_EINVAL (malformed, or
 * TEXT or VALUE is NULL) / PK_ERANGE (overflow, or a negative result), and
 * points *WHY (if WHY != NULL) at an English phrase such as "not a number",
 * "exceeds 2^64-1", "negative result", "unexpected 'x' at offset 3",
 * "missing number after '+'", "empty".  Offsets count bytes from the start
 * of TEXT.
 *
 * The phrase is owned by this module: either a string literal or a
 * thread-local buffer that stays valid until the same thread calls
 * pk_parse_u64 again.  Copy it if it must live longer.
 *
 * On error *VALUE is left unchanged; on success *WHY is left unchanged.
 */
int pk_parse_u64(const char *text, uint64_t *value, const char **why);

/* Writes VALUE in decimal into OUT (at least 20 bytes, no terminator);
 * returns the number of digits. */
size_t pk_format_u64(char *out, uint64_t value);

#endif
