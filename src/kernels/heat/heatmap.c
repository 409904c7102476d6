/*
 * The heat field as a picture: each cell a colour of a perceptual map
 * (black through purple, red and orange to pale yellow, after matplotlib's
 * "inferno") from a lowest to a highest value.  The final picture is
 * written as a PNG in bands (parkit/png_bands.h) as the grid layer hands
 * rank 0 the rows in order, its bytes to the caller's write function (the
 * CLI's output, through its writer thread); snapshots hand the caller
 * coloured bands, which its writer thread deflates (parkit/png_frames.h).
 * No files here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/heat/heat_internal.h"
#include "parkit/png_bands.h"
#include "parkit/status.h"

/* Rows a band: a few hundred KiB of pixels for a wide grid. */
enum { BAND_ROWS = 16 };

/* The map's stops: position, then red, green, blue. */
static const double stops[][4] = {
    {0.00, 0, 0, 4},       {0.15, 40, 11, 84},    {0.35, 120, 28, 109}, {0.55, 187, 55, 84},
    {0.75, 237, 105, 37},  {0.90, 251, 180, 26},  {1.00, 252, 255, 164},
};

static void colour(double t, unsigned char rgb[3])
{
    if (!(t > 0))
        t = 0; /* NaN too */
    if (t > 1)
        t = 1;
    size_t i = 1;
    while (i + 1 < sizeof stops / sizeof stops[0] && t > stops[i][0])
        i++;
    const double f = (t - stops[i - 1][0]) / (stops[i][0] - stops[i - 1][0]);
    for (int c = 0; c < 3; c++)
        rgb[c] = (unsigned char)lround(stops[i - 1][c + 1] + f * (stops[i][c + 1] - stops[i - 1][c + 1]));
}

void heat_colour_rows(const double *cells, size_t stride, size_t rows, uint64_t nx, double lo, double scale,
                      unsigned char *rgb)
{
    for (size_t r = 0; r < rows; r++)
        for (uint64_t x = 0; x < nx; x++)
            colour((cells[r * stride + x] - lo) * scale, &rgb[(r * nx + x) * 3]);
}

typedef struct heat_image {
    pk_write_fn write;
    void *write_ctx;
    uint64_t nx, ny;
    double lo, scale;
    unsigned char *pixels, *scratch, *out;
    uint32_t adler;
} heat_image;

/* pk_grid_band_fn: a band of rows coloured, filtered, deflated and
 * written; the file's first bytes before the first band, its last after
 * the last. */
static int image_band(void *ctx, const double *cells, size_t stride, uint64_t gy0, size_t rows)
{
    heat_image *image = ctx;
    int rc = PK_OK;
    if (gy0 == 0) {
        size_t len;
        rc = pk_png_header((uint32_t)image->nx, (uint32_t)image->ny, image->out, &len);
        if (rc == PK_OK)
            rc = image->write(image->write_ctx, (const char *)image->out, len);
        image->adler = pk_png_adler_start();
    }
    if (rc == PK_OK)
        heat_colour_rows(cells, stride, rows, image->nx, image->lo, image->scale, image->pixels);
    size_t len;
    uint32_t adler, raw;
    if (rc == PK_OK)
        rc = pk_png_band(image->pixels, (uint32_t)image->nx, (uint32_t)rows, 1, image->scratch, image->out, &len,
                         &adler, &raw);
    if (rc == PK_OK)
        rc = image->write(image->write_ctx, (const char *)image->out, len);
    image->adler = pk_png_adler_combine(image->adler, adler, raw);
    if (rc == PK_OK && gy0 + rows == image->ny) {
        unsigned char trailer[PK_PNG_TRAILER_BYTES];
        pk_png_trailer(image->adler, trailer);
        rc = image->write(image->write_ctx, (const char *)trailer, sizeof trailer);
    }
    return rc;
}

int heat_write_image(pk_grid *grid, double lo, double hi, pk_write_fn write, void *write_ctx)
{
    if (!pk_png_available())
        return PK_ENOTSUP;
    if (grid->nx > UINT32_MAX / 4 || grid->ny > UINT32_MAX / 4)
        return PK_EINVAL;
    heat_image image = {.write = write, .write_ctx = write_ctx, .nx = grid->nx, .ny = grid->ny, .lo = lo,
                        .scale = hi > lo ? 1.0 / (hi - lo) : 0.0};
    const size_t raw = BAND_ROWS * (1 + 3 * grid->nx);
    image.pixels = malloc(BAND_ROWS * 3 * grid->nx);
    image.scratch = malloc(raw);
    image.out = malloc(pk_png_band_bound(raw) > PK_PNG_HEADER_MAX ? pk_png_band_bound(raw) : PK_PNG_HEADER_MAX);
    int rc = image.pixels != NULL && image.scratch != NULL && image.out != NULL ? PK_OK : PK_ENOMEM;
    /* Every rank takes part in the gather, whatever its own memory said:
     * the gather agrees on the worst. */
    int gathered = pk_grid_gather_bands(grid, BAND_ROWS, rc == PK_OK ? image_band : NULL, &image);
    free(image.pixels);
    free(image.scratch);
    free(image.out);
    return rc != PK_OK ? rc : gathered;
}

/* pk_grid_band_fn of a snapshot: the band coloured into a new buffer, handed
 * to the caller's frames (begin before the first band). */
static int snapshot_band(void *ctx, const double *cells, size_t stride, uint64_t gy0, size_t rows)
{
    heat_snapshot *shot = ctx;
    int rc = PK_OK;
    if (gy0 == 0)
        rc = shot->frames->begin(shot->frames->ctx, shot->step, (uint32_t)shot->nx, (uint32_t)shot->ny);
    unsigned char *rgb = rc == PK_OK ? malloc(rows * 3 * shot->nx) : NULL;
    if (rc == PK_OK && rgb == NULL)
        rc = PK_ENOMEM;
    if (rc != PK_OK)
        return rc;
    heat_colour_rows(cells, stride, rows, shot->nx, shot->lo, shot->scale, rgb);
    return shot->frames->band(shot->frames->ctx, rgb, (uint32_t)rows); /* the buffer is theirs now */
}

int heat_snapshot_take(pk_grid *grid, const pk_heat_frames *frames, uint64_t step, double lo, double hi)
{
    if (grid->nx > UINT32_MAX / 4 || grid->ny > UINT32_MAX / 4)
        return PK_EINVAL;
    heat_snapshot shot = {.frames = frames, .step = step, .nx = grid->nx, .ny = grid->ny, .lo = lo,
                          .scale = hi > lo ? 1.0 / (hi - lo) : 0.0};
    return pk_grid_gather_bands(grid, BAND_ROWS, snapshot_band, &shot);
}
