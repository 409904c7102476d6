/*
 * PNG frames on a writer thread (see parkit/png_frames.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parkit/png_bands.h"
#include "parkit/png_frames.h"
#include "parkit/queue.h"
#include "parkit/status.h"

/* What travels through the queue: a frame's start, or one of its bands. */
typedef struct frame_item {
    char *path;          /* a new frame: its file */
    uint32_t width, height;
    unsigned char *rgb;  /* a band */
    uint32_t rows;
} frame_item;

struct pk_png_frames {
    pk_queue *queue;
    pthread_t thread;
    _Atomic int failed; /* the first failure, for the caller */
    char why[512];      /* its words, written once by the thread */
    /* The caller's view of the frame it is handing over. */
    uint32_t width, height, rows_given;
    /* The thread's frame being written. */
    FILE *file;
    char *temporary, *final;
    uint32_t rows_written, frame_width, frame_height;
    uint32_t adler;
    unsigned char *scratch, *out;
    size_t room; /* bytes of scratch for a band's scanlines */
    _Atomic uint64_t written;
};

static void fail(pk_png_frames *frames, int status, const char *fmt, const char *path, int error)
{
    int expected = PK_OK;
    if (atomic_compare_exchange_strong(&frames->failed, &expected, status))
        snprintf(frames->why, sizeof frames->why, fmt, path, strerror(error));
}

/* Closes the file being written; renames it into place when COMPLETE, removes it otherwise. */
static void close_frame(pk_png_frames *frames, int complete)
{
    if (frames->file == NULL) { /* never opened, or closed already: only its names to forget */
        free(frames->temporary), free(frames->final);
        frames->temporary = frames->final = NULL;
        return;
    }
    int error = fflush(frames->file) != 0 || ferror(frames->file) ? errno : 0;
    if (fclose(frames->file) != 0 && error == 0)
        error = errno;
    frames->file = NULL;
    if (complete && error == 0 && rename(frames->temporary, frames->final) != 0)
        error = errno;
    if (complete && error != 0)
        fail(frames, PK_EIO, "cannot write %s: %s", frames->final, error);
    if (!complete || error != 0)
        unlink(frames->temporary);
    else
        atomic_fetch_add(&frames->written, 1);
    free(frames->temporary), free(frames->final);
    frames->temporary = frames->final = NULL;
}

static void open_frame(pk_png_frames *frames, frame_item *item)
{
    frames->final = item->path;
    item->path = NULL;
    frames->frame_width = item->width, frames->frame_height = item->height, frames->rows_written = 0;
    frames->adler = pk_png_adler_start();
    if (asprintf(&frames->temporary, "%s.partial-XXXXXX", frames->final) < 0) {
        frames->temporary = NULL;
        fail(frames, PK_ENOMEM, "cannot write %s: %s", frames->final, ENOMEM);
        return;
    }
    int fd = mkstemp(frames->temporary);
    if (fd < 0 || (frames->file = fdopen(fd, "w")) == NULL) {
        fail(frames, PK_EIO, "cannot write %s: %s", frames->final, errno);
        if (fd >= 0)
            close(fd), unlink(frames->temporary);
        return;
    }
    mode_t mask = umask(0); /* mkstemp makes the file 0600; give it the usual mode */
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    size_t len;
    if (pk_png_header(item->width, item->height, frames->out, &len) != PK_OK ||
        fwrite(frames->out, 1, len, frames->file) != len)
        fail(frames, PK_EIO, "cannot write %s: %s", frames->final, errno ? errno : EIO);
}

static void write_band(pk_png_frames *frames, frame_item *item)
{
    if (frames->file == NULL)
        return; /* the frame could not be opened: said */
    size_t len;
    uint32_t adler, raw;
    if (pk_png_band(item->rgb, frames->frame_width, item->rows, 1, frames->scratch, frames->out, &len, &adler,
                    &raw) != PK_OK ||
        fwrite(frames->out, 1, len, frames->file) != len) {
        fail(frames, PK_EIO, "cannot write %s: %s", frames->final, errno ? errno : EIO);
        close_frame(frames, 0);
        return;
    }
    frames->adler = pk_png_adler_combine(frames->adler, adler, raw);
    frames->rows_written += item->rows;
    if (frames->rows_written == frames->frame_height) {
        unsigned char trailer[PK_PNG_TRAILER_BYTES];
        pk_png_trailer(frames->adler, trailer);
        if (fwrite(trailer, 1, sizeof trailer, frames->file) != sizeof trailer)
            fail(frames, PK_EIO, "cannot write %s: %s", frames->final, errno ? errno : EIO);
        close_frame(frames, atomic_load(&frames->failed) == PK_OK);
    }
}

static void free_item(void *p)
{
    frame_item *item = p;
    free(item->path);
    free(item->rgb);
    free(item);
}

/* Makes room for bands of ROWS rows of WIDTH pixels. */
static int make_room(pk_png_frames *frames, uint32_t width, uint32_t rows)
{
    const size_t raw = (size_t)rows * (1 + 3 * (size_t)width);
    if (raw <= frames->room)
        return PK_OK;
    free(frames->scratch), free(frames->out);
    frames->scratch = malloc(raw);
    const size_t bound = pk_png_band_bound(raw);
    frames->out = malloc(bound > PK_PNG_HEADER_MAX ? bound : PK_PNG_HEADER_MAX);
    frames->room = frames->scratch != NULL && frames->out != NULL ? raw : 0;
    return frames->room > 0 ? PK_OK : PK_ENOMEM;
}

static void *writer_main(void *arg)
{
    pk_png_frames *frames = arg;
    void *p;
    while (pk_queue_pop(frames->queue, &p, -1) == PK_OK) {
        frame_item *item = p;
        if (atomic_load(&frames->failed) == PK_OK) {
            if (item->path != NULL) {
                close_frame(frames, 0); /* a frame left short: never */
                if (make_room(frames, item->width, 1) == PK_OK)
                    open_frame(frames, item);
                else
                    fail(frames, PK_ENOMEM, "cannot write %s: %s", item->path, ENOMEM);
            } else if (make_room(frames, frames->frame_width, item->rows) == PK_OK) {
                write_band(frames, item);
            } else {
                fail(frames, PK_ENOMEM, "cannot write %s: %s", frames->final, ENOMEM);
            }
        }
        free_item(item);
    }
    close_frame(frames, 0); /* a frame cut short by a cancel */
    return NULL;
}

int pk_png_frames_start(pk_png_frames **out, size_t queue_bytes)
{
    *out = NULL;
    if (!pk_png_available())
        return PK_ENOTSUP;
    pk_png_frames *frames = calloc(1, sizeof *frames);
    if (frames == NULL)
        return PK_ENOMEM;
    /* A band is a few hundred KiB; the queue holds about QUEUE_BYTES of them. */
    size_t items = queue_bytes / (256 * 1024);
    if (pk_queue_create(&frames->queue, items < 4 ? 4 : items) != PK_OK) {
        free(frames);
        return PK_ENOMEM;
    }
    if (pthread_create(&frames->thread, NULL, writer_main, frames) != 0) {
        pk_queue_destroy(frames->queue);
        free(frames);
        return PK_EIO;
    }
    *out = frames;
    return PK_OK;
}

static int push(pk_png_frames *frames, frame_item *item)
{
    int rc = atomic_load(&frames->failed);
    if (rc == PK_OK)
        rc = pk_queue_push(frames->queue, item, -1);
    if (rc != PK_OK)
        free_item(item);
    return rc;
}

int pk_png_frames_begin(pk_png_frames *frames, const char *path, uint32_t width, uint32_t height)
{
    frame_item *item = calloc(1, sizeof *item);
    if (item == NULL || (item->path = strdup(path)) == NULL) {
        free(item);
        return PK_ENOMEM;
    }
    item->width = width, item->height = height;
    frames->width = width, frames->height = height, frames->rows_given = 0;
    return push(frames, item);
}

int pk_png_frames_band(pk_png_frames *frames, unsigned char *rgb, uint32_t rows)
{
    frame_item *item = calloc(1, sizeof *item);
    if (item == NULL) {
        free(rgb);
        return PK_ENOMEM;
    }
    item->rgb = rgb, item->rows = rows;
    if (frames->rows_given + rows > frames->height) {
        free_item(item);
        return PK_EINVAL;
    }
    frames->rows_given += rows;
    return push(frames, item);
}

int pk_png_frames_finish(pk_png_frames *frames, int abandon, char *why, size_t why_size)
{
    if (frames == NULL)
        return PK_OK;
    if (abandon)
        pk_queue_cancel(frames->queue);
    else
        pk_queue_close(frames->queue);
    pthread_join(frames->thread, NULL);
    pk_queue_drain(frames->queue, free_item);
    pk_queue_destroy(frames->queue);
    int rc = atomic_load(&frames->failed);
    if (rc != PK_OK && why != NULL)
        snprintf(why, why_size, "%s", frames->why);
    free(frames->scratch), free(frames->out);
    free(frames);
    return rc;
}

void pk_png_frames_stats(pk_png_frames *frames, uint64_t *written, double *blocked_seconds)
{
    *written = atomic_load(&frames->written);
    pk_queue_stats(frames->queue, blocked_seconds, NULL, NULL);
}
