/*
 * Status codes shared by every parkit module.
 *
 * Library functions return 0 on success or a negative pk_status; only the
 * CLI turns a status into a message and an exit code.  One X-macro list
 * produces both the enum and pk_strerror(), so the two never drift apart.
 */
#ifndef PARKIT_STATUS_H
#define PARKIT_STATUS_H

#define PK_STATUS_MAP(X)                                   \
    X(OK, 0, "success")                                    \
    X(EINVAL, -1, "invalid argument")                      \
    X(ERANGE, -2, "out of range")                          \
    X(ENOMEM, -3, "out of memory")                         \
    X(EIO, -4, "input/output error")                       \
    X(ENOTSUP, -5, "not supported by this build")          \
    X(ECANCELED, -6, "canceled")                           \
    X(EINTERNAL, -7, "internal error")                     \
    X(ETIMEDOUT, -8, "timed out")                          \
    X(EOF, -9, "end of stream")

typedef enum pk_status {
#define PK_STATUS_ENUM(name, code, text) PK_##name = (code),
    PK_STATUS_MAP(PK_STATUS_ENUM)
#undef PK_STATUS_ENUM
} pk_status;

/* A static, human-readable description of a status code. */
const char *pk_strerror(int status);

#endif
