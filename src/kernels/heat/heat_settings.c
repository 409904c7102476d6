/*
 * The heat kernel's table for the front ends (see parkit/heat_settings.h).
 */
#include <math.h>
#include <string.h>

#include "core/values.h"
#include "parkit/heat_settings.h"
#include "parkit/status.h"

static const char *const command_names[] = {
    [PK_COMMAND_HEAT_SOLVE] = "solve",
    NULL,
};

/* The most cells a side the command takes (the grid layer's limit). */
#define MAX_SIDE ((uint64_t)PK_GRID_MAX_SIDE)

static bool set_size(void *settings, const char *value)
{
    pk_heat_settings *s = pk_heat_settings_in(settings);
    uint64_t nx, ny;
    if (!pk_value_pair(value, MAX_SIDE, &nx, &ny))
        return false;
    s->nx = (uint32_t)nx, s->ny = (uint32_t)ny;
    return true;
}

static bool set_steps(void *settings, const char *value)
{
    return pk_value_count(value, value + strlen(value), UINT64_MAX / 2, &pk_heat_settings_in(settings)->steps);
}

static bool set_tolerance(void *settings, const char *value)
{
    pk_heat_settings *s = pk_heat_settings_in(settings);
    return pk_value_reals(value, &s->tolerance, 1) && s->tolerance > 0;
}

static bool set_check_every(void *settings, const char *value)
{
    uint64_t every;
    if (!pk_value_count(value, value + strlen(value), 1000000000, &every))
        return false;
    pk_heat_settings_in(settings)->check_every = (uint32_t)every;
    return true;
}

static bool set_alpha(void *settings, const char *value)
{
    pk_heat_settings *s = pk_heat_settings_in(settings);
    return pk_value_reals(value, &s->alpha, 1) && s->alpha > 0;
}

static bool set_dt(void *settings, const char *value)
{
    pk_heat_settings *s = pk_heat_settings_in(settings);
    return pk_value_reals(value, &s->dt, 1) && s->dt > 0;
}

static bool set_edges(void *settings, const char *value)
{
    pk_heat_settings *s = pk_heat_settings_in(settings);
    double e[4];
    if (pk_value_reals(value, e, 1))
        e[1] = e[2] = e[3] = e[0];
    else if (!pk_value_reals(value, e, 4))
        return false;
    memcpy(s->edges, e, sizeof e);
    s->edges_given = true;
    return true;
}

static bool set_init(void *settings, const char *value)
{
    pk_heat_settings *s = pk_heat_settings_in(settings);
    if (strcmp(value, "hotspot") == 0)
        s->init = PK_HEAT_HOTSPOT;
    else if (strcmp(value, "sine") == 0)
        s->init = PK_HEAT_SINE;
    else if (value[0] != '\0') {
        s->init = PK_HEAT_FILE;
        s->init_path = value;
    } else
        return false;
    return true;
}

static bool set_hot(void *settings, const char *value)
{
    return pk_value_reals(value, &pk_heat_settings_in(settings)->hot, 1);
}

/* A file name, kept (it lives as long as the spec): SLOT is set when it is not empty. */
static bool keep_name(const char **slot, const char *value)
{
    if (value[0] == '\0')
        return false;
    *slot = value;
    return true;
}

static bool set_png(void *settings, const char *value)
{
    return keep_name(&pk_heat_settings_in(settings)->png_path, value);
}

static bool set_snapshots(void *settings, const char *value)
{
    return keep_name(&pk_heat_settings_in(settings)->snapshots, value);
}

static bool set_snapshot_every(void *settings, const char *value)
{
    return pk_value_count(value, value + strlen(value), UINT64_MAX / 2, &pk_heat_settings_in(settings)->snapshot_every);
}

static bool set_halo(void *settings, const char *value)
{
    return pk_halo_parse(value, &pk_heat_settings_in(settings)->halo) == PK_OK;
}

static bool set_ranks_grid(void *settings, const char *value)
{
    pk_heat_settings *s = pk_heat_settings_in(settings);
    uint64_t across, down;
    if (!pk_value_pair(value, 65535, &across, &down) || strchr(value, 'x') == NULL)
        return false;
    s->ranks_x = (uint16_t)across, s->ranks_y = (uint16_t)down;
    return true;
}

static bool set_time_block(void *settings, const char *value)
{
    uint64_t k;
    if (!pk_value_count(value, value + strlen(value), PK_GRID_MAX_TIME_BLOCK, &k))
        return false;
    pk_heat_settings_in(settings)->time_block = (uint8_t)k;
    return true;
}

#define SOLVE PK_FOR(PK_COMMAND_HEAT_SOLVE)

static const pk_kernel_key keys[] = {
    {"grid", "size", PK_KEY_SETTING, SOLVE, 0, "N or NXxNY, each from 1 to 1073741824 cells", set_size},
    {"grid", "steps", PK_KEY_SETTING, SOLVE, 0, "a whole number of steps above 0", set_steps},
    {"grid", "tolerance", PK_KEY_SETTING, SOLVE, 0, "a finite number above 0", set_tolerance},
    {"grid", "check-every", PK_KEY_SETTING, SOLVE, 0, "a whole number of steps from 1 to 1000000000",
     set_check_every},
    {"grid", "alpha", PK_KEY_SETTING, SOLVE, 0, "a finite number above 0", set_alpha},
    {"grid", "dt", PK_KEY_SETTING, SOLVE, 0, "a finite number above 0", set_dt},
    {"grid", "edges", PK_KEY_SETTING, SOLVE, 0, "T (all four) or TOP,BOTTOM,LEFT,RIGHT, finite numbers", set_edges},
    {"grid", "init", PK_KEY_SETTING, SOLVE, 0, "hotspot, sine, or a field file", set_init},
    {"grid", "hot", PK_KEY_SETTING, SOLVE, 0, "a finite number", set_hot},
    {"output", "png", PK_KEY_SETTING, SOLVE, 0, "a file name", set_png},
    {"output", "snapshots", PK_KEY_SETTING, SOLVE, 0, "a file name prefix (PREFIX-STEP.png)", set_snapshots},
    {"output", "snapshot-every", PK_KEY_SETTING, SOLVE, 0, "a whole number of steps above 0", set_snapshot_every},
    {"parallel", "halo", PK_KEY_SETTING, SOLVE, 0, "sendrecv, nonblocking or neighbor", set_halo},
    {"parallel", "ranks-grid", PK_KEY_SETTING, SOLVE, 0, "AxD: tiles across and down, from 1 to 65535 each",
     set_ranks_grid},
    {"parallel", "time-block", PK_KEY_SETTING, SOLVE, 0, "a whole number of steps from 1 to 64", set_time_block},
};

static void settings_init(void *settings)
{
    *pk_heat_settings_in(settings) = (pk_heat_settings){.init = PK_HEAT_HOTSPOT, .hot = 100.0,
                                                        .halo = PK_HALO_NONBLOCKING};
}

void pk_heat_problem_of(const pk_heat_settings *s, pk_heat_problem *problem)
{
    *problem = (pk_heat_problem){
        .nx = s->nx > 0 ? s->nx : 256,
        .ny = s->ny > 0 ? s->ny : 256,
        .alpha = s->alpha > 0 ? s->alpha : 1.0,
        .init = s->init,
        .hot = s->hot,
        .init_path = s->init_path,
    };
    memcpy(problem->edges, s->edges, sizeof problem->edges);
    /* Four fifths of the stable limit: stable with room to spare. */
    problem->dt = s->dt > 0 ? s->dt : 0.8 * pk_heat_stable_dt(problem->nx, problem->ny, problem->alpha);
}

_Static_assert(sizeof(pk_heat_settings) <= PK_KERNEL_SETTINGS_MAX, "pk_heat_settings must fit a job spec");
_Static_assert(sizeof keys / sizeof keys[0] <= PK_KERNEL_MAX_KEYS, "too many keys for a job spec");

const pk_kernel_info pk_heat_kernel = {
    .name = "heat",
    .commands = command_names,
    .commands_expected = "solve",
    .keys = keys,
    .nkeys = sizeof keys / sizeof keys[0],
    .output_path_commands = SOLVE,
    .checkpoint_commands = SOLVE,
    .io_threads_commands = 0,
    .unit_commands = 0,
    .checkpoint_magic = PK_HEAT_MAGIC,
    .settings_size = sizeof(pk_heat_settings),
    .settings_init = settings_init,
    .stdout_format_key = NULL,
};
