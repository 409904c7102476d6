/*
 * PNG files made on a writer thread while the caller computes: a series of
 * frames (snapshots of a field), each handed over as bands of RGB rows in
 * order.  The caller only colours its rows; filtering, deflate (in bands,
 * parkit/png_bands.h) and writing happen on the thread.  Bands wait in a
 * bounded queue, so memory stays bounded and a slow disk slows the caller
 * (backpressure) rather than growing without limit.  Each file is written
 * under a temporary name beside its own and renamed into place when its
 * last band is written: complete or absent.
 *
 * One caller thread (rank 0's main thread); without libpng (make PNG=0)
 * pk_png_frames_start returns PK_ENOTSUP.
 */
#ifndef PARKIT_PNG_FRAMES_H
#define PARKIT_PNG_FRAMES_H

#include <stddef.h>
#include <stdint.h>

typedef struct pk_png_frames pk_png_frames;

/* Starts the writer thread; at most QUEUE_BYTES of bands wait.  PK_OK,
 * PK_ENOMEM, PK_ENOTSUP or PK_EIO (no thread). */
int pk_png_frames_start(pk_png_frames **frames, size_t queue_bytes);

/* A new frame of WIDTH x HEIGHT pixels for PATH (copied); its bands follow.
 * PK_OK, or the first failure of the writer so far. */
int pk_png_frames_begin(pk_png_frames *frames, const char *path, uint32_t width, uint32_t height);

/* The frame's next ROWS rows, 3 bytes a pixel, in RGB (malloc'd: the writer
 * frees it, whatever this returns).  Blocks while the queue is full.  The
 * frame ends with its last row. */
int pk_png_frames_band(pk_png_frames *frames, unsigned char *rgb, uint32_t rows);

/* Waits until every frame is written, stops the thread and frees the
 * writer.  ABANDON: drop what is waiting instead (the frame being written
 * is removed).  PK_OK, or the first failure, with WHY naming the file. */
int pk_png_frames_finish(pk_png_frames *frames, int abandon, char *why, size_t why_size);

/* Frames written so far, and seconds the caller waited for room. */
void pk_png_frames_stats(pk_png_frames *frames, uint64_t *written, double *blocked_seconds);

#endif
