/*
 * The escape iteration of a row of pixels, LANES pixels at a time.
 *
 * One body (ESCAPE_ROW) is compiled for each width: 1 lane (scalar), 2
 * (SSE2, the x86-64 baseline, or the compiler's generic vectors elsewhere),
 * 4 (AVX2) and 8 (AVX-512F), the wide ones with a target attribute and
 * picked once at run time (__builtin_cpu_supports).  Every lane does the
 * same IEEE operations in the same order as the scalar loop
 *     zr' = (zr*zr - zi*zi) + cr,  zi' = (2*zr)*zi + ci,  |z'|^2 = zr'*zr' + zi'*zi'
 * and the build has no fused multiply-adds (-ffp-contract=off), so every
 * path gives the same bits.  A lane that escaped keeps its count and |z|^2
 * while the others go on; the loop leaves when every lane has escaped.
 */
#include <string.h>

#include "core/targets.h"
#include "parkit/mandel.h"
#include "parkit/status.h"


/* The pixels' real parts: c_r of pixel x. */
static inline double real_of(const pk_mandel_view *view, uint32_t x)
{
    return (view->xmax - view->xmin) * (double)x / (double)view->width + view->xmin;
}

/* Escapes of N pixels with real parts CR[0..N) (N a multiple of LANES) and
 * imaginary part CI. */
#define ESCAPE_ROW(NAME, LANES, TARGET)                                                                           \
    TARGET static void NAME(const double *cr, double ci, uint32_t n, uint32_t iterations, double bailout,          \
                            uint32_t *counts, double *norms)                                                      \
    {                                                                                                             \
        typedef double vd __attribute__((vector_size((LANES) * sizeof(double))));                                 \
        typedef long long vl __attribute__((vector_size((LANES) * sizeof(long long))));                           \
        const vd two = (vd){0} + 2.0, c_i = (vd){0} + ci, bail = (vd){0} + bailout;                               \
        for (uint32_t x = 0; x < n; x += (LANES)) {                                                               \
            vd c_r, zr = {0}, zi = {0}, zr2 = {0}, zi2 = {0}, norm = {0};                                         \
            vl count = {0}, done = {0};                                                                           \
            memcpy(&c_r, cr + x, sizeof c_r);                                                                     \
            for (uint32_t k = 1; k <= iterations; k++) {                                                          \
                zi = two * zr * zi + c_i;                                                                         \
                zr = zr2 - zi2 + c_r;                                                                             \
                zr2 = zr * zr;                                                                                    \
                zi2 = zi * zi;                                                                                    \
                const vd m = zr2 + zi2;                                                                           \
                const vl escaped = (m > bail) & ~done;                                                            \
                count |= escaped & (long long)k;                                                                  \
                norm = (vd)(((vl)m & escaped) | ((vl)norm & ~escaped));                                           \
                done |= escaped;                                                                                  \
                long long all = -1;                                                                               \
                for (int lane = 0; lane < (LANES); lane++)                                                        \
                    all &= done[lane];                                                                            \
                if (all)                                                                                          \
                    break;                                                                                        \
            }                                                                                                     \
            for (int lane = 0; lane < (LANES); lane++) {                                                          \
                counts[x + (uint32_t)lane] = (uint32_t)count[lane];                                               \
                norms[x + (uint32_t)lane] = norm[lane];                                                           \
            }                                                                                                     \
        }                                                                                                         \
    }

ESCAPE_ROW(escape_scalar, 1, )
ESCAPE_ROW(escape_vec2, 2, )
ESCAPE_ROW(escape_avx2, 4, TARGET_AVX2)
ESCAPE_ROW(escape_avx512, 8, TARGET_AVX512)

typedef void (*escape_fn)(const double *, double, uint32_t, uint32_t, double, uint32_t *, double *);

static const struct {
    const char *name;
    escape_fn escape;
    unsigned lanes;
} paths[PK_MANDEL_SIMD_COUNT] = {
    [PK_MANDEL_SIMD_AUTO] = {"auto", NULL, 0},
    [PK_MANDEL_SIMD_SCALAR] = {"scalar", escape_scalar, 1},
    [PK_MANDEL_SIMD_VEC2] = {"vec2", escape_vec2, 2},
    [PK_MANDEL_SIMD_AVX2] = {"avx2", escape_avx2, 4},
    [PK_MANDEL_SIMD_AVX512] = {"avx512", escape_avx512, 8},
};

const char *pk_mandel_simd_name(pk_mandel_simd simd)
{
    return (unsigned)simd < PK_MANDEL_SIMD_COUNT ? paths[simd].name : "?";
}

int pk_mandel_simd_parse(const char *text, pk_mandel_simd *simd)
{
    for (int i = 0; i < PK_MANDEL_SIMD_COUNT; i++) {
        if (strcmp(text, paths[i].name) == 0) {
            *simd = (pk_mandel_simd)i;
            return PK_OK;
        }
    }
    return PK_EINVAL;
}

bool pk_mandel_simd_available(pk_mandel_simd simd)
{
    switch (simd) {
    case PK_MANDEL_SIMD_AUTO:
    case PK_MANDEL_SIMD_SCALAR:
    case PK_MANDEL_SIMD_VEC2:
        return true;
#if PK_X86
    case PK_MANDEL_SIMD_AVX2:
        return __builtin_cpu_supports("avx2");
    case PK_MANDEL_SIMD_AVX512:
        return __builtin_cpu_supports("avx512f");
#else
    case PK_MANDEL_SIMD_AVX2:
    case PK_MANDEL_SIMD_AVX512:
        return false;
#endif
    }
    return false;
}

pk_mandel_simd pk_mandel_simd_best(void)
{
    for (int simd = PK_MANDEL_SIMD_AVX512; simd > PK_MANDEL_SIMD_VEC2; simd--)
        if (pk_mandel_simd_available((pk_mandel_simd)simd))
            return (pk_mandel_simd)simd;
    return PK_MANDEL_SIMD_VEC2;
}

void pk_mandel_escape_row(const pk_mandel_view *view, uint32_t y, double bailout, pk_mandel_simd simd,
                          uint32_t *counts, double *norms)
{
    if (simd == PK_MANDEL_SIMD_AUTO || !pk_mandel_simd_available(simd))
        simd = pk_mandel_simd_best();
    const unsigned lanes = paths[simd].lanes;
    const uint32_t n = (view->width + lanes - 1) / lanes * lanes;
    /* The real parts in NORMS, overwritten lane group by lane group as the
     * escapes come out (a group reads its parts before it writes). */
    for (uint32_t x = 0; x < n; x++)
        norms[x] = real_of(view, x < view->width ? x : view->width - 1);
    const double ci = view->ymax - (view->ymax - view->ymin) * (double)y / (double)view->height;
    paths[simd].escape(norms, ci, n, view->iterations, bailout, counts, norms);
}
