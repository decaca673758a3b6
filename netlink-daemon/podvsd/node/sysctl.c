// SPDX-License-Identifier: GPL-2.0
/* Forwarding sysctls through /proc/sys (see sysctl.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "node/sysctl.h"

int pd_sysctl_ensure(const char *root, const char *name, const char *value,
		     struct pd_log *log)
{
	char path[512], cur[64] = "";
	size_t base;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/", root ? root : "/proc/sys");
	base = strlen(path);
	snprintf(path + base, sizeof(path) - base, "%s", name);
	for (char *p = path + base; *p; p++)
		if (*p == '.')
			*p = '/';
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, cur, sizeof(cur) - 1);
	cur[n > 0 ? n : 0] = '\0';
	cur[strcspn(cur, "\n")] = '\0';
	if (!strcmp(cur, value)) {
		close(fd);
		return 0;
	}
	if (pwrite(fd, value, strlen(value), 0) < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	pd_info(log, "msg=\"sysctl set\" path=%s old=%s new=%s", path, cur,
		value);
	return 0;
}
