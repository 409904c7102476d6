/*
 * The kernels parkit knows, for job files (`[job] kernel = NAME`).  A new
 * kernel is one line here, and its table (parkit/kernel.h) in its folder.
 */
#include <stddef.h>
#include <string.h>

#include "parkit/heat_settings.h"
#include "parkit/jobspec.h"
#include "parkit/mandel_settings.h"
#include "parkit/primes_settings.h"

static const pk_kernel_info *const kernels[] = {
    &pk_primes_kernel,
    &pk_mandel_kernel,
    &pk_heat_kernel,
};

const pk_kernel_info *pk_kernel_at(int i)
{
    return i >= 0 && (size_t)i < sizeof kernels / sizeof kernels[0] ? kernels[i] : NULL;
}

const pk_kernel_info *pk_kernel_find(const char *name)
{
    for (int i = 0; pk_kernel_at(i) != NULL; i++)
        if (strcmp(pk_kernel_at(i)->name, name) == 0)
            return pk_kernel_at(i);
    return NULL;
}
