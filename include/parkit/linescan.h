/*
 * Lines of plain numbers, read fast: the scanner behind `check FILE`.
 *
 * Reading a file of numbers is mostly reading lines of 1 to 19 digits.
 * pk_scan_plain_lines takes a run of such lines at once and leaves every
 * other line (blank, a comment, an expression, 20 digits or more, a leading
 * zero) to the caller, which parses it with pk_parse_u64 (numexpr.h).
 *
 * Thread safety: safe to call from any number of threads at once.
 */
#ifndef PARKIT_LINESCAN_H
#define PARKIT_LINESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* From TEXT[*POS] on, takes the lines that are 1 to 19 plain digits
 * without a leading zero ("0" itself is fine) and a newline (or the end,
 * LEN), and stops at the first other line, at the end, or after ROOM
 * numbers.  Stores each value and where its digits start and how many
 * there are; advances *POS past the lines taken; returns how many.  The 32
 * bytes after TEXT[LEN] must be readable (see PK_READER_PADDING): digits
 * are read 8, 16 or 32 bytes at a time, with SSSE3 or AVX2 where the CPU
 * has them (chosen once, at the first call). */
size_t pk_scan_plain_lines(const char *text, size_t len, size_t *pos, uint64_t *values, uint32_t *at,
                           uint32_t *digits, size_t room);

/* For tests and benchmarks: makes every later call use variant LEVEL (0
 * portable, 1 SSSE3, 2 AVX2); false, and nothing changed, when this CPU or
 * build cannot run it. */
bool pk_scan_plain_lines_use(int level);

#endif
