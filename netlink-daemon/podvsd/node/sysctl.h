/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sysctls NAT forwarding to Pods needs, set once at start with a log
 * line each: net.ipv4.ip_forward=1, net.ipv6.conf.all.forwarding=1.  A
 * value already right is left alone, without a line.
 */
#ifndef PODVSD_SYSCTL_H
#define PODVSD_SYSCTL_H

#include "base/log.h"

/*
 * pd_sysctl_ensure - make /proc/sys/@name (dots as in sysctl(8)) hold
 * @value; @root replaces "/proc/sys" (tests).  Logs when it changes.
 * 0, or -errno.
 */
int pd_sysctl_ensure(const char *root, const char *name, const char *value,
		     struct pd_log *log);

#endif /* PODVSD_SYSCTL_H */
