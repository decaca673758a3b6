// SPDX-License-Identifier: GPL-2.0
/* Forwarding sysctls through /proc/sys (see sysctl.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "node/sysctl.h"

#define ROOT(root)	((root) ? (root) : "/proc/sys")

int pd_sysctl_ensure_path(const char *root, const char *name,
			  const char *value, struct pd_log *log)
{
	char path[512], cur[64] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", ROOT(root), name);
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

int pd_sysctl_ensure(const char *root, const char *name, const char *value,
		     struct pd_log *log)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "%s", name);
	for (char *p = rel; *p; p++)
		if (*p == '.')
			*p = '/';
	return pd_sysctl_ensure_path(root, rel, value, log);
}

/*
 * One interface (or all, default): 1 if the write failed, else 0.  An
 * interface gone since the directory was read is no failure.
 */
static int no_redirects(const char *root, const char *ifname, bool iface,
			struct pd_log *log, bool warn)
{
	char rel[128];
	int ret;

	snprintf(rel, sizeof(rel), "net/ipv4/conf/%s/send_redirects", ifname);
	ret = pd_sysctl_ensure_path(root, rel, "0", log);
	if (!ret || (iface && ret == -ENOENT))
		return 0;
	if (warn)
		pd_warn(log, "msg=\"cannot set sysctl\" path=%s/%s err=\"%s\"",
			ROOT(root), rel, strerror(-ret));
	return 1;
}

int pd_sysctl_no_redirects(const char *root, struct pd_log *log, bool warn)
{
	char dir[300];
	struct dirent *de;
	int failed = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/net/ipv4/conf", ROOT(root));
	d = opendir(dir);
	if (!d) {
		int ret = -errno;

		if (warn)
			pd_warn(log, "msg=\"cannot list interfaces\" path=%s "
				"err=\"%s\"", dir, strerror(-ret));
		return ret;
	}
	/* all and default first: they are what new interfaces start with */
	failed += no_redirects(root, "all", false, log, warn);
	failed += no_redirects(root, "default", false, log, warn);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "all") ||
		    !strcmp(de->d_name, "default"))
			continue;
		failed += no_redirects(root, de->d_name, true, log, warn);
	}
	closedir(d);
	return failed;
}
