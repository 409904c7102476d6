/*
 * Checkpoint files: a saved checkpoint reads back the same; one of another
 * job, another plan, another format version or a damaged one is refused;
 * a missing one is PK_EOF; saving leaves no temporary file behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parkit/checkpoint.h"
#include "parkit/status.h"
#include "suites.h"

static char directory[] = "/tmp/parkit-checkpoint-test-XXXXXX";

static void path_of(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", directory, name);
}

static void make_checkpoint(pk_checkpoint *checkpoint, const char *identity, uint64_t units)
{
    CU_ASSERT_EQUAL_FATAL(pk_checkpoint_init(checkpoint, units), PK_OK);
    snprintf(checkpoint->identity, sizeof checkpoint->identity, "%s", identity);
}

static void test_round_trip(void)
{
    char path[256];
    path_of(path, sizeof path, "round.ck");
    pk_checkpoint saved;
    make_checkpoint(&saved, "command count\nlo 0\nhi 1000\n", 10);
    saved.done[0] = saved.done[3] = saved.done[9] = 1;
    saved.results[0] = 7;
    saved.results[3] = UINT64_MAX;
    saved.results[9] = 0;
    CU_ASSERT_EQUAL(pk_checkpoint_save(&saved, path), PK_OK);
    CU_ASSERT_EQUAL(pk_checkpoint_done_count(&saved), 3);

    pk_checkpoint loaded;
    make_checkpoint(&loaded, "command count\nlo 0\nhi 1000\n", 10);
    char why[256];
    CU_ASSERT_EQUAL(pk_checkpoint_load(&loaded, path, why, sizeof why), PK_OK);
    CU_ASSERT_EQUAL(memcmp(loaded.done, saved.done, 10), 0);
    CU_ASSERT_EQUAL(loaded.results[0], 7);
    CU_ASSERT_EQUAL(loaded.results[3], UINT64_MAX);
    CU_ASSERT_EQUAL(pk_checkpoint_done_count(&loaded), 3);
    /* No temporary file is left beside it. */
    char temporary[300];
    snprintf(temporary, sizeof temporary, "%s.tmp-%ld", path, (long)getpid());
    CU_ASSERT_NOT_EQUAL(access(temporary, F_OK), 0);
    pk_checkpoint_free(&saved);
    pk_checkpoint_free(&loaded);
}

static void test_refusals(void)
{
    char path[256], why[256];
    path_of(path, sizeof path, "refuse.ck");
    pk_checkpoint saved;
    make_checkpoint(&saved, "command count\nhi 1000\n", 5);
    saved.done[1] = 1;
    CU_ASSERT_EQUAL_FATAL(pk_checkpoint_save(&saved, path), PK_OK);

    pk_checkpoint other;
    make_checkpoint(&other, "command count\nhi 2000\n", 5);
    CU_ASSERT_EQUAL(pk_checkpoint_load(&other, path, why, sizeof why), PK_EINVAL);
    /* Said in words: which setting, the checkpoint's value and this job's. */
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "its range end (HI) is 1000, this job's is 2000"));
    pk_checkpoint_free(&other);
    make_checkpoint(&other, "command list\nhi 1000\n", 5);
    CU_ASSERT_EQUAL(pk_checkpoint_load(&other, path, why, sizeof why), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "its command is count, this job's is list"));
    CU_ASSERT_EQUAL(pk_checkpoint_done_count(&other), 0);
    pk_checkpoint_free(&other);

    make_checkpoint(&other, "command count\nhi 1000\n", 6); /* another plan */
    CU_ASSERT_EQUAL(pk_checkpoint_load(&other, path, why, sizeof why), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "plan"));
    pk_checkpoint_free(&other);

    /* A file cut short (no "end" line) is damaged, and nothing of it is used. */
    FILE *file = fopen(path, "w");
    fprintf(file, "parkit-checkpoint %d\ncommand count\nhi 1000\nunits 5\ndone 1 4\n", PK_CHECKPOINT_VERSION);
    fclose(file);
    make_checkpoint(&other, "command count\nhi 1000\n", 5);
    CU_ASSERT_EQUAL(pk_checkpoint_load(&other, path, why, sizeof why), PK_EIO);
    CU_ASSERT_EQUAL(pk_checkpoint_done_count(&other), 0);
    pk_checkpoint_free(&other);

    /* Another format version, a unit out of range, no file at all. */
    file = fopen(path, "w");
    fprintf(file, "parkit-checkpoint 999\ncommand count\nhi 1000\nunits 5\nend\n");
    fclose(file);
    make_checkpoint(&other, "command count\nhi 1000\n", 5);
    CU_ASSERT_EQUAL(pk_checkpoint_load(&other, path, why, sizeof why), PK_EINVAL);
    file = fopen(path, "w");
    fprintf(file, "parkit-checkpoint %d\ncommand count\nhi 1000\nunits 5\ndone 5 1\nend\n", PK_CHECKPOINT_VERSION);
    fclose(file);
    CU_ASSERT_EQUAL(pk_checkpoint_load(&other, path, why, sizeof why), PK_EIO);
    unlink(path);
    CU_ASSERT_EQUAL(pk_checkpoint_load(&other, path, why, sizeof why), PK_EOF);
    pk_checkpoint_free(&other);
    pk_checkpoint_free(&saved);

    /* Saving into a directory that does not exist fails cleanly. */
    make_checkpoint(&saved, "x 1\n", 1);
    CU_ASSERT_EQUAL(pk_checkpoint_save(&saved, "/nonexistent-parkit-dir/ck"), PK_EIO);
    pk_checkpoint_free(&saved);
}

/* Reads PATH, applies sed-like REPLACE of FROM by TO, writes it back. */
static void edit_file(const char *path, const char *from, const char *to)
{
    char text[4096];
    FILE *file = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    size_t len = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[len] = '\0';
    char *at = strstr(text, from);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    char edited[4200];
    snprintf(edited, sizeof edited, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    file = fopen(path, "w");
    fputs(edited, file);
    fclose(file);
}

static uint64_t at_most_100(const void *ctx, uint64_t unit)
{
    (void)ctx;
    (void)unit;
    return 100;
}

/* Nothing in a checkpoint is trusted: an edited count, a negative one, a
 * count its unit cannot hold, are refused; notes come back as saved. */
static void test_contents_are_checked(void)
{
    char path[256], why[256];
    path_of(path, sizeof path, "trust.ck");
    pk_checkpoint saved, loaded;
    make_checkpoint(&saved, "command count\n", 4);
    saved.done[2] = 1;
    saved.results[2] = 17;
    CU_ASSERT_EQUAL(pk_checkpoint_set_note(&saved, "partial_size", 123456), PK_OK);
    CU_ASSERT_EQUAL(pk_checkpoint_set_note(&saved, "partial_inode", 99), PK_OK);
    CU_ASSERT_EQUAL(pk_checkpoint_set_note(&saved, "bad key", 1), PK_EINVAL);
    CU_ASSERT_EQUAL_FATAL(pk_checkpoint_save(&saved, path), PK_OK);
    make_checkpoint(&loaded, "command count\n", 4);
    uint64_t value = 0;
    CU_ASSERT_EQUAL(pk_checkpoint_load(&loaded, path, why, sizeof why), PK_OK);
    CU_ASSERT_EQUAL(pk_checkpoint_get_note(&loaded, "partial_size", &value), PK_OK);
    CU_ASSERT_EQUAL(value, 123456);
    CU_ASSERT_EQUAL(pk_checkpoint_get_note(&loaded, "partial_inode", &value), PK_OK);
    CU_ASSERT_EQUAL(value, 99);
    CU_ASSERT_EQUAL(pk_checkpoint_get_note(&loaded, "missing", &value), PK_EOF);
    CU_ASSERT_EQUAL(loaded.results[2], 17);

    /* One digit changed: the checksum no longer matches. */
    edit_file(path, "done 2 17", "done 2 18");
    CU_ASSERT_EQUAL(pk_checkpoint_load(&loaded, path, why, sizeof why), PK_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "checksum"));
    CU_ASSERT_EQUAL(pk_checkpoint_done_count(&loaded), 0);
    CU_ASSERT_EQUAL(pk_checkpoint_get_note(&loaded, "partial_size", &value), PK_EOF);

    /* A negative count, even with a matching checksum, is no number. */
    saved.results[2] = 5;
    CU_ASSERT_EQUAL_FATAL(pk_checkpoint_save(&saved, path), PK_OK);
    FILE *file = fopen(path, "r");
    char text[4096];
    size_t len = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[len] = '\0';
    char *at = strstr(text, "done 2 5\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    char forged[4200];
    int body = snprintf(forged, sizeof forged, "%.*sdone 2 -5\n", (int)(at - text), text);
    uint64_t hash = UINT64_C(14695981039346656037);
    for (int i = 0; i < body; i++)
        hash = (hash ^ (unsigned char)forged[i]) * UINT64_C(1099511628211);
    snprintf(forged + body, sizeof forged - (size_t)body, "checksum %016llx\nend\n", (unsigned long long)hash);
    file = fopen(path, "w");
    fputs(forged, file);
    fclose(file);
    CU_ASSERT_EQUAL(pk_checkpoint_load(&loaded, path, why, sizeof why), PK_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "done 2 -5"));

    /* A count above what its unit can hold. */
    saved.results[2] = 101;
    CU_ASSERT_EQUAL_FATAL(pk_checkpoint_save(&saved, path), PK_OK);
    loaded.result_limit = at_most_100;
    CU_ASSERT_EQUAL(pk_checkpoint_load(&loaded, path, why, sizeof why), PK_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "more than it can hold"));
    saved.results[2] = 100;
    CU_ASSERT_EQUAL_FATAL(pk_checkpoint_save(&saved, path), PK_OK);
    CU_ASSERT_EQUAL(pk_checkpoint_load(&loaded, path, why, sizeof why), PK_OK);
    pk_checkpoint_free(&saved);
    pk_checkpoint_free(&loaded);
    unlink(path);
}

/* The paths a checkpoint may not take: a directory, a file of the user's;
 * a directory that cannot take the temporary file is said at once. */
static void test_path_is_checked(void)
{
    char path[256], why[256];
    CU_ASSERT_EQUAL(pk_checkpoint_check_path(directory, why, sizeof why), PK_EINVAL);
    CU_ASSERT_STRING_EQUAL(why, "it is a directory");
    path_of(path, sizeof path, "notes.txt");
    FILE *file = fopen(path, "w");
    fputs("my notes\n", file);
    fclose(file);
    CU_ASSERT_EQUAL(pk_checkpoint_check_path(path, why, sizeof why), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "not a parkit checkpoint"));
    CU_ASSERT_EQUAL(access(path, F_OK), 0); /* untouched */
    unlink(path);
    CU_ASSERT_EQUAL(pk_checkpoint_check_path(path, why, sizeof why), PK_OK); /* new: fine */
    CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
    pk_checkpoint ck;
    make_checkpoint(&ck, "x 1\n", 1);
    CU_ASSERT_EQUAL_FATAL(pk_checkpoint_save(&ck, path), PK_OK);
    CU_ASSERT_EQUAL(pk_checkpoint_check_path(path, why, sizeof why), PK_OK); /* ours: fine */
    pk_checkpoint_free(&ck);
    unlink(path);
    CU_ASSERT_EQUAL(pk_checkpoint_check_path("/nonexistent-parkit-dir/ck", why, sizeof why), PK_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "No such file or directory"));
}

static int make_directory(void)
{
    return pk_test_make_directory(directory);
}

static int remove_directory(void)
{
    return pk_test_remove_directory(directory);
}

int pk_suite_checkpoint(void)
{
    CU_pSuite suite = CU_add_suite("checkpoint", make_directory, remove_directory);
    if (suite == NULL || CU_add_test(suite, "round_trip", test_round_trip) == NULL ||
        CU_add_test(suite, "refusals", test_refusals) == NULL ||
        CU_add_test(suite, "contents_are_checked", test_contents_are_checked) == NULL ||
        CU_add_test(suite, "path_is_checked", test_path_is_checked) == NULL)
        return -1;
    return 0;
}
