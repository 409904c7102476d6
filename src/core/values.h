/*
 * Values of the kernels' own settings, written the same on the command
 * line and in job files: whole counts ("4096"), sizes ("4096" or
 * "3840x2160") and lists of real numbers ("-0.75,0.1").  Strict: nothing
 * before or after, no sign on a count, no overflow, every real finite.
 */
#ifndef PK_CORE_VALUES_H
#define PK_CORE_VALUES_H

#include <stdbool.h>
#include <stdint.h>

/* The digits from TEXT to END (exclusive) as a whole number from 1 to MAX. */
bool pk_value_count(const char *text, const char *end, uint64_t max, uint64_t *value);

/* "N" (both N) or "AxB", each a count from 1 to MAX. */
bool pk_value_pair(const char *text, uint64_t max, uint64_t *a, uint64_t *b);

/* Exactly COUNT finite numbers separated by commas. */
bool pk_value_reals(const char *text, double *values, int count);

#endif
