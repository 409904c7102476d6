/* File names as the CLI meets them (see cli/paths.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/paths.h"

/* NAME as an absolute path whose directory has no links or dots in it,
 * for comparing names of files that may not exist yet. */
static void absolute_name(const char *name, char *out, size_t size)
{
    const char *slash = strrchr(name, '/');
    char parent[PATH_MAX], resolved[PATH_MAX];
    if (slash == NULL)
        snprintf(parent, sizeof parent, ".");
    else if (slash == name)
        snprintf(parent, sizeof parent, "/");
    else
        snprintf(parent, sizeof parent, "%.*s", (int)(slash - name), name);
    if (realpath(parent, resolved) == NULL)
        snprintf(out, size, "%s", name);
    else
        snprintf(out, size, "%s/%s", strcmp(resolved, "/") == 0 ? "" : resolved, slash != NULL ? slash + 1 : name);
}

bool cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char name_a[PATH_MAX + 256], name_b[PATH_MAX + 256];
    absolute_name(a, name_a, sizeof name_a);
    absolute_name(b, name_b, sizeof name_b);
    return strcmp(name_a, name_b) == 0;
}

/* /proc/self/fd/N, /dev/fd/N, /proc/PID/fd/N: a link to a file already open. */
static bool is_open_file_link(const char *path)
{
    return strncmp(path, "/proc/", 6) == 0 || strncmp(path, "/dev/fd/", 8) == 0;
}

char *cli_follow_links(const char *path, bool *stream)
{
    char *name = strdup(path);
    for (int hops = 0; name != NULL; hops++) {
        struct stat st;
        if ((*stream = is_open_file_link(name)) || lstat(name, &st) != 0 || !S_ISLNK(st.st_mode))
            return name;
        char target[PATH_MAX];
        ssize_t len = readlink(name, target, sizeof target - 1);
        if (len < 0 || hops == 40) {
            if (len >= 0)
                errno = ELOOP;
            free(name);
            return NULL;
        }
        target[len] = '\0';
        char *next;
        const char *slash = strrchr(name, '/');
        if (target[0] == '/' || slash == NULL)
            next = strdup(target);
        else if (asprintf(&next, "%.*s/%s", (int)(slash - name), name, target) < 0)
            next = NULL;
        free(name);
        name = next;
    }
    return NULL;
}

int cli_own_descriptor(const char *link)
{
    char self[64];
    snprintf(self, sizeof self, "/proc/%ld/fd/", (long)getpid());
    const char *number = strncmp(link, "/dev/fd/", 8) == 0 ? link + 8
                         : strncmp(link, "/proc/self/fd/", 14) == 0 ? link + 14
                         : strncmp(link, self, strlen(self)) == 0 ? link + strlen(self)
                                                                   : NULL;
    char *end;
    long fd = number != NULL ? strtol(number, &end, 10) : -1;
    if (number == NULL || end == number || *end != '\0' || fd < 0 || fd > INT_MAX)
        return -1;
    return fcntl((int)fd, F_DUPFD_CLOEXEC, 0);
}

int cli_open_in_place(const char *path)
{
    for (;;) {
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            return fd;
        }
        if (errno != ENXIO || cli_signal_received() != 0)
            return -1;
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

void cli_directory_of(const char *path, char *directory, size_t size)
{
    snprintf(directory, size, "%s", path);
    char *slash = strrchr(directory, '/');
    if (slash == NULL)
        snprintf(directory, size, ".");
    else if (slash == directory)
        directory[1] = '\0';
    else
        *slash = '\0';
}
