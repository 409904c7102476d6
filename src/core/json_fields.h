/* Values read back from a JSON report: parkit's own --json output, as
 * `parkit bench` reads its runs.  Not a general JSON library: it finds one
 * value by its path of object keys and reads numbers, strings and booleans. */
#ifndef PK_CORE_JSON_FIELDS_H
#define PK_CORE_JSON_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

/* The first character of the value at PATH ("a.b": key b of the object at
 * key a) in the object JSON, or NULL when it is not there or the text is
 * not well formed up to it. */
const char *pk_json_find(const char *json, const char *path);

/* The number at PATH; false when it is missing, null or not a number. */
bool pk_json_number(const char *json, const char *path, double *value);

/* The string at PATH copied to OUT (escapes \" \\ \/ kept as the character,
 * others as written); false when missing, not a string or longer than size-1. */
bool pk_json_string(const char *json, const char *path, char *out, size_t size);

/* The boolean at PATH; false when it is missing or not true/false. */
bool pk_json_bool(const char *json, const char *path, bool *value);

#endif
