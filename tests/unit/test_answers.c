/*
 * The answering pipeline (src/par/answers.c) with a toy kernel that says
 * whether each number is odd: the same bytes from numbers given as inputs
 * and from files of several blocks, whatever the threads, I/O threads,
 * ranks (tests/mpi runs this suite on 1-4 ranks) and checkpointing; a bad
 * line fails after the answers before it, or is skipped and named; a
 * separator before every answer loses its first; a checkpoint counts the
 * numbers answered, and a resume skips exactly those.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parkit/answers.h"
#include "parkit/checkpoint.h"
#include "parkit/comm.h"
#include "parkit/numexpr.h"
#include "parkit/status.h"
#include "suites.h"

#ifndef PK_HAVE_GMP
#define PK_HAVE_GMP 0
#endif

static char dir[] = "/tmp/pk-answers-XXXXXX";

/* "N odd\n" or "N even\n", after a ',' when *ctx says so. */
static int answer_parity(const void *ctx, const pk_number_block *block, size_t begin, size_t end, char **out_p,
                         uint64_t counters[])
{
    const bool separated = *(const bool *)ctx;
    char *out = *out_p;
    for (size_t i = begin; i < end; i++) {
        if (separated)
            *out++ = ',';
        size_t len = block->len[i];
        if (len > 0)
            memcpy(out, block->text + block->at[i], len);
        else
            len = pk_format_u64(out, block->values[i]);
        bool odd = block->big[i] ? (block->text[block->at[i] + len - 1] - '0') % 2 == 1 : block->values[i] % 2 == 1;
        out += len;
        memcpy(out, odd ? " odd\n" : " even\n", odd ? 5 : 6);
        out += odd ? 5 : 6;
        counters[0] += odd;
    }
    counters[1] += end - begin;
    *out_p = out;
    return PK_OK;
}

typedef struct notes {
    int count;
    char last[256];
} notes;

static void keep_note(void *ctx, const char *message)
{
    notes *kept = ctx;
    kept->count++;
    snprintf(kept->last, sizeof kept->last, "%s", message);
}

static char *path_in_dir(const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

/* The whole of PATH, NUL-terminated. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    size_t got = fread(text, 1, (size_t)size, f);
    text[got] = '\0';
    fclose(f);
    return text;
}

/* Runs INPUTS into the file OUT_PATH (opened for appending) on THREADS
 * threads; rank 0 writes, every rank returns the run's status. */
static int run_into(pk_answers *answers, const char *const *inputs, size_t count, const char *out_path, int threads,
                    const volatile _Atomic int *cancel)
{
    static bool separated;
    separated = answers->separated;
    answers->answer = answer_parity;
    answers->answer_ctx = &separated;
    answers->answer_extra = 1 + 6;
    answers->inputs = inputs;
    answers->input_count = count;
    answers->out_name = "the output";
    FILE *out = fopen(pk_comm_rank() == 0 ? out_path : "/dev/null", "a");
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    answers->out = out;
    pk_engine_options engine = {
        .threads = threads,
        .schedule = {PK_SCHEDULE_DYNAMIC, 1},
        .distributed = true,
        .cancel = cancel,
    };
    int rc = pk_answers_run(&engine, answers);
    fclose(out);
    return rc;
}

/* Numbers 1..COUNT, one a line, as text and as their expected answers. */
static void numbers_and_answers(uint64_t from, uint64_t count, char **text, char **answers)
{
    size_t size = (size_t)count * 32 + 1;
    *text = malloc(size);
    *answers = malloc(size);
    size_t t = 0, a = 0;
    for (uint64_t n = from; n < from + count; n++) {
        t += (size_t)sprintf(*text + t, "%llu\n", (unsigned long long)n);
        a += (size_t)sprintf(*answers + a, "%llu %s\n", (unsigned long long)n, n % 2 ? "odd" : "even");
    }
}

static void test_same_answers_every_way(void)
{
    /* Two files: the first of several 1 MiB blocks, the second short. */
    char *big, *big_answers, *small, *small_answers;
    numbers_and_answers(1, 200000, &big, &big_answers);
    numbers_and_answers(1000000, 7, &small, &small_answers);
    char *big_path = path_in_dir("big.txt"), *small_path = path_in_dir("small.txt");
    write_file(big_path, big);
    write_file(small_path, small);
    /* 2^64 is answered from its digits (GMP's, for primes) or is a bad N. */
    const bool gmp = PK_HAVE_GMP;
    const char *inputs[] = {"5", "2^61-1", big_path, small_path, "12", "18446744073709551616"};
    const size_t count = gmp ? 6 : 5;
    size_t expected_len = strlen(big_answers) + strlen(small_answers) + 128;
    char *expected = malloc(expected_len);
    snprintf(expected, expected_len, "5 odd\n2305843009213693951 odd\n%s%s12 even\n%s", big_answers, small_answers,
             gmp ? "18446744073709551616 even\n" : "");
    char *out_path = path_in_dir("out.txt");
    for (int checkpointed = 0; checkpointed < 2; checkpointed++) {
        for (int threads = 1; threads <= 3; threads++) {
            for (int io_threads = 0; io_threads <= 2; io_threads++) {
                unlink(out_path);
                char *checkpoint = path_in_dir("run.ck");
                pk_answers answers = {.io_threads = io_threads, .checkpoint = checkpointed ? checkpoint : NULL,
                                      .identity = "toy\n"};
                int rc = run_into(&answers, inputs, count, out_path, threads, NULL);
                CU_ASSERT_EQUAL(rc, PK_OK);
                CU_ASSERT_EQUAL(answers.answered, 200000 + 7 + 3 + (gmp ? 1 : 0));
                CU_ASSERT_EQUAL(answers.found, 100000 + 3 + 2);
                if (pk_comm_rank() == 0) {
                    char *got = read_file(out_path);
                    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
                    CU_ASSERT_EQUAL(strlen(got), strlen(expected));
                    CU_ASSERT_EQUAL(strcmp(got, expected), 0);
                    free(got);
                    CU_ASSERT_NOT_EQUAL(access(checkpoint, F_OK), 0); /* done: no checkpoint left */
                }
                free(checkpoint);
            }
        }
    }
    free(out_path);
    free(expected);
    free(big);
    free(big_answers);
    free(small);
    free(small_answers);
    free(big_path);
    free(small_path);
}

static void test_bad_line_fails_after_the_answers_before_it(void)
{
    char *in = path_in_dir("bad.txt"), *out = path_in_dir("bad.out");
    write_file(in, "1\n2\nabc\n3\n");
    for (int checkpointed = 0; checkpointed < 2; checkpointed++) {
        unlink(out);
        char *checkpoint = path_in_dir("bad.ck");
        pk_answers answers = {.io_threads = 1, .checkpoint = checkpointed ? checkpoint : NULL};
        const char *inputs[] = {in};
        CU_ASSERT_EQUAL(run_into(&answers, inputs, 1, out, 2, NULL), PK_EINVAL);
        CU_ASSERT_FALSE(answers.usage_error);
        /* Every rank has rank 0's error; the path is rank 0's scratch file. */
        CU_ASSERT_PTR_NOT_NULL(strstr(answers.error, "bad.txt:3: 'abc': not a number"));
        if (pk_comm_rank() == 0) {
            char expected[512];
            snprintf(expected, sizeof expected, "%s:3: 'abc': not a number", in);
            CU_ASSERT_STRING_EQUAL(answers.error, expected);
            char *got = read_file(out);
            CU_ASSERT_STRING_EQUAL(got, "1 odd\n2 even\n");
            free(got);
        }
        free(checkpoint);
    }
    free(in);
    free(out);
}

static void test_bad_lines_skipped_and_named(void)
{
    char *in = path_in_dir("skip.txt"), *out = path_in_dir("skip.out");
    write_file(in, "1\nabc\n2\n\n# a comment\nx y\n3\n");
    unlink(out);
    notes kept = {0};
    pk_answers answers = {.io_threads = 1, .skip_bad_lines = true, .note = keep_note, .note_ctx = &kept};
    const char *inputs[] = {in};
    CU_ASSERT_EQUAL(run_into(&answers, inputs, 1, out, 2, NULL), PK_OK);
    CU_ASSERT_EQUAL(answers.skipped, 2);
    CU_ASSERT_EQUAL(answers.answered, 3);
    if (pk_comm_rank() == 0) {
        CU_ASSERT_EQUAL(kept.count, 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(kept.last, "skip.txt:6: 'x y'"));
        char *got = read_file(out);
        CU_ASSERT_STRING_EQUAL(got, "1 odd\n2 even\n3 odd\n");
        free(got);
    }
    free(in);
    free(out);
}

static void test_first_separator_dropped(void)
{
    char *in = path_in_dir("sep.txt"), *out = path_in_dir("sep.out");
    write_file(in, "4\n5\n");
    for (int io_threads = 0; io_threads <= 1; io_threads++) {
        unlink(out);
        pk_answers answers = {.io_threads = io_threads, .separated = true};
        const char *inputs[] = {"3", in};
        CU_ASSERT_EQUAL(run_into(&answers, inputs, 2, out, 2, NULL), PK_OK);
        if (pk_comm_rank() == 0) {
            char *got = read_file(out);
            CU_ASSERT_STRING_EQUAL(got, "3 odd\n,4 even\n,5 odd\n");
            free(got);
        }
    }
    free(in);
    free(out);
}

/* A checkpoint saying ANSWERED numbers were answered, for INPUT. */
static void save_checkpoint(const char *path, const char *input, uint64_t answered)
{
    if (pk_comm_rank() != 0)
        return;
    pk_checkpoint checkpoint;
    CU_ASSERT_EQUAL_FATAL(pk_checkpoint_init(&checkpoint, 1), PK_OK);
    snprintf(checkpoint.identity, sizeof checkpoint.identity, "toy\non_error fail\ninput %s\n", input);
    checkpoint.done[0] = 1;
    checkpoint.results[0] = answered;
    CU_ASSERT_EQUAL(pk_checkpoint_save(&checkpoint, path), PK_OK);
    pk_checkpoint_free(&checkpoint);
}

static void test_resume_skips_what_was_answered(void)
{
    char *in = path_in_dir("resume.txt"), *out = path_in_dir("resume.out"), *ck = path_in_dir("resume.ck");
    write_file(in, "1\n2\n3\n4\n5\n");
    const char *inputs[] = {in};
    unlink(out);
    save_checkpoint(ck, in, 3);
    notes kept = {0};
    pk_answers answers = {.checkpoint = ck, .resume = true, .identity = "toy\n", .note = keep_note, .note_ctx = &kept};
    CU_ASSERT_EQUAL(run_into(&answers, inputs, 1, out, 2, NULL), PK_OK);
    CU_ASSERT_EQUAL(answers.answered, 2);
    if (pk_comm_rank() == 0) {
        char *got = read_file(out);
        CU_ASSERT_STRING_EQUAL(got, "4 even\n5 odd\n");
        free(got);
        CU_ASSERT_PTR_NOT_NULL(strstr(kept.last, "3 numbers were answered"));
        CU_ASSERT_NOT_EQUAL(access(ck, F_OK), 0);
    }
    /* More answered than the inputs hold: other inputs; refused. */
    save_checkpoint(ck, in, 9);
    pk_answers other = {.checkpoint = ck, .resume = true, .identity = "toy\n"};
    CU_ASSERT_EQUAL(run_into(&other, inputs, 1, out, 2, NULL), PK_EINVAL);
    CU_ASSERT_TRUE(other.usage_error);
    CU_ASSERT_PTR_NOT_NULL(strstr(other.error, "the inputs hold only 5"));
    /* Another job's checkpoint: refused before anything is answered. */
    pk_answers another = {.checkpoint = ck, .resume = true, .identity = "another toy\n"};
    CU_ASSERT_EQUAL(run_into(&another, inputs, 1, out, 2, NULL), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(another.error, "cannot resume from"));
    CU_ASSERT_EQUAL(another.answered, 0);
    unlink(ck);
    free(in);
    free(out);
    free(ck);
}

static void test_cancel_saves_then_resume_finishes(void)
{
    char *in = path_in_dir("cancel.txt"), *out = path_in_dir("cancel.out"), *ck = path_in_dir("cancel.ck");
    write_file(in, "6\n7\n8\n");
    const char *inputs[] = {"4", "5", in};
    unlink(out);
    unlink(ck);
    /* Canceled from the start: the numbers given as inputs are one block,
     * answered whole under a checkpoint, and the cancel is seen after it. */
    static _Atomic int cancel = 1;
    pk_answers stopped = {.checkpoint = ck, .identity = "toy\n"};
    CU_ASSERT_EQUAL(run_into(&stopped, inputs, 3, out, 2, &cancel), PK_ECANCELED);
    CU_ASSERT_TRUE(stopped.report.checkpoint_saved);
    CU_ASSERT_EQUAL(stopped.answered, 2);
    /* Stopped again before answering more: the checkpoint still says 2. */
    pk_answers again = {.checkpoint = ck, .resume = true, .identity = "toy\n"};
    CU_ASSERT_EQUAL(run_into(&again, inputs, 3, out, 2, &cancel), PK_ECANCELED);
    CU_ASSERT_TRUE(again.report.checkpoint_saved);
    CU_ASSERT_EQUAL(again.answered, 0);
    pk_answers resumed = {.checkpoint = ck, .resume = true, .identity = "toy\n"};
    CU_ASSERT_EQUAL(run_into(&resumed, inputs, 3, out, 2, NULL), PK_OK);
    CU_ASSERT_EQUAL(resumed.answered, 3);
    if (pk_comm_rank() == 0) {
        char *got = read_file(out);
        CU_ASSERT_STRING_EQUAL(got, "4 even\n5 odd\n6 even\n7 odd\n8 even\n");
        free(got);
    }
    /* Without a checkpoint a cancel stops the run, and saves nothing. */
    unlink(out);
    pk_answers plain = {.io_threads = 1};
    CU_ASSERT_EQUAL(run_into(&plain, inputs, 3, out, 2, &cancel), PK_ECANCELED);
    CU_ASSERT_FALSE(plain.report.checkpoint_saved);
    free(in);
    free(out);
    free(ck);
}

static int set_up(void)
{
    return pk_test_make_directory(dir);
}

static int clean_up(void)
{
    return pk_test_remove_directory(dir);
}

int pk_suite_answers(void)
{
    static const pk_test_case cases[] = {
        {"same_answers_every_way", test_same_answers_every_way},
        {"bad_line_fails_after_the_answers_before_it", test_bad_line_fails_after_the_answers_before_it},
        {"bad_lines_skipped_and_named", test_bad_lines_skipped_and_named},
        {"first_separator_dropped", test_first_separator_dropped},
        {"resume_skips_what_was_answered", test_resume_skips_what_was_answered},
        {"cancel_saves_then_resume_finishes", test_cancel_saves_then_resume_finishes},
        {NULL, NULL},
    };
    return pk_suite_add_set_up("answers", cases, set_up, clean_up);
}
