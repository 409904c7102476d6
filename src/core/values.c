/*
 * Values of the kernels' settings (see core/values.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/values.h"

bool pk_value_count(const char *text, const char *end, uint64_t max, uint64_t *value)
{
    if (text == end || strspn(text, "0123456789") < (size_t)(end - text))
        return false;
    uint64_t v = 0;
    for (const char *c = text; c < end; c++) {
        const uint64_t digit = (uint64_t)(*c - '0');
        if (v > (max - digit) / 10)
            return false;
        v = 10 * v + digit;
    }
    *value = v;
    return v > 0;
}

bool pk_value_pair(const char *text, uint64_t max, uint64_t *a, uint64_t *b)
{
    const char *x = strchr(text, 'x');
    if (x == NULL) {
        if (!pk_value_count(text, text + strlen(text), max, a))
            return false;
        *b = *a;
        return true;
    }
    return pk_value_count(text, x, max, a) && pk_value_count(x + 1, x + 1 + strlen(x + 1), max, b);
}

bool pk_value_reals(const char *text, double *values, int count)
{
    for (int i = 0; i < count; i++) {
        char *end;
        errno = 0;
        values[i] = strtod(text, &end);
        if (end == text || errno == ERANGE || !isfinite(values[i]))
            return false;
        if (i + 1 < count && *end != ',')
            return false;
        text = end + (i + 1 < count);
    }
    return *text == '\0';
}
