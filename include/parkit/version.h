/*
 * parkit's version: semantic (MAJOR.MINOR.PATCH).  The Makefile reads it
 * from here for the shared library's soname (libparkit.so.MAJOR) and for
 * parkit.pc, so `pkg-config --atleast-version` works.
 */
#ifndef PARKIT_VERSION_H
#define PARKIT_VERSION_H

#define PK_VERSION_MAJOR 0
#define PK_VERSION_MINOR 4
#define PK_VERSION_PATCH 0
#define PK_VERSION "0.4.0"

/* The version of the library linked in (PK_VERSION is the headers'). */
const char *pk_version(void);

#endif
