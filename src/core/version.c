/* The library's version (parkit/version.h). */
#include "parkit/version.h"

const char *pk_version(void)
{
    return PK_VERSION;
}
