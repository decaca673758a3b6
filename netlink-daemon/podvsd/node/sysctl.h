/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sysctls NAT forwarding to Pods needs, with a log line each time one
 * changes (a value already right is left alone, without a line):
 *  - at start: net.ipv4.ip_forward=1, net.ipv6.conf.all.forwarding=1;
 *  - at start and then periodically for interfaces that appear later:
 *    net.ipv4.conf.{all,default,<every interface>}.send_redirects=0.  The
 *    kernel sends an ICMP redirect when all OR the interface says so; a
 *    gateway that routes a Pod's reply back out of the interface it came
 *    in on would otherwise tell the Pod to bypass it, and the reply would
 *    miss the reverse translation.
 */
#ifndef PODVSD_SYSCTL_H
#define PODVSD_SYSCTL_H

#include <stdbool.h>

#include "base/log.h"

/*
 * pd_sysctl_ensure - make /proc/sys/@name (dots as in sysctl(8)) hold
 * @value; @root replaces "/proc/sys" (tests).  Logs when it changes.
 * 0, or -errno.
 */
int pd_sysctl_ensure(const char *root, const char *name, const char *value,
		     struct pd_log *log);
/* The same with a path under @root ("net/ipv4/conf/eth0.100/..."). */
int pd_sysctl_ensure_path(const char *root, const char *path,
			  const char *value, struct pd_log *log);

/*
 * pd_sysctl_no_redirects - send_redirects=0 on all, default and every
 * interface under @root/net/ipv4/conf.  Returns how many writes failed
 * (each logged as a warning if @warn), -errno if the directory cannot be
 * read.  Changes are logged at info.
 */
int pd_sysctl_no_redirects(const char *root, struct pd_log *log, bool warn);

#endif /* PODVSD_SYSCTL_H */
