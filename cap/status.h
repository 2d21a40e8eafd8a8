/*
 * Status codes shared by the kernel, the capability core and user space.
 * 0 is success; every error is negative. This header is the one source of
 * the list: gen/ reads the LO_* lines below (keep one "#define NAME (value)"
 * per line) to re-export them in generated headers and docs.
 */
#ifndef CAP_STATUS_H
#define CAP_STATUS_H

#include <stdint.h>

typedef int32_t status_t;

#define LO_OK                   (0)
#define LO_ERR_INTERNAL         (-1)   /* a kernel bug: should never be seen */
#define LO_ERR_NOT_SUPPORTED    (-2)   /* the operation does not apply to this object */
#define LO_ERR_NO_RESOURCES     (-3)   /* a quota or fixed limit was reached */
#define LO_ERR_NO_MEMORY        (-4)   /* memory could not be allocated */
#define LO_ERR_BAD_SYSCALL      (-5)   /* unknown system call number */
#define LO_ERR_INVALID_ARGS     (-10)  /* an argument is malformed or out of range */
#define LO_ERR_BAD_HANDLE       (-11)  /* the handle value names no live handle */
#define LO_ERR_WRONG_TYPE       (-12)  /* the handle names an object of another type */
#define LO_ERR_ACCESS_DENIED    (-13)  /* the handle lacks a required right */
#define LO_ERR_FAULT            (-14)  /* a user pointer could not be read or written */
#define LO_ERR_OUT_OF_RANGE     (-15)  /* an offset or index is past the end */
#define LO_ERR_BUFFER_TOO_SMALL (-16)  /* the caller's buffer cannot hold the result */
#define LO_ERR_BAD_STATE        (-20)  /* the object is not in a state that allows this */
#define LO_ERR_SHOULD_WAIT      (-21)  /* not ready now; wait for a signal and retry */
#define LO_ERR_TIMED_OUT        (-22)  /* the deadline passed */
#define LO_ERR_CANCELED         (-23)  /* the wait was canceled (e.g. handle closed) */
#define LO_ERR_PEER_CLOSED      (-24)  /* the other end is gone */
#define LO_ERR_NOT_FOUND        (-30)  /* no such name or entry */
#define LO_ERR_ALREADY_EXISTS   (-31)  /* the name or entry exists already */
#define LO_ERR_NOT_A_REGISTRY   (-32)  /* a path component is not a registry */
#define LO_ERR_LINK_LOOP        (-33)  /* too many links followed while resolving */
#define LO_ERR_NAME_TOO_LONG    (-34)  /* a name or path exceeds its documented limit */
#define LO_ERR_BAD_FORMAT       (-35)  /* malformed input data (ELF, tar, policy, ...) */
#define LO_ERR_IO               (-40)  /* a device reported an error */
#define LO_ERR_REVOKED          (-41)  /* the handle's grant was revoked (idl/revoker.idl) */

/* Their names: lo_status_name() in the generated lightos/status_names.h. */

#endif
