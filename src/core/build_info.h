/* How this binary was built, for `parkit info` and --json reports. */
#ifndef PK_CORE_BUILD_INFO_H
#define PK_CORE_BUILD_INFO_H

const char *pk_build_compiler(void);
const char *pk_build_flags(void);
const char *pk_build_revision(void);

#endif
