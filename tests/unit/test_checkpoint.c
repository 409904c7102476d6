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
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "hi 2000"));
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

static int make_directory(void)
{
    return mkdtemp(directory) != NULL ? 0 : -1;
}

static int remove_directory(void)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    return system(command) == 0 ? 0 : -1;
}

int pk_suite_checkpoint(void)
{
    CU_pSuite suite = CU_add_suite("checkpoint", make_directory, remove_directory);
    if (suite == NULL || CU_add_test(suite, "round_trip", test_round_trip) == NULL ||
        CU_add_test(suite, "refusals", test_refusals) == NULL)
        return -1;
    return 0;
}
