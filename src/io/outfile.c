/*
 * A file written by place (see parkit/outfile.h).
 *
 * The resume check lives here because only here is it known what a
 * partial file must be: after a requeue onto a node with other local
 * scratch, a missing partial file would be made anew by O_CREAT, and the
 * units the checkpoint calls done would then be zeros under the final name.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parkit/comm.h"
#include "parkit/outfile.h"
#include "parkit/status.h"

void pk_outfile_init(pk_outfile *file, int fd, const char *path)
{
    memset(file, 0, sizeof *file);
    file->fd = fd;
    file->path = path;
    atomic_init(&file->write_errno, 0);
}

void pk_outfile_free(pk_outfile *file)
{
    free(file->offsets);
    file->offsets = NULL;
}

static void note_errno(pk_outfile *file, int error)
{
    int none = 0;
    atomic_compare_exchange_strong(&file->write_errno, &none, error != 0 ? error : EIO);
}

/* Rank 0, resuming: is this the file the checkpoint's units were written
 * into?  Then records what the next saves say of it. */
static int check_resumed(pk_outfile *file, pk_checkpoint *resumed, char *why, size_t why_size)
{
    struct stat st;
    if (fstat(file->fd, &st) != 0) {
        note_errno(file, errno);
        return PK_EIO;
    }
    const uint64_t size = file->offsets[file->units];
    uint64_t recorded = 0, inode = 0;
    if (pk_checkpoint_done_count(resumed) > 0) {
        const char *what = NULL;
        if (pk_checkpoint_get_note(resumed, "partial_size", &recorded) != PK_OK ||
            pk_checkpoint_get_note(resumed, "partial_inode", &inode) != PK_OK)
            what = "the checkpoint does not record it";
        else if ((uint64_t)st.st_size != recorded || recorded != size)
            what = st.st_size == 0 ? "it is empty (missing, and made anew?)" : "its size is not the one recorded";
        else if ((uint64_t)st.st_ino != inode)
            what = "it is another file than the one recorded (same size, another inode)";
        if (what != NULL) {
            snprintf(why, why_size,
                     "the partial output %s does not hold the units it says are done: %s (%" PRIu64
                     " bytes, recorded %" PRIu64 "); remove the checkpoint to start afresh",
                     file->path, what, (uint64_t)st.st_size, recorded);
            return PK_EINVAL;
        }
    }
    if (pk_checkpoint_set_note(resumed, "partial_size", size) != PK_OK ||
        pk_checkpoint_set_note(resumed, "partial_inode", (uint64_t)st.st_ino) != PK_OK)
        return PK_EINTERNAL;
    return PK_OK;
}

int pk_outfile_lay_out(pk_outfile *file, const uint64_t *sizes, uint64_t units, pk_checkpoint *resumed,
                       bool collective, char *why, size_t why_size)
{
    free(file->offsets);
    file->units = units;
    file->offsets = malloc((units + 1) * sizeof *file->offsets);
    int rc = file->offsets != NULL ? PK_OK : PK_ENOMEM;
    if (rc == PK_OK) {
        uint64_t offset = 0;
        for (uint64_t unit = 0; unit < units; unit++) {
            file->offsets[unit] = offset;
            offset += sizes[unit];
        }
        file->offsets[units] = offset;
    }
    /* The file gets its final size first, so writers never extend it; but a
     * resume first checks it is the file the checkpoint knows. */
    if (rc == PK_OK && pk_comm_rank() == 0) {
        if (resumed != NULL)
            rc = check_resumed(file, resumed, why, why_size);
        if (rc == PK_OK && ftruncate(file->fd, (off_t)file->offsets[units]) != 0) {
            note_errno(file, errno);
            rc = PK_EIO;
        }
    }
    return collective ? pk_comm_agree(rc) : rc;
}

int pk_outfile_write_unit(void *opaque, uint64_t unit, const char *data, size_t len)
{
    pk_outfile *file = opaque;
    if (unit >= file->units)
        return PK_EINTERNAL;
    const uint64_t size = file->offsets[unit + 1] - file->offsets[unit];
    if (file->slots ? len > size : len != size)
        return PK_EINTERNAL;
    const uint64_t offset = file->offsets[unit];
    for (size_t done = 0; done < len;) {
        ssize_t n = pwrite(file->fd, data + done, len - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            note_errno(file, errno);
            return PK_EIO;
        }
        done += (size_t)n;
    }
    return PK_OK;
}

int pk_outfile_sync(void *opaque)
{
    const pk_outfile *file = opaque;
    return fdatasync(file->fd) == 0 ? 0 : errno;
}
