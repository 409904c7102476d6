/*
 * Checkpoint files (see parkit/checkpoint.h).
 *
 * Format, all text so a person can read it:
 *   parkit-checkpoint 2
 *   <identity lines, "key value">
 *   units <N>
 *   note <key> <value>            facts a resume must find unchanged
 *   done <unit> <result>          one line per finished unit
 *   checksum <16 hex digits>      FNV-1a 64 of every byte above
 *   end
 * The closing "end" line tells a complete file from a cut one, the
 * checksum an edited or damaged one.  Numbers are plain decimal digits:
 * "-5" or "1e3" is damage, not a number.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parkit/checkpoint.h"
#include "parkit/status.h"

/* A checkpoint holds a line per unit: plans stay far below this. */
enum { MAX_CHECKPOINT_BYTES = 256 << 20 };

static const char magic[] = "parkit-checkpoint ";

int pk_checkpoint_init(pk_checkpoint *checkpoint, uint64_t units)
{
    memset(checkpoint, 0, sizeof *checkpoint);
    checkpoint->units = units;
    checkpoint->done = calloc(units ? units : 1, 1);
    checkpoint->results = calloc(units ? units : 1, sizeof *checkpoint->results);
    if (checkpoint->done == NULL || checkpoint->results == NULL) {
        pk_checkpoint_free(checkpoint);
        return PK_ENOMEM;
    }
    return PK_OK;
}

void pk_checkpoint_free(pk_checkpoint *checkpoint)
{
    free(checkpoint->done);
    free(checkpoint->results);
    checkpoint->done = NULL;
    checkpoint->results = NULL;
}

uint64_t pk_checkpoint_done_count(const pk_checkpoint *checkpoint)
{
    uint64_t done = 0;
    for (uint64_t u = 0; u < checkpoint->units; u++)
        done += checkpoint->done[u];
    return done;
}

int pk_checkpoint_set_note(pk_checkpoint *checkpoint, const char *key, uint64_t value)
{
    pk_checkpoint_note *free_slot = NULL;
    for (int i = 0; i < PK_CHECKPOINT_NOTES; i++) {
        pk_checkpoint_note *note = &checkpoint->notes[i];
        if (strcmp(note->key, key) == 0) {
            note->value = value;
            return PK_OK;
        }
        if (note->key[0] == '\0' && free_slot == NULL)
            free_slot = note;
    }
    if (free_slot == NULL || strlen(key) >= sizeof free_slot->key || strpbrk(key, " \n") != NULL || key[0] == '\0')
        return free_slot == NULL ? PK_ENOMEM : PK_EINVAL;
    snprintf(free_slot->key, sizeof free_slot->key, "%s", key);
    free_slot->value = value;
    return PK_OK;
}

int pk_checkpoint_get_note(const pk_checkpoint *checkpoint, const char *key, uint64_t *value)
{
    for (int i = 0; i < PK_CHECKPOINT_NOTES; i++) {
        if (checkpoint->notes[i].key[0] != '\0' && strcmp(checkpoint->notes[i].key, key) == 0) {
            *value = checkpoint->notes[i].value;
            return PK_OK;
        }
    }
    return PK_EOF;
}

static uint64_t fnv1a(const char *data, size_t len)
{
    uint64_t hash = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < len; i++) {
        hash ^= (unsigned char)data[i];
        hash *= UINT64_C(1099511628211);
    }
    return hash;
}

/* Does the file at PATH start like a checkpoint (of any version)? */
/* Does PATH begin with BEGINNING? */
static bool looks_like_checkpoint(const char *path, const char *beginning)
{
    const size_t len = strlen(beginning);
    char start[64] = "";
    if (len > sizeof start)
        return false;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, start, len);
    close(fd);
    return n == (ssize_t)len && memcmp(start, beginning, len) == 0;
}

int pk_checkpoint_check_path(const char *path, char *why, size_t why_size)
{
    return pk_checkpoint_check_path_of(path, magic, why, why_size);
}

int pk_checkpoint_check_path_of(const char *path, const char *beginning, char *why, size_t why_size)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(why, why_size, "it is a directory");
            return PK_EINVAL;
        }
        if (!S_ISREG(st.st_mode) || !looks_like_checkpoint(path, beginning)) {
            snprintf(why, why_size, "it exists and is not a parkit checkpoint (refusing to overwrite it)");
            return PK_EINVAL;
        }
    } else if (errno != ENOENT) {
        snprintf(why, why_size, "%s", strerror(errno));
        return PK_EIO;
    }
    /* The directory must take the temporary file every save makes. */
    char temporary[4200];
    if (snprintf(temporary, sizeof temporary, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof temporary) {
        snprintf(why, why_size, "the name is too long");
        return PK_EINVAL;
    }
    int fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        snprintf(why, why_size, "cannot create a file beside it: %s", strerror(errno));
        return PK_EIO;
    }
    close(fd);
    unlink(temporary);
    return PK_OK;
}

int pk_checkpoint_save(const pk_checkpoint *checkpoint, const char *path)
{
    char temporary[4200];
    if (snprintf(temporary, sizeof temporary, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof temporary) {
        errno = ENAMETOOLONG;
        return PK_EIO;
    }
    /* The whole text first, so the checksum covers exactly what is written. */
    char *text = NULL;
    size_t len = 0;
    FILE *memory = open_memstream(&text, &len);
    if (memory == NULL)
        return PK_ENOMEM;
    fprintf(memory, "%s%d\n%s", magic, PK_CHECKPOINT_VERSION, checkpoint->identity);
    fprintf(memory, "units %" PRIu64 "\n", checkpoint->units);
    for (int i = 0; i < PK_CHECKPOINT_NOTES; i++)
        if (checkpoint->notes[i].key[0] != '\0')
            fprintf(memory, "note %s %" PRIu64 "\n", checkpoint->notes[i].key, checkpoint->notes[i].value);
    for (uint64_t u = 0; u < checkpoint->units; u++)
        if (checkpoint->done[u])
            fprintf(memory, "done %" PRIu64 " %" PRIu64 "\n", u, checkpoint->results[u]);
    fflush(memory);
    fprintf(memory, "checksum %016" PRIx64 "\nend\n", fnv1a(text, len));
    if (fclose(memory) != 0) {
        free(text);
        return PK_ENOMEM;
    }
    FILE *out = fopen(temporary, "w");
    if (out == NULL) {
        free(text);
        return PK_EIO;
    }
    int failed = fwrite(text, 1, len, out) != len;
    free(text);
    /* The data must be on disk before the rename makes it the checkpoint. */
    failed |= fflush(out) != 0 || ferror(out) || fsync(fileno(out)) != 0;
    int saved_errno = errno;
    failed |= fclose(out) != 0;
    if (failed && saved_errno == 0)
        saved_errno = errno;
    if (!failed && rename(temporary, path) != 0) {
        failed = 1;
        saved_errno = errno;
    }
    if (failed) {
        unlink(temporary);
        errno = saved_errno != 0 ? saved_errno : EIO;
        return PK_EIO;
    }
    return PK_OK;
}

/* A whole decimal number: digits only, no sign, no overflow. */
static bool parse_digits(const char *text, const char **end, uint64_t *value)
{
    uint64_t v = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    if (p == text)
        return false;
    *end = p;
    *value = v;
    return true;
}

/* "KEYWORD N\n" (or "KEYWORD N M\n" with SECOND) at LINE, exactly. */
static bool parse_numbers_line(const char *line, const char *keyword, uint64_t *first, uint64_t *second)
{
    size_t k = strlen(keyword);
    if (strncmp(line, keyword, k) != 0 || line[k] != ' ')
        return false;
    const char *p = line + k + 1;
    if (!parse_digits(p, &p, first))
        return false;
    if (second != NULL && (*p++ != ' ' || !parse_digits(p, &p, second)))
        return false;
    return *p == '\n';
}

/* Reads at most MAX_CHECKPOINT_BYTES of FILE into a NUL-terminated buffer. */
static char *read_whole(FILE *in, size_t *len, bool *too_big)
{
    size_t capacity = 4096;
    char *text = malloc(capacity + 1);
    *len = 0;
    *too_big = false;
    while (text != NULL) {
        size_t n = fread(text + *len, 1, capacity - *len, in);
        *len += n;
        if (*len < capacity) {
            if (ferror(in)) {
                free(text);
                return NULL;
            }
            text[*len] = '\0';
            return text;
        }
        if (capacity >= MAX_CHECKPOINT_BYTES) {
            *too_big = true;
            free(text);
            return NULL;
        }
        capacity *= 2;
        char *grown = realloc(text, capacity + 1);
        if (grown == NULL)
            free(text);
        text = grown;
    }
    return NULL;
}

/* What the identity's keys mean, for a refusal in words. */
static const struct {
    const char *key, *words;
} identity_words[] = {
    {"command", "command"},        {"lo", "range start (LO)"},   {"hi", "range end (HI)"},
    {"pattern", "pattern"},        {"algo", "algorithm"},        {"format", "output format"},
    {"unit_bytes", "unit size"},   {"output", "output file"},    {"size", "image size"},
    {"region", "region"},          {"iterations", "iterations"}, {"units", "number of units"},
    {"numbers", "numbers"},
};

/* Why a checkpoint with identity line FOUND (FOUND_LEN bytes) is not this
 * job's, whose line is EXPECTED: "its range end (HI) is 1000000000000,
 * this job's is 2000000000000". */
static void say_other_job(const char *expected, size_t want, const char *found, size_t found_len, char *why,
                          size_t why_size)
{
    const int ours = (int)(want > 0 && expected[want - 1] == '\n' ? want - 1 : want);
    const int theirs = (int)(found_len > 0 && found[found_len - 1] == '\n' ? found_len - 1 : found_len);
    const char *our_space = memchr(expected, ' ', (size_t)ours), *their_space = memchr(found, ' ', (size_t)theirs);
    const int key = our_space != NULL ? (int)(our_space - expected) : ours;
    if (our_space != NULL && their_space != NULL && their_space - found == key && strncmp(expected, found, (size_t)key) == 0) {
        const char *words = NULL;
        for (size_t i = 0; i < sizeof identity_words / sizeof identity_words[0]; i++)
            if ((int)strlen(identity_words[i].key) == key && strncmp(identity_words[i].key, expected, (size_t)key) == 0)
                words = identity_words[i].words;
        snprintf(why, why_size, "it belongs to another job: its %s%.*s is %.*s, this job's is %.*s",
                 words != NULL ? words : "", words != NULL ? 0 : key, expected, theirs - key - 1, their_space + 1,
                 ours - key - 1, our_space + 1);
        return;
    }
    snprintf(why, why_size, "it belongs to another job (this job: '%.*s'; the checkpoint: '%.*s')", ours, expected,
             theirs, found);
}

/* Checks and takes the lines after the identity: units, notes, done lines. */
static int read_body(pk_checkpoint *checkpoint, char *line, const char *end, char *why, size_t why_size)
{
    uint64_t units;
    if (!parse_numbers_line(line, "units", &units, NULL)) {
        snprintf(why, why_size, "damaged (no 'units' line)");
        return PK_EIO;
    }
    if (units != checkpoint->units) {
        snprintf(why, why_size, "it belongs to another plan (%" PRIu64 " units, expected %" PRIu64 ")", units,
                 checkpoint->units);
        return PK_EINVAL;
    }
    for (line = strchr(line, '\n') + 1; line < end; line = strchr(line, '\n') + 1) {
        char *newline = strchr(line, '\n');
        *newline = '\0';
        char shown[120];
        snprintf(shown, sizeof shown, "%s", line);
        *newline = '\n';
        uint64_t unit, result;
        if (strncmp(line, "note ", 5) == 0) {
            /* "note KEY N" */
            const char *key = line + 5, *space = strchr(key, ' '), *after;
            char name[sizeof checkpoint->notes[0].key];
            size_t key_len = space != NULL && space < newline ? (size_t)(space - key) : 0;
            if (key_len == 0 || key_len >= sizeof name || !parse_digits(space + 1, &after, &result) || *after != '\n') {
                snprintf(why, why_size, "damaged line '%s'", shown);
                return PK_EIO;
            }
            memcpy(name, key, key_len);
            name[key_len] = '\0';
            if (pk_checkpoint_set_note(checkpoint, name, result) != PK_OK) {
                snprintf(why, why_size, "damaged line '%s'", shown);
                return PK_EIO;
            }
            continue;
        }
        if (!parse_numbers_line(line, "done", &unit, &result) || unit >= units) {
            snprintf(why, why_size, "damaged line '%s'", shown);
            return PK_EIO;
        }
        if (checkpoint->result_limit != NULL && result > checkpoint->result_limit(checkpoint->limit_ctx, unit)) {
            snprintf(why, why_size,
                     "damaged: unit %" PRIu64 " records %" PRIu64 ", more than it can hold (%" PRIu64 ")", unit,
                     result, checkpoint->result_limit(checkpoint->limit_ctx, unit));
            return PK_EIO;
        }
        checkpoint->done[unit] = 1;
        checkpoint->results[unit] = result;
    }
    return PK_OK;
}

int pk_checkpoint_load(pk_checkpoint *checkpoint, const char *path, char *why, size_t why_size)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(why, why_size, "it is a directory");
        return PK_EINVAL;
    }
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        snprintf(why, why_size, "%s", strerror(errno));
        return errno == ENOENT ? PK_EOF : PK_EIO;
    }
    size_t len;
    bool too_big;
    char *text = read_whole(in, &len, &too_big);
    int read_errno = errno;
    fclose(in);
    if (text == NULL) {
        snprintf(why, why_size, "%s", too_big ? "not a parkit checkpoint (far too large)" : strerror(read_errno));
        return too_big ? PK_EINVAL : PK_EIO;
    }
    memset(checkpoint->done, 0, checkpoint->units);
    for (int i = 0; i < PK_CHECKPOINT_NOTES; i++)
        checkpoint->notes[i].key[0] = '\0';

    int rc = PK_EIO;
    char expected_header[64];
    snprintf(expected_header, sizeof expected_header, "%s%d\n", magic, PK_CHECKPOINT_VERSION);
    if (strlen(text) != len) {
        snprintf(why, why_size, "damaged (it contains a NUL byte)");
        goto done;
    }
    if (strncmp(text, expected_header, strlen(expected_header)) != 0) {
        snprintf(why, why_size, "not a parkit checkpoint of format version %d", PK_CHECKPOINT_VERSION);
        rc = PK_EINVAL;
        goto done;
    }
    /* "checksum X\nend\n" closes a whole file, and X covers all before it. */
    static const char closing[] = "\nend\n";
    if (len < sizeof closing || strcmp(text + len - (sizeof closing - 1), closing) != 0) {
        snprintf(why, why_size, "damaged (no 'end' line: cut short?)");
        goto done;
    }
    /* The checksum line is the one before "end". */
    char *last_line = text + len - (sizeof closing - 1);
    last_line[1] = '\0';
    while (last_line > text && last_line[-1] != '\n')
        last_line--;
    uint64_t recorded = 0;
    char *after = NULL;
    if (strncmp(last_line, "checksum ", 9) != 0 || (recorded = strtoull(last_line + 9, &after, 16), after == NULL) ||
        after != last_line + 9 + 16 || *after != '\n') {
        snprintf(why, why_size, "damaged (no checksum line)");
        goto done;
    }
    if (fnv1a(text, (size_t)(last_line - text)) != recorded) {
        snprintf(why, why_size, "damaged (its checksum does not match its contents: edited or corrupted)");
        goto done;
    }
    *last_line = '\0';

    /* The identity must match line for line. */
    char *line = text + strlen(expected_header);
    for (const char *expected = checkpoint->identity; *expected != '\0';) {
        const char *expected_end = strchr(expected, '\n');
        size_t want = expected_end != NULL ? (size_t)(expected_end - expected) + 1 : strlen(expected);
        char *found_end = strchr(line, '\n');
        size_t found = found_end != NULL ? (size_t)(found_end - line) + 1 : strlen(line);
        if (found != want || strncmp(line, expected, want) != 0) {
            say_other_job(expected, want, line, found, why, why_size);
            rc = PK_EINVAL;
            goto done;
        }
        expected += want;
        line += found;
    }
    rc = read_body(checkpoint, line, last_line, why, why_size);
done:
    free(text);
    if (rc != PK_OK) {
        memset(checkpoint->done, 0, checkpoint->units);
        for (int i = 0; i < PK_CHECKPOINT_NOTES; i++)
            checkpoint->notes[i].key[0] = '\0';
    }
    return rc;
}
