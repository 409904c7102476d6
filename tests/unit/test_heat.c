/*
 * The heat kernel (src/kernels/heat/): one step on a small tile by hand;
 * the stability limit and the refusals; the sine mode decays as the
 * scheme's exact solution says (and near the equation's); the checksum
 * does not depend on where a cell was computed but sees any change; a
 * solve with a checkpoint stopped at once resumes to the same field; the
 * settings give the documented defaults.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels/heat/heat_internal.h"
#include "parkit/comm.h"
#include "parkit/heat.h"
#include "parkit/heat_settings.h"
#include "parkit/status.h"
#include "suites.h"

static void test_one_step_by_hand(void)
{
    /* A 3 x 3 tile inside a frame: stride 5, the centre cell (2, 2). */
    double in[5 * 5], out[5 * 5];
    for (int i = 0; i < 25; i++)
        in[i] = (double)i, out[i] = -1;
    const heat_coefficients k = {.rx = 0.25, .ry = 0.125};
    double change = heat_sweep((void *)&k, &in[6], &out[6], 5, 3, 3, true);
    /* Cell 12: 12 + 0.25 ((11 + 13) - 24) + 0.125 ((7 + 17) - 24) = 12: a
     * linear field is steady. */
    CU_ASSERT_EQUAL(out[12], 12.0);
    CU_ASSERT_EQUAL(change, 0.0);
    CU_ASSERT_EQUAL(out[0], -1); /* the frame is not written */
    CU_ASSERT_EQUAL(out[9], -1);
    in[12] = 20; /* a bump spreads: 20 + 0.25 (24 - 40) + 0.125 (24 - 40) = 14 */
    change = heat_sweep((void *)&k, &in[6], &out[6], 5, 3, 3, true);
    CU_ASSERT_EQUAL(out[12], 14.0);
    CU_ASSERT_EQUAL(out[13], 13.0 + 0.25 * ((20.0 + 14.0) - 26.0) + 0.125 * ((8.0 + 18.0) - 26.0));
    CU_ASSERT_EQUAL(change, 6.0);
}

/* Every sweep path this CPU has gives the portable path's bits, on values
 * of every size and sign, at every alignment and length. */
static void test_every_path_gives_the_same_bits(void)
{
    enum { STRIDE = 67, ROWS = 9 };
    double in[STRIDE * (ROWS + 2)], want[STRIDE * (ROWS + 2)], got[STRIDE * (ROWS + 2)];
    uint64_t z = 88172645463325252u;
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        z ^= z << 13, z ^= z >> 7, z ^= z << 17;
        in[i] = ldexp((double)(z >> 11) * 0x1p-53 - 0.5, (int)(z % 40) - 20);
    }
    heat_coefficients k = {.rx = 0.2131, .ry = 0.1377, .path = HEAT_PATH_PORTABLE};
    int paths = 0;
    for (int path = HEAT_PATH_PORTABLE; path <= HEAT_PATH_AVX512; path++) {
        if (!heat_path_available((heat_path)path))
            continue;
        paths++;
        for (size_t start = 1; start <= 4; start++)
            for (size_t cols = 1; cols <= STRIDE - 6; cols += 7) {
                memset(want, 0, sizeof want), memset(got, 0, sizeof got);
                k.path = HEAT_PATH_PORTABLE;
                double cw = heat_sweep(&k, in + STRIDE + start, want + STRIDE + start, STRIDE, ROWS, cols, true);
                k.path = (heat_path)path;
                double cg = heat_sweep(&k, in + STRIDE + start, got + STRIDE + start, STRIDE, ROWS, cols, true);
                CU_ASSERT_EQUAL(memcmp(want, got, sizeof want), 0);
                CU_ASSERT_EQUAL(cw, cg);
            }
    }
    CU_ASSERT_TRUE(paths >= 1);
    CU_ASSERT_TRUE(heat_path_available(heat_path_best()));
}

static pk_heat_problem sine(uint64_t n)
{
    return (pk_heat_problem){.nx = n, .ny = n, .alpha = 1.0, .dt = 0.8 * pk_heat_stable_dt(n, n, 1.0),
                             .init = PK_HEAT_SINE};
}

static void test_stability_and_refusals(void)
{
    /* h = 1/65: dt <= h^2 / 4 for alpha 1 on a square grid. */
    CU_ASSERT_DOUBLE_EQUAL(pk_heat_stable_dt(64, 64, 1.0), 1.0 / (65.0 * 65.0 * 4.0), 1e-18);
    pk_heat_problem p = sine(64);
    char why[512];
    CU_ASSERT_EQUAL(pk_heat_check(&p, why, sizeof why), PK_OK);
    p.dt = 1.01 * pk_heat_stable_dt(64, 64, 1.0);
    CU_ASSERT_EQUAL(pk_heat_check(&p, why, sizeof why), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "unstable"));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "5.91716e-05")); /* the limit, 1/16900 */
    p = sine(64);
    p.alpha = NAN;
    CU_ASSERT_EQUAL(pk_heat_check(&p, why, sizeof why), PK_EINVAL);
    p = sine(64);
    p.edges[2] = 1;
    CU_ASSERT_EQUAL(pk_heat_check(&p, why, sizeof why), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "edges"));
    p = sine(64);
    p.nx = 0;
    CU_ASSERT_EQUAL(pk_heat_check(&p, why, sizeof why), PK_EINVAL);
}

static pk_heat_options options_for(const pk_heat_problem *p, uint64_t steps)
{
    return (pk_heat_options){.problem = *p, .grid = {.threads = 2, .halo = PK_HALO_NONBLOCKING}, .steps = steps};
}

static void test_the_sine_mode_decays_exactly(void)
{
    pk_heat_problem p = sine(48);
    pk_heat_options o = options_for(&p, 300);
    pk_heat_report r = {0};
    CU_ASSERT_EQUAL_FATAL(pk_heat_solve(&o, &r), PK_OK);
    CU_ASSERT_TRUE(r.validated_case);
    CU_ASSERT_TRUE(r.validated);
    CU_ASSERT_TRUE(r.error_scheme < 1e-13);
    /* The scheme is second order in space: near the equation, not on it. */
    CU_ASSERT_TRUE(r.error_equation > 1e-7 && r.error_equation < 1e-3);
    CU_ASSERT_EQUAL(r.steps, 300);
    CU_ASSERT_DOUBLE_EQUAL(r.max, heat_scheme_decay(&p, 300) * sin(M_PI * 24 / 49.0) * sin(M_PI * 24 / 49.0), 1e-12);
    /* The same decay by multiplication, step by step. */
    const heat_coefficients k = heat_coefficients_of(&p);
    const double s = sin(M_PI / 49 / 2), lambda = 1 - 4 * k.rx * s * s - 4 * k.ry * s * s;
    double a = 1;
    for (int i = 0; i < 300; i++)
        a *= lambda;
    CU_ASSERT_DOUBLE_EQUAL(heat_scheme_decay(&p, 300), a, 1e-14);
}

static void test_the_checksum_sees_any_change(void)
{
    pk_heat_problem p = sine(40);
    p.init = PK_HEAT_HOTSPOT, p.hot = 100;
    pk_heat_options o = options_for(&p, 50);
    pk_heat_report one = {0}, two = {0}, other = {0};
    CU_ASSERT_EQUAL_FATAL(pk_heat_solve(&o, &one), PK_OK);
    o.grid.threads = 1, o.grid.halo = PK_HALO_SENDRECV;
    CU_ASSERT_EQUAL_FATAL(pk_heat_solve(&o, &two), PK_OK);
    CU_ASSERT_EQUAL(one.checksum, two.checksum);
    CU_ASSERT_FALSE(one.validated_case);
    o.steps = 51; /* one step more: another field, another checksum */
    CU_ASSERT_EQUAL_FATAL(pk_heat_solve(&o, &other), PK_OK);
    CU_ASSERT_NOT_EQUAL(one.checksum, other.checksum);
    CU_ASSERT_TRUE(one.max > 0 && one.max < 100 && one.min >= 0);
}

static char dir[] = "/tmp/pk-heat-XXXXXX";

static int set_up(void)
{
    int rc = pk_comm_rank() == 0 ? pk_test_make_directory(dir) : 0;
    pk_comm_broadcast(dir, sizeof dir, 0);
    return rc;
}

static int clean_up(void)
{
    pk_comm_barrier();
    return pk_comm_rank() == 0 ? pk_test_remove_directory(dir) : 0;
}

static void test_a_stopped_solve_resumes_to_the_same_field(void)
{
    char checkpoint[64], field[64], again[64];
    snprintf(checkpoint, sizeof checkpoint, "%s/ck", dir);
    snprintf(field, sizeof field, "%s/field", dir);
    snprintf(again, sizeof again, "%s/again", dir);
    pk_heat_problem p = sine(33);
    p.init = PK_HEAT_HOTSPOT, p.hot = 50, p.edges[0] = 10;
    pk_heat_options o = options_for(&p, 120);
    o.output_path = field;
    pk_heat_report whole = {0};
    CU_ASSERT_EQUAL_FATAL(pk_heat_solve(&o, &whole), PK_OK);

    /* Stopped at the first look: the checkpoint is saved, the field not. */
    _Atomic int cancel = 1;
    o.output_path = again, o.checkpoint_path = checkpoint, o.resume = true, o.cancel = &cancel;
    pk_heat_report stopped = {0};
    CU_ASSERT_EQUAL(pk_heat_solve(&o, &stopped), PK_ECANCELED);
    CU_ASSERT_TRUE(stopped.run.checkpoint_saved);
    CU_ASSERT_TRUE(stopped.steps > 0 && stopped.steps < 120);
    CU_ASSERT_EQUAL(access(again, F_OK), -1);
    CU_ASSERT_EQUAL(access(checkpoint, F_OK), 0);

    /* Resumed with one thread and blocking halos: the same field, the same file. */
    cancel = 0;
    o.grid.threads = 1, o.grid.halo = PK_HALO_SENDRECV;
    pk_heat_report resumed = {0};
    CU_ASSERT_EQUAL_FATAL(pk_heat_solve(&o, &resumed), PK_OK);
    CU_ASSERT_EQUAL(resumed.resumed_step, stopped.steps);
    CU_ASSERT_EQUAL(resumed.steps_run, 120 - stopped.steps);
    CU_ASSERT_EQUAL(resumed.checksum, whole.checksum);
    pk_comm_barrier(); /* rank 0 removes it on its way out */
    CU_ASSERT_EQUAL(access(checkpoint, F_OK), -1); /* a finished run leaves none */
    if (pk_comm_rank() == 0) {
        FILE *a = fopen(field, "rb"), *b = fopen(again, "rb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        int ca, cb;
        long at = 0, differ = 0;
        do {
            ca = fgetc(a), cb = fgetc(b);
            differ += ca != cb;
            at++;
        } while (ca != EOF && cb != EOF);
        CU_ASSERT_EQUAL(differ, 0);
        CU_ASSERT_EQUAL(at, PK_HEAT_HEADER_BYTES + 33 * 33 * 8 + 1);
        fclose(a);
        fclose(b);
    }

    /* The field as another run's first field: a file with a header, then bare doubles. */
    pk_heat_problem q = p;
    q.init = PK_HEAT_FILE, q.init_path = field;
    pk_heat_options from_file = options_for(&q, 0 + 1);
    pk_heat_report r = {0};
    CU_ASSERT_EQUAL(pk_heat_solve(&from_file, &r), PK_OK);
    q.nx = 34;
    from_file = options_for(&q, 1);
    memset(&r, 0, sizeof r);
    CU_ASSERT_EQUAL(pk_heat_solve(&from_file, &r), PK_EINVAL);
    CU_ASSERT_TRUE(r.usage_error);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "33 x 33"));

    /* Another problem's checkpoint is refused, not resumed. */
    o.cancel = &cancel;
    cancel = 1;
    memset(&stopped, 0, sizeof stopped);
    CU_ASSERT_EQUAL(pk_heat_solve(&o, &stopped), PK_ECANCELED);
    pk_heat_options other = o;
    other.problem.hot = 51;
    cancel = 0;
    memset(&r, 0, sizeof r);
    CU_ASSERT_EQUAL(pk_heat_solve(&other, &r), PK_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.run.checkpoint_error, "another initial field"));
}

static void test_settings_defaults(void)
{
    unsigned char settings[PK_KERNEL_SETTINGS_MAX];
    pk_heat_kernel.settings_init(settings);
    pk_heat_problem p;
    pk_heat_problem_of(pk_heat_settings_of(settings), &p);
    CU_ASSERT_EQUAL(p.nx, 256);
    CU_ASSERT_EQUAL(p.ny, 256);
    CU_ASSERT_EQUAL(p.alpha, 1.0);
    CU_ASSERT_EQUAL(p.dt, 0.8 * pk_heat_stable_dt(256, 256, 1.0));
    CU_ASSERT_EQUAL(p.init, PK_HEAT_HOTSPOT);
    CU_ASSERT_EQUAL(p.hot, 100.0);
    CU_ASSERT_TRUE(pk_kernel_key_named(&pk_heat_kernel, "size")->set(settings, "300x200"));
    CU_ASSERT_TRUE(pk_kernel_key_named(&pk_heat_kernel, "edges")->set(settings, "1,2,3,4"));
    CU_ASSERT_FALSE(pk_kernel_key_named(&pk_heat_kernel, "edges")->set(settings, "1,2"));
    CU_ASSERT_FALSE(pk_kernel_key_named(&pk_heat_kernel, "size")->set(settings, "0"));
    CU_ASSERT_FALSE(pk_kernel_key_named(&pk_heat_kernel, "size")->set(settings, "2000000000"));
    CU_ASSERT_FALSE(pk_kernel_key_named(&pk_heat_kernel, "dt")->set(settings, "inf"));
    CU_ASSERT_FALSE(pk_kernel_key_named(&pk_heat_kernel, "halo")->set(settings, "carrier-pigeon"));
    CU_ASSERT_FALSE(pk_kernel_key_named(&pk_heat_kernel, "ranks-grid")->set(settings, "4"));
    CU_ASSERT_TRUE(pk_kernel_key_named(&pk_heat_kernel, "ranks-grid")->set(settings, "2x1"));
    pk_heat_problem_of(pk_heat_settings_of(settings), &p);
    CU_ASSERT_EQUAL(p.nx, 300);
    CU_ASSERT_EQUAL(p.ny, 200);
    CU_ASSERT_EQUAL(p.edges[PK_HEAT_EDGE_RIGHT], 4.0);
}

int pk_suite_heat(void)
{
    static const pk_test_case cases[] = {
        {"one step by hand", test_one_step_by_hand},
        {"every path gives the same bits", test_every_path_gives_the_same_bits},
        {"stability and refusals", test_stability_and_refusals},
        {"the sine mode decays exactly", test_the_sine_mode_decays_exactly},
        {"the checksum sees any change", test_the_checksum_sees_any_change},
        {"a stopped solve resumes to the same field", test_a_stopped_solve_resumes_to_the_same_field},
        {"settings defaults", test_settings_defaults},
        {NULL, NULL},
    };
    return pk_suite_add_set_up("heat", cases, set_up, clean_up);
}
