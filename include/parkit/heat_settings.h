/*
 * The heat kernel's options, as the front ends see them: its one command
 * (solve) and the table of its keys ([grid] size, steps, tolerance,
 * check-every, alpha, dt, edges, init, hot; [output] png, snapshots,
 * snapshot-every; [parallel] halo,
 * ranks-grid, time-block),
 * whose setters the command line uses too, so `--size 1024x512` and
 * `size = 1024x512` mean the same and are refused the same way.
 */
#ifndef PARKIT_HEAT_SETTINGS_H
#define PARKIT_HEAT_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "parkit/grid.h"
#include "parkit/heat.h"
#include "parkit/kernel.h"

typedef enum pk_heat_command {
    PK_COMMAND_HEAT_SOLVE,
} pk_heat_command;

typedef struct pk_heat_settings {
    uint32_t nx, ny; /* 0: not given */
    uint64_t steps;  /* 0: not given */
    double tolerance;
    uint32_t check_every;
    pk_heat_init init;
    double alpha, dt; /* 0: not given */
    double edges[4];
    double hot;
    const char *init_path; /* kept from the command line or the job file */
    const char *png_path;  /* the final field as a heat map; NULL: none */
    const char *snapshots; /* PREFIX of the snapshots' files; NULL: none */
    uint64_t snapshot_every;
    pk_halo_mode halo;
    uint16_t ranks_x, ranks_y; /* 0: the grid chooses */
    uint8_t time_block;        /* 0: step by step */
    bool edges_given;
} pk_heat_settings;

extern const pk_kernel_info pk_heat_kernel;

static inline pk_heat_settings *pk_heat_settings_in(void *settings)
{
    return (pk_heat_settings *)settings;
}

static inline const pk_heat_settings *pk_heat_settings_of(const void *settings)
{
    return (const pk_heat_settings *)settings;
}

/* The problem SETTINGS describe, with the defaults filled in (256 x 256,
 * alpha 1, dt 0.8 of the stable limit, edges at 0, a hot spot of 100). */
void pk_heat_problem_of(const pk_heat_settings *settings, pk_heat_problem *problem);

#endif
