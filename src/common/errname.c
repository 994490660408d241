/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>

#include "errname.h"
#include "wire.h"

#define E(x) [x] = #x
static const char *const names[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(EBADF), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY),
	E(EEXIST), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE),
	E(EMFILE), E(ENOSPC), E(EROFS), E(EPIPE), E(ERANGE), E(ENAMETOOLONG),
	E(ENOSYS), E(ENOTEMPTY), E(ENOMSG), E(EPROTO), E(EBADMSG),
	E(EOVERFLOW), E(ENOTSUP), E(EADDRINUSE), E(ENETDOWN), E(ECONNRESET),
	E(ECONNREFUSED), E(ETIMEDOUT), E(EHOSTDOWN), E(EHOSTUNREACH),
	E(EALREADY), E(EINPROGRESS), E(ECANCELED), E(ESHUTDOWN), E(ENOTCONN),
	E(ENOTSOCK), E(EOWNERDEAD), E(ENOBUFS), E(ENOEXEC),
};
#undef E

const char *hpd_errname(int err)
{
	static __thread char buf[16];

	if (err < 0)
		err = -err;
	if (err < (int)(sizeof(names) / sizeof(names[0])) && names[err])
		return names[err];
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

int hpd_errno_to_rpc(int err)
{
	switch (err < 0 ? -err : err) {
	case EPERM:
	case EACCES:
		return HPD_E_DENIED;
	case ENOENT:
	case ENODEV:
		return HPD_E_NOENT;
	case EEXIST:
		return HPD_E_EXISTS;
	case E2BIG:
	case ENAMETOOLONG:
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
		return HPD_E_LIMIT;
	case ETIMEDOUT:
	case EHOSTDOWN:
	case EHOSTUNREACH:
	case EOWNERDEAD:
		return HPD_E_MEMBER;
	case ECONNREFUSED:
	case ECONNRESET:
	case ESHUTDOWN:
		return HPD_E_UNAVAILABLE;
	case EINVAL:
		return RPC_INVALID_PARAMS;
	default:
		return HPD_E_FAILED;
	}
}
