/* Descriptions of pk_status codes, generated from the same list as the enum. */
#include "parkit/status.h"

const char *pk_strerror(int status)
{
    switch (status) {
#define PK_STATUS_CASE(name, code, text) \
    case (code):                         \
        return (text);
        PK_STATUS_MAP(PK_STATUS_CASE)
#undef PK_STATUS_CASE
    }
    return "unknown status";
}
