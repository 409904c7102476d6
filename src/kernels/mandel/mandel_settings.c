/*
 * The mandel kernel's table for the front ends (see parkit/mandel_settings.h).
 */
#include <math.h>
#include <string.h>

#include "core/values.h"
#include "parkit/mandel_settings.h"
#include "parkit/status.h"

static const char *const command_names[] = {
    [PK_COMMAND_MANDEL_IMAGE] = "image",
    NULL,
};

/* The most pixels a side: past it a row's bands, offsets and counts
 * would need more than the 32 bits they are kept in. */
#define MAX_SIDE 1000000u
/* The most iterations: a pixel's count must fit 32 bits. */
#define MAX_ITERATIONS 1000000000u

/* A whole number in [1, MAX] written alone, into 32 bits. */
static bool parse_count(const char *text, const char *end, uint32_t max, uint32_t *value)
{
    uint64_t v;
    if (!pk_value_count(text, end, max, &v))
        return false;
    *value = (uint32_t)v;
    return true;
}

static bool set_size(void *settings, const char *value)
{
    pk_mandel_settings *s = pk_mandel_settings_in(settings);
    const char *x = strchr(value, 'x');
    if (x == NULL)
        return parse_count(value, value + strlen(value), MAX_SIDE, &s->width) && (s->height = s->width) > 0;
    return parse_count(value, x, MAX_SIDE, &s->width) && parse_count(x + 1, x + 1 + strlen(x + 1), MAX_SIDE, &s->height);
}

static bool set_region(void *settings, const char *value)
{
    pk_mandel_settings *s = pk_mandel_settings_in(settings);
    double r[4];
    if (!pk_value_reals(value, r, 4) || !(r[0] < r[1]) || !(r[2] < r[3]))
        return false;
    memcpy(s->region, r, sizeof r);
    s->region_given = true;
    return true;
}

static bool set_center(void *settings, const char *value)
{
    pk_mandel_settings *s = pk_mandel_settings_in(settings);
    s->center_given = pk_value_reals(value, s->center, 2);
    return s->center_given;
}

static bool set_zoom(void *settings, const char *value)
{
    pk_mandel_settings *s = pk_mandel_settings_in(settings);
    s->zoom_given = pk_value_reals(value, &s->zoom, 1) && s->zoom > 0;
    return s->zoom_given;
}

static bool set_iterations(void *settings, const char *value)
{
    return parse_count(value, value + strlen(value), MAX_ITERATIONS, &pk_mandel_settings_in(settings)->iterations);
}

static bool set_format(void *settings, const char *value)
{
    pk_mandel_settings *s = pk_mandel_settings_in(settings);
    s->format_given = pk_mandel_format_parse(value, &s->format) == PK_OK;
    return s->format_given;
}

static bool set_simd(void *settings, const char *value)
{
    return pk_mandel_simd_parse(value, &pk_mandel_settings_in(settings)->simd) == PK_OK;
}

#define IMAGE PK_FOR(PK_COMMAND_MANDEL_IMAGE)

static const pk_kernel_key keys[] = {
    {"image", "size", PK_KEY_SETTING, IMAGE, 0, "N or WxH, each from 1 to 1000000 pixels", set_size},
    {"image", "region", PK_KEY_SETTING, IMAGE, 0, "XMIN,XMAX,YMIN,YMAX, finite, with XMIN < XMAX and YMIN < YMAX",
     set_region},
    {"image", "center", PK_KEY_SETTING, IMAGE, 0, "X,Y, two finite numbers", set_center},
    {"image", "zoom", PK_KEY_SETTING, IMAGE, 0, "a finite number above 0 (1: the whole set)", set_zoom},
    {"image", "iterations", PK_KEY_SETTING, IMAGE, 0, "a whole number from 1 to 1000000000", set_iterations},
    {"output", "format", PK_KEY_SETTING, IMAGE, 0, "png, ppm, pbm or raw", set_format},
    {"parallel", "simd", PK_KEY_SETTING, IMAGE, 0, "auto, scalar, vec2, avx2 or avx512", set_simd},
};

static void settings_init(void *settings)
{
    *pk_mandel_settings_in(settings) = (pk_mandel_settings){.simd = PK_MANDEL_SIMD_AUTO};
}

int pk_mandel_view_of(const pk_mandel_settings *s, pk_mandel_view *view, const char **why)
{
    const bool benchmark = s->format_given && s->format == PK_MANDEL_PBM;
    *view = (pk_mandel_view){
        .width = s->width > 0 ? s->width : 1024,
        .height = s->height > 0 ? s->height : 1024,
        .iterations = s->iterations > 0 ? s->iterations : benchmark ? 50 : 1000,
    };
    if (s->region_given && (s->center_given || s->zoom_given)) {
        *why = "choose one of region and center/zoom";
        return PK_EINVAL;
    }
    if (s->region_given) {
        view->xmin = s->region[0], view->xmax = s->region[1], view->ymin = s->region[2], view->ymax = s->region[3];
    } else if (benchmark && !s->center_given && !s->zoom_given) {
        view->xmin = -1.5, view->xmax = 0.5, view->ymin = -1.0, view->ymax = 1.0;
    } else {
        /* 3.5 wide at zoom 1, as high as square pixels make it. */
        const double cx = s->center_given ? s->center[0] : -0.75, cy = s->center_given ? s->center[1] : 0.0;
        const double zoom = s->zoom_given ? s->zoom : 1.0;
        const double half_width = 1.75 / zoom, half_height = half_width * view->height / view->width;
        view->xmin = cx - half_width, view->xmax = cx + half_width;
        view->ymin = cy - half_height, view->ymax = cy + half_height;
    }
    /* A zoom so deep that neighbouring pixels are the same double: the
     * picture would be flat bands, not the set. */
    if (!(view->xmin < view->xmax) || !(view->ymin < view->ymax) || !isfinite(view->xmin) ||
        !isfinite(view->xmax) || !isfinite(view->ymin) || !isfinite(view->ymax) ||
        (view->xmax - view->xmin) / view->width < 4 * fmax(fabs(view->xmin), fabs(view->xmax)) * 0x1p-52 ||
        (view->ymax - view->ymin) / view->height < 4 * fmax(fabs(view->ymin), fabs(view->ymax)) * 0x1p-52) {
        *why = "the view is too small for double precision at this size (pixels would not differ)";
        return PK_EINVAL;
    }
    return PK_OK;
}

_Static_assert(sizeof(pk_mandel_settings) <= PK_KERNEL_SETTINGS_MAX, "pk_mandel_settings must fit a job spec");
_Static_assert(sizeof keys / sizeof keys[0] <= PK_KERNEL_MAX_KEYS, "too many keys for a job spec");

const pk_kernel_info pk_mandel_kernel = {
    .name = "mandel",
    .commands = command_names,
    .commands_expected = "image",
    .keys = keys,
    .nkeys = sizeof keys / sizeof keys[0],
    .output_path_commands = IMAGE,
    .checkpoint_commands = IMAGE,
    .io_threads_commands = IMAGE,
    .unit_commands = IMAGE,
    .settings_size = sizeof(pk_mandel_settings),
    .settings_init = settings_init,
    .stdout_format_key = NULL,
};
