/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockfile.h"

int sockfile_clear_stale(const char *path)
{
	char dir[4096];
	const char *base = strrchr(path, '/');
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st, again;
	int dfd, fd, rc = 0;

	if (base == NULL || base[1] == '\0')
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%.*s", base == path ? 1 : (int)(base - path), path);
	base++;
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fstat(dfd, &st) != 0 || (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & 022)) {
		close(dfd);
		return -EPERM;
	}
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		close(dfd);
		return 0;
	}
	if (!S_ISSOCK(st.st_mode)) {
		close(dfd);
		return -ENOTSOCK;
	}
	/* through the held directory, not the path again */
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, base) >=
	    sizeof(sa.sun_path)) {
		close(dfd);
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == ECONNREFUSED &&
	    fstatat(dfd, base, &again, AT_SYMLINK_NOFOLLOW) == 0 && again.st_ino == st.st_ino &&
	    S_ISSOCK(again.st_mode))
		rc = unlinkat(dfd, base, 0) == 0 ? 1 : -errno;
	if (fd >= 0)
		close(fd);
	close(dfd);
	return rc;
}
