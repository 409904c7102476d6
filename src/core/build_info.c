/* Build facts baked in by the Makefile (compiler, flags, git revision). */
#include "core/build_info.h"

#ifndef PK_BUILD_COMPILER
#define PK_BUILD_COMPILER "unknown"
#endif
#ifndef PK_BUILD_FLAGS
#define PK_BUILD_FLAGS "unknown"
#endif
#ifndef PK_BUILD_REVISION
#define PK_BUILD_REVISION "unknown"
#endif

const char *pk_build_compiler(void)
{
    return PK_BUILD_COMPILER;
}

const char *pk_build_flags(void)
{
    return PK_BUILD_FLAGS;
}

const char *pk_build_revision(void)
{
    return PK_BUILD_REVISION;
}
