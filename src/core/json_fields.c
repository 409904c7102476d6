/*
 * Reading values back from a JSON report by their key path: a recursive
 * descent that skips what it does not need, so an array of a million
 * results costs one pass and no memory.
 */
#include <stdlib.h>
#include <string.h>

#include "core/json_fields.h"

enum { MAX_DEPTH = 64 };

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* P at the opening quote; returns just after the closing one, or NULL. */
static const char *skip_string(const char *p)
{
    for (p++; *p != '\0'; p++) {
        if (*p == '\\') {
            if (*++p == '\0')
                return NULL;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return NULL;
}

static const char *skip_value(const char *p, int depth)
{
    p = skip_space(p);
    if (*p == '"')
        return skip_string(p);
    if (*p == '{' || *p == '[') {
        const char close = *p == '{' ? '}' : ']';
        if (depth >= MAX_DEPTH)
            return NULL;
        p = skip_space(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (close == '}') {
                if (*p != '"' || (p = skip_string(p)) == NULL)
                    return NULL;
                p = skip_space(p);
                if (*p++ != ':')
                    return NULL;
            }
            if ((p = skip_value(p, depth + 1)) == NULL)
                return NULL;
            p = skip_space(p);
            if (*p == close)
                return p + 1;
            if (*p++ != ',')
                return NULL;
            p = skip_space(p);
        }
    }
    /* A number, true, false or null. */
    const char *start = p;
    while (*p != '\0' && strchr(",}] \t\r\n", *p) == NULL)
        p++;
    return p > start ? p : NULL;
}

const char *pk_json_find(const char *json, const char *path)
{
    const char *p = skip_space(json);
    for (;;) {
        const char *dot = strchr(path, '.');
        const size_t want = dot != NULL ? (size_t)(dot - path) : strlen(path);
        if (*p != '{')
            return NULL;
        p = skip_space(p + 1);
        const char *value = NULL;
        while (*p == '"') {
            const char *key = p + 1, *end = skip_string(p);
            if (end == NULL)
                return NULL;
            const bool match = (size_t)(end - 1 - key) == want && memcmp(key, path, want) == 0;
            p = skip_space(end);
            if (*p++ != ':')
                return NULL;
            p = skip_space(p);
            if (match) {
                value = p;
                break;
            }
            if ((p = skip_value(p, 0)) == NULL)
                return NULL;
            p = skip_space(p);
            if (*p == ',')
                p = skip_space(p + 1);
        }
        if (value == NULL)
            return NULL;
        if (dot == NULL)
            return value;
        path = dot + 1;
        p = value;
    }
}

bool pk_json_number(const char *json, const char *path, double *value)
{
    const char *p = pk_json_find(json, path);
    if (p == NULL || !(*p == '-' || (*p >= '0' && *p <= '9')))
        return false;
    char *end;
    *value = strtod(p, &end);
    return end > p;
}

bool pk_json_string(const char *json, const char *path, char *out, size_t size)
{
    const char *p = pk_json_find(json, path);
    if (p == NULL || *p != '"' || size == 0)
        return false;
    size_t n = 0;
    for (p++; *p != '"'; p++) {
        if (*p == '\0' || n + 1 >= size)
            return false;
        if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '/'))
            p++;
        out[n++] = *p;
    }
    out[n] = '\0';
    return true;
}

bool pk_json_bool(const char *json, const char *path, bool *value)
{
    const char *p = pk_json_find(json, path);
    if (p != NULL && strncmp(p, "true", 4) == 0)
        *value = true;
    else if (p != NULL && strncmp(p, "false", 5) == 0)
        *value = false;
    else
        return false;
    return true;
}
