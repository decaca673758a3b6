// SPDX-License-Identifier: GPL-2.0
/* podvsd setup, teardown and the event loop's handlers. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "libpodvs.h"
#include "daemon.h"

static void on_signal(struct pd_loop *loop, struct pd_io *io, uint32_t events)
{
	struct podvsd *d = io->ctx;
	struct signalfd_siginfo si;

	(void)events;
	if (read(io->fd, &si, sizeof(si)) != sizeof(si))
		return;
	pd_info(&d->log, "msg=\"stopping, kernel tables left in place\" "
		"signal=%s", strsignal(si.ssi_signo));
	loop->exit_code = 0;
	if (d->stop_deadline_ms)
		return;
	pd_cluster_release(d);
	d->stop_deadline_ms = pd_now_ms() + PD_RELEASE_WAIT_MS;
	if (pd_cluster_released(d) || pd_timer_arm_ms(&d->stop_timer, 50, 50))
		loop->stop = true;
}

/* After SIGTERM: stop once the Leases are released (or the wait ends). */
static void on_stop(struct pd_loop *loop, struct pd_timer *t)
{
	struct podvsd *d = t->ctx;

	if (pd_cluster_released(d) || pd_now_ms() >= d->stop_deadline_ms)
		loop->stop = true;
}

static int signals_init(struct podvsd *d)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, &d->old_mask))
		return -errno;
	d->sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sig.fd < 0)
		return -errno;
	d->sig.fn = on_signal;
	d->sig.ctx = d;
	/* a peer closing a connection must not kill us */
	signal(SIGPIPE, SIG_IGN);
	return pd_loop_watch(&d->loop, &d->sig, EPOLLIN);
}

static void signals_fini(struct podvsd *d)
{
	if (d->sig.fd < 0)
		return;
	pd_loop_unwatch(&d->loop, &d->sig);
	close(d->sig.fd);
	d->sig.fd = -1;
	sigprocmask(SIG_SETMASK, &d->old_mask, NULL);
}

/* After a successful sync: the VIP link follows the programmed VIPs. */
static void sync_vips(struct podvsd *d)
{
	if (!d->vip_link_on || !d->vips_dirty)
		return;
	if (!pd_viplink_sync(&d->vip, &d->rec.vips))
		d->vips_dirty = false;
}

static void on_vip(void *ctx, const struct pd_addr *vip, bool add)
{
	struct podvsd *d = ctx;

	(void)vip;
	(void)add;
	d->vips_dirty = true;
}

static void on_sync(struct pd_loop *loop, struct pd_timer *t)
{
	struct podvsd *d = t->ctx;

	(void)loop;
	d->sync_armed = false;
	if (!d->caches_synced)
		return;
	if (pd_rec_sync(&d->rec, pd_now_ms())) {
		pd_warn(&d->log, "msg=\"sync failed, retrying\" in_ms=%d",
			PD_TICK_MS);
		return;
	}
	sync_vips(d);
	pd_gate_eval(d);
}

void podvsd_schedule_sync(struct podvsd *d)
{
	if (d->sync_armed || !d->caches_synced)
		return;
	if (!pd_timer_arm_ms(&d->sync_timer, PD_SYNC_DELAY_MS, 0))
		d->sync_armed = true;
}

static void on_tick(struct pd_loop *loop, struct pd_timer *t)
{
	struct podvsd *d = t->ctx;
	uint64_t now = pd_now_ms();

	(void)loop;
	pd_gate_publish(d);	/* the report the gateway Lease carries */
	pd_cluster_lease_tick(d);
	pd_gate_tick(d);
	if (!d->caches_synced)
		return;
	pd_gate_eval(d);
	if (d->opts.resync_period && now >= d->next_resync_ms) {
		d->next_resync_ms = now + d->opts.resync_period * 1000ULL;
		pd_rec_request_full(&d->rec);
	}
	pd_rec_tick(&d->rec, now);
	pd_cluster_pool_pass(d);
	if (pd_rec_pending(&d->rec) || d->vips_dirty)
		podvsd_schedule_sync(d);
}

/* A dest's health moved: recompute its Service. */
static void on_health(void *ctx, const char *svc)
{
	struct podvsd *d = ctx;

	pd_rec_mark_service(&d->rec, svc);
	podvsd_schedule_sync(d);
}

static void on_recompute(void *ctx, const char *key)
{
	struct podvsd *d = ctx;
	const struct k8s_service *s = pd_hmap_sget(&d->rec.services, key);
	struct pd_hc_cfg cfg;
	char err[256];

	pd_health_begin(&d->health, key);
	pd_gate_recompute(d, key);
	if (s && pd_hc_parse(s, &cfg, err, sizeof(err)) &&
	    pd_hc_report(&d->health, key, s->meta.resource_version))
		pd_cluster_event(d, s->meta.ns, s->meta.name, s->meta.uid,
				 "InvalidHealthCheck", err);
}

static void on_invalid(void *ctx, const struct k8s_service *s,
		       const char *why)
{
	pd_cluster_event(ctx, s->meta.ns, s->meta.name, s->meta.uid,
			 "InvalidPodvsConfig", why);
}

/* Forwarding sysctls and the VIP link: the node side of NAT mode. */
static int node_init(struct podvsd *d)
{
	static const char *const sysctls[] = {
		"net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding",
	};
	char err[256];
	int ret;

	for (size_t i = 0; i < sizeof(sysctls) / sizeof(*sysctls); i++) {
		ret = pd_sysctl_ensure(NULL, sysctls[i], "1", &d->log);
		if (ret)
			pd_warn(&d->log, "msg=\"cannot set sysctl\" name=%s "
				"err=\"%s\"", sysctls[i], strerror(-ret));
	}
	if (d->opts.no_vip_link)
		return 0;
	ret = pd_viplink_open(&d->vip, d->opts.link, &d->log, err,
			      sizeof(err));
	if (ret) {
		fprintf(stderr, "podvsd: %s\n", err);
		return ret;
	}
	d->vip_link_on = true;
	d->vips_dirty = true;	/* the first sync prunes stale VIPs */
	return 0;
}

static int backend_init(struct podvsd *d)
{
	char err[LPV_ERRMSG_LEN];
	int ret;

	if (d->opts.dry_run) {
		pd_memkernel_init(&d->mem, &d->log);
		pd_memkernel_backend(&d->mem, &d->be);
		pd_info(&d->log, "msg=\"dry run: the kernel is not touched\"");
		return 0;
	}
	ret = pd_kernel_open(&d->kernel, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "podvsd: cannot use the podvs module: %s\n",
			err);
		return ret;
	}
	pd_kernel_backend(&d->kernel, &d->be);
	ret = node_init(d);
	if (ret)
		pd_kernel_close(&d->kernel);
	return ret;
}

static void backend_fini(struct podvsd *d)
{
	if (d->vip_link_on)
		pd_viplink_close(&d->vip);
	if (d->opts.dry_run)
		pd_memkernel_fini(&d->mem);
	else
		pd_kernel_close(&d->kernel);
}

int podvsd_init(struct podvsd *d)
{
	int err;

	d->sig.fd = -1;
	d->sync_timer.io.fd = d->tick_timer.io.fd = d->stop_timer.io.fd = -1;
	d->metrics.io.fd = d->metrics.timer.io.fd = -1;
	d->log.level = d->opts.log_level;
	err = pd_loop_init(&d->loop);
	if (err)
		return err;
	err = backend_init(d);
	if (err)
		goto err_loop;
	pd_rec_init(&d->rec, &d->log, &d->be, d->opts.drain_timeout);
	d->rec.hooks.invalid = on_invalid;
	d->rec.hooks.vip = on_vip;
	d->rec.hooks.recompute = on_recompute;
	pd_gate_attach(d);
	err = pd_health_init(&d->health, &d->loop, &d->log, on_health, d);
	err = err ?: signals_init(d);
	err = err ?: pd_timer_init(&d->loop, &d->sync_timer, on_sync, d);
	err = err ?: pd_timer_init(&d->loop, &d->tick_timer, on_tick, d);
	err = err ?: pd_timer_init(&d->loop, &d->stop_timer, on_stop, d);
	err = err ?: pd_timer_arm_ms(&d->tick_timer, PD_TICK_MS, PD_TICK_MS);
	if (err) {
		fprintf(stderr, "podvsd: setting up the event loop: %s\n",
			strerror(-err));
		goto err_rec;
	}
	err = pd_metrics_init(d);
	err = err ?: pd_cluster_init(d);
	err = err ?: pd_webhook_init(d);
	if (err)
		goto err_rec;
	return 0;

err_rec:
	podvsd_fini(d);
	return err;
err_loop:
	pd_loop_fini(&d->loop);
	return err;
}

void podvsd_fini(struct podvsd *d)
{
	pd_webhook_fini(d);
	pd_cluster_fini(d);
	pd_metrics_fini(d);
	pd_timer_fini(&d->loop, &d->tick_timer);
	pd_timer_fini(&d->loop, &d->stop_timer);
	pd_timer_fini(&d->loop, &d->sync_timer);
	signals_fini(d);
	pd_rec_fini(&d->rec);
	pd_health_fini(&d->health);
	backend_fini(d);
	pd_loop_fini(&d->loop);
}

static int parse_args(struct podvsd *d, int argc, char **argv)
{
	char host[256] = "", err[512];

	gethostname(host, sizeof(host) - 1);
	if (pd_opts_parse(&d->opts, argc, argv, getenv("NODE_NAME"), host,
			  err, sizeof(err))) {
		fprintf(stderr, "podvsd: %s\n"
			"Try 'podvsd --help' for more information.\n", err);
		return 2;
	}
	if (d->opts.help) {
		pd_opts_usage(stdout);
		return 0;
	}
	if (d->opts.version) {
		printf("podvsd %s (libpodvs %s)\n", PODVS_VERSION,
		       PODVS_VERSION);
		return 0;
	}
	return -1;
}

int podvsd_main(int argc, char **argv)
{
	struct podvsd *d = calloc(1, sizeof(*d));
	int ret;

	if (!d) {
		fprintf(stderr, "podvsd: out of memory\n");
		return 1;
	}
	ret = parse_args(d, argc, argv);
	if (ret >= 0)
		goto out;
	ret = 1;
	if (podvsd_init(d))
		goto out;
	pd_info(&d->log, "msg=\"podvsd started\" version=%s node=%s",
		PODVS_VERSION, d->opts.node_name);
	ret = pd_loop_run(&d->loop);
	if (ret)
		pd_err(&d->log, "msg=\"event loop failed\" err=\"%s\"",
		       strerror(-ret));
	ret = ret ? 1 : d->loop.exit_code;
	podvsd_fini(d);
out:
	free(d);
	return ret;
}
