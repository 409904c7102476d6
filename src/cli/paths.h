/*
 * File names as the CLI meets them: is this the same file as that, where
 * does a chain of links really lead, is it an open file of ours (/dev/stdout),
 * and opening a FIFO without waiting deaf to signals.
 */
#ifndef PK_CLI_PATHS_H
#define PK_CLI_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/* The directory PATH is in ("." for a bare name, "/" for one at the root),
 * into DIRECTORY (SIZE bytes). */
void cli_directory_of(const char *path, char *directory, size_t size);

/* Do A and B name the same file (the same inode, or, not existing yet,
 * the same name in the same directory)? */
bool cli_same_file(const char *a, const char *b);

/* Follows the symbolic links of PATH to the name the output really has
 * (which may not exist yet: a link to a new file).  *STREAM tells when a
 * link leads into /proc or /dev/fd instead: an open file (such as
 * /dev/stdout), written in place, never replaced; the name returned is
 * then that link.  Returns a malloc'd name, or NULL with errno set. */
char *cli_follow_links(const char *path, bool *stream);

/* LINK names one of our own descriptors (/proc/self/fd/1, /dev/fd/1,
 * /proc/OUR-PID/fd/1): that descriptor, duplicated, so its mode (>>
 * appends) and offset hold.  -1 for any other name. */
int cli_own_descriptor(const char *link);

/* Opens PATH for writing as it is.  A FIFO with no reader yet is waited
 * for a tenth of a second at a time, so a signal or --timeout still ends
 * the run (a plain open would wait in the kernel, deaf to both); -1 with
 * errno set, or when a signal came. */
int cli_open_in_place(const char *path);

#endif
