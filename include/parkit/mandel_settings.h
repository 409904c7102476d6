/*
 * The mandel kernel's options, as the front ends see them: its one command
 * and the table of its keys ([image] size, region, center, zoom,
 * iterations; [output] format; [parallel] simd), whose setters the command
 * line uses too, so `--size 3840x2160` and `size = 3840x2160` mean the
 * same and are refused the same way.
 */
#ifndef PARKIT_MANDEL_SETTINGS_H
#define PARKIT_MANDEL_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "parkit/kernel.h"
#include "parkit/mandel.h"

typedef enum pk_mandel_command {
    PK_COMMAND_MANDEL_IMAGE,
} pk_mandel_command;

typedef struct pk_mandel_settings {
    uint32_t width, height; /* 0: not given */
    uint32_t iterations;    /* 0: not given */
    bool format_given, region_given, center_given, zoom_given;
    pk_mandel_format format;
    pk_mandel_simd simd;
    double region[4]; /* xmin, xmax, ymin, ymax */
    double center[2];
    double zoom;
} pk_mandel_settings;

extern const pk_kernel_info pk_mandel_kernel;

static inline pk_mandel_settings *pk_mandel_settings_in(void *settings)
{
    return (pk_mandel_settings *)settings;
}

static inline const pk_mandel_settings *pk_mandel_settings_of(const void *settings)
{
    return (const pk_mandel_settings *)settings;
}

/* The view SETTINGS describe, with the defaults filled in (1024x1024;
 * --format pbm: the benchmarks game's [-1.5, 0.5] x [-1, 1] and 50
 * iterations; otherwise centre -0.75,0, 3.5 wide at zoom 1, square
 * pixels, 1000 iterations).  PK_OK, or PK_EINVAL with WHY. */
int pk_mandel_view_of(const pk_mandel_settings *settings, pk_mandel_view *view, const char **why);

#endif
