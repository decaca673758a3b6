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
#include "kernel_announce.h"
#include "node/sysctl.h"

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
	pd_cluster_release(&d->cluster);
	d->stop_deadline_ms = pd_now_ms() + PD_RELEASE_WAIT_MS;
	if (pd_cluster_released(&d->cluster) ||
	    pd_timer_arm_ms(&d->stop_timer, 50, 50))
		loop->stop = true;
}

/* After SIGTERM: stop once the Leases are released (or the wait ends). */
static void on_stop(struct pd_loop *loop, struct pd_timer *t)
{
	struct podvsd *d = t->ctx;

	if (pd_cluster_released(&d->cluster) ||
	    pd_now_ms() >= d->stop_deadline_ms)
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

/* After a successful sync: announce the VIPs with a usable dest. */
static void announce_vips(struct podvsd *d, uint64_t now)
{
	struct pd_hmap usable;

	if (!d->ann_on)
		return;
	pd_hmap_init(&usable);
	if (pd_rec_usable_vips(&d->rec, &usable))
		pd_err(&d->log, "msg=\"out of memory listing VIPs\"");
	else
		pd_ann_vips(&d->ann, &usable, now);
	pd_hmap_fini(&usable);
	pd_ann_kernel(&d->ann, true, now);
	pd_ann_synced(&d->ann, now);	/* the first full sync is this one */
}

/* What the caches hold and whether the kernel holds it all (gate.h). */
static void gate_mark(struct podvsd *d)
{
	struct pd_gate_mark m = { 0 };

	m.valid = d->caches_synced &&
		  !pd_cluster_view_rv(&d->cluster, m.rv);
	pd_gate_viewed(&d->gate, &m, !pd_rec_pending(&d->rec));
}

static void on_sync(struct pd_loop *loop, struct pd_timer *t)
{
	struct podvsd *d = t->ctx;
	uint64_t now = pd_now_ms();

	(void)loop;
	d->sync_armed = false;
	if (!d->caches_synced)
		return;
	if (pd_rec_sync(&d->rec, now)) {
		pd_warn(&d->log, "msg=\"sync failed, retrying\" in_ms=%d",
			PD_TICK_MS);
		if (d->ann_on)
			pd_ann_kernel(&d->ann, false, now);
		return;
	}
	announce_vips(d, now);
	gate_mark(d);
	pd_gate_eval(&d->gate);
}

void podvsd_schedule_sync(struct podvsd *d)
{
	if (d->sync_armed || !d->caches_synced)
		return;
	if (!pd_timer_arm_ms(&d->sync_timer, PD_SYNC_DELAY_MS, 0))
		d->sync_armed = true;
}

/* The leader writes pool VIPs once the caches are synced. */
static void pool_pass(struct podvsd *d)
{
	/* followers wait for the leader's allocation to show in status */
	if (d->caches_synced && pd_cluster_leader(&d->cluster))
		pd_pool_pass(&d->pool);
}

static void on_tick(struct pd_loop *loop, struct pd_timer *t)
{
	struct podvsd *d = t->ctx;
	uint64_t now = pd_now_ms();

	(void)loop;
	gate_mark(d);			/* bookmarks: nothing to sync */
	pd_gate_publish(&d->gate);	/* what the gateway Lease carries */
	pd_cluster_lease_tick(&d->cluster);
	pd_gate_tick(&d->gate);
	if (!d->caches_synced)
		return;
	pd_gate_eval(&d->gate);
	if (d->opts.resync_period && now >= d->next_resync_ms) {
		d->next_resync_ms = now + d->opts.resync_period * 1000ULL;
		pd_rec_request_full(&d->rec);
	}
	pd_rec_tick(&d->rec, now);
	pool_pass(d);
	if (pd_rec_pending(&d->rec))
		podvsd_schedule_sync(d);
}

/* New interfaces get send_redirects=0 too; a change of failures is told. */
static void redirects_pass(struct podvsd *d, bool first)
{
	int failed = pd_sysctl_no_redirects(NULL, &d->log, first);

	if (failed < 0)
		failed = 1;
	d->sysctl_errors += failed;
	if (!first && (unsigned long)failed != d->sysctl_failing)
		pd_warn(&d->log, "msg=\"send_redirects=0 not set everywhere\" "
			"failed=%d", failed);
	d->sysctl_failing = failed;
}

/* The announcement heartbeat, and the API server's health for it. */
static void on_ann_tick(struct pd_loop *loop, struct pd_timer *t)
{
	struct podvsd *d = t->ctx;
	uint64_t now = pd_now_ms();

	(void)loop;
	if (!d->opts.dry_run && !(++d->ticks % (PD_SYSCTL_TICKS * PD_TICK_MS /
						 PD_ANN_TICK_MS)))
		redirects_pass(d, false);
	if (!d->ann_on)
		return;
	pd_ann_api_stale(&d->ann, pd_cluster_api_stale_since(&d->cluster, now),
			 now);
	pd_ann_tick(&d->ann, now);
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
	const struct k8s_service *s = pd_hmap_sget(&d->rec.store.services,
						   key);
	struct pd_hc_cfg cfg;
	char err[256];

	pd_health_begin(&d->health, key);
	pd_gate_recompute(&d->gate, key);
	if (s && pd_hc_parse(s, &cfg, err, sizeof(err)) &&
	    pd_hc_report(&d->health, key, s->meta.resource_version))
		pd_event_service(&d->cluster.events, s->meta.ns, s->meta.name,
				 s->meta.uid, "InvalidHealthCheck", err);
}

static void on_invalid(void *ctx, const struct k8s_service *s,
		       const char *why)
{
	struct podvsd *d = ctx;

	pd_event_service(&d->cluster.events, s->meta.ns, s->meta.name,
			 s->meta.uid, "InvalidPodvsConfig", why);
}

static uint64_t on_grace(void *ctx, const struct pd_vs *have,
			 const struct pd_dest *dst)
{
	struct podvsd *d = ctx;

	return pd_gate_grace_ms(&d->gate, have, dst);
}

/* ---- the cluster and the gate ---------------------------------------- */

static void on_changed(void *ctx)
{
	podvsd_schedule_sync(ctx);
}

/* An informer finished its first list: maybe every cache is synced. */
static void on_synced(void *ctx)
{
	struct podvsd *d = ctx;

	if (!pd_cluster_synced(&d->cluster) || d->caches_synced)
		return;
	pd_info(&d->log, "msg=\"caches synced, programming the kernel\" "
		"services=%zu slices=%zu pods=%zu", d->rec.store.services.n,
		d->rec.store.slices.n, d->gate.pods.n);
	d->caches_synced = true;
	d->next_resync_ms = pd_now_ms() + d->opts.resync_period * 1000ULL;
	pool_pass(d);
	pd_rec_request_full(&d->rec);
	podvsd_schedule_sync(d);
}

static void on_leader(void *ctx, bool leader)
{
	struct podvsd *d = ctx;

	if (leader) {
		pool_pass(d);
		return;
	}
	pd_pool_pass_stepdown(&d->pool);	/* the new leader decides */
	podvsd_schedule_sync(d);
}

static void on_node(void *ctx, const char *decommissioned)
{
	struct podvsd *d = ctx;

	if (d->ann_on)
		pd_ann_node(&d->ann, decommissioned, pd_now_ms());
}

static void on_rejected(void *ctx)
{
	struct podvsd *d = ctx;

	d->cluster.rejected++;
}

static bool is_leader(void *ctx)
{
	struct podvsd *d = ctx;

	return pd_cluster_leader(&d->cluster);
}

/* The leader's own view is fresh (the staleness signal, api_fresh.h). */
static bool api_fresh(void *ctx)
{
	struct podvsd *d = ctx;

	return pd_cluster_api_ok(&d->cluster);
}

/* We announce our VIPs: READY and not decommissioned (gate report). */
static bool serving(void *ctx)
{
	struct podvsd *d = ctx;

	if (!d->ann_on || d->ann.stats.unsupported)
		return true;	/* nothing withdraws them: in the path */
	return d->ann.stats.ready && d->ann.decom != PD_DECOM_ON;
}

static void gate_init(struct podvsd *d)
{
	const struct pd_gate_hooks hooks = {
		.changed = on_changed, .synced = on_synced,
		.rejected = on_rejected, .leader = is_leader,
		.api_fresh = api_fresh, .serving = serving, .ctx = d,
	};

	pd_gate_init(&d->gate, &d->log, &d->rec, &d->health, &hooks);
	d->gate.hold_s = d->opts.announce_grace;
	pd_pool_pass_init(&d->pool, &d->rec, &d->cluster.http, &d->log,
			  d->opts.vip_pool, d->opts.n_vip_pools);
}

static int cluster_init(struct podvsd *d)
{
	const struct pd_cluster_cfg cfg = {
		.kubeconfig = d->opts.kubeconfig,
		.node_name = d->opts.node_name,
		.loop = &d->loop, .log = &d->log, .rec = &d->rec,
		.pod_ops = &pd_gate_pod_ops, .pod_ctx = &d->gate,
	};
	const struct pd_cluster_hooks hooks = {
		.changed = on_changed, .synced = on_synced,
		.leader = on_leader, .node = on_node, .ctx = d,
	};
	int err = pd_cluster_init(&d->cluster, &cfg, &hooks);

	if (!err)
		pd_gate_connect(&d->gate, &d->cluster.http, &d->cluster.gw);
	if (!err)
		d->pool.events = &d->cluster.events;
	return err;
}

/* The module drives the carrier of "podvs" links; an older one has none. */
static const char *link_kind(struct podvsd *d)
{
	if (d->ann_on && !d->ann.stats.unsupported)
		return PODVS_LINK_KIND;
	pd_warn(&d->log, "msg=\"no VIP announcement in the podvs module: the "
		"VIP link is a dummy, its carrier always on\"");
	return "dummy";
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
		if (ret) {
			d->sysctl_errors++;
			pd_warn(&d->log, "msg=\"cannot set sysctl\" name=%s "
				"err=\"%s\"", sysctls[i], strerror(-ret));
		}
	}
	redirects_pass(d, true);
	if (d->opts.no_vip_link)
		return 0;
	ret = pd_viplink_open(&d->vip, d->opts.link, link_kind(d), &d->log,
			      err, sizeof(err));
	if (ret) {
		fprintf(stderr, "podvsd: %s\n", err);
		return ret;
	}
	d->vip_link_on = true;	/* its addresses wait for the first sync */
	return 0;
}

/* ---- the announcement -------------------------------------------------- */

static int ann_link_sync(void *ctx, const struct pd_hmap *vips)
{
	struct podvsd *d = ctx;

	return d->vip_link_on ? pd_viplink_sync(&d->vip, vips) : 0;
}

/* The module came back empty: the tables and the link are to be redone. */
static void ann_reloaded(void *ctx)
{
	struct podvsd *d = ctx;
	char err[256];

	pd_rec_request_full(&d->rec);
	if (d->vip_link_on && pd_viplink_ensure(&d->vip, err, sizeof(err)) < 0)
		pd_err(&d->log, "msg=\"cannot recreate the VIP link\" "
		       "err=\"%s\"", err);
	pd_ann_link_reset(&d->ann);
	podvsd_schedule_sync(d);
}

static void announce_init(struct podvsd *d)
{
	const struct pd_ann_hooks hooks = {
		.link_sync = ann_link_sync, .reloaded = ann_reloaded, .ctx = d,
	};
	struct pd_ann_ops ops;

	if (d->opts.dry_run)
		pd_memkernel_ann_ops(&d->mem, &ops);
	else
		pd_kernel_ann_ops(&d->kernel, &ops);
	pd_ann_init(&d->ann, &d->log, d->opts.announce_grace, &ops, &hooks,
		    pd_now_ms());
	d->ann_on = true;
}

static int backend_init(struct podvsd *d)
{
	char err[LPV_ERRMSG_LEN];
	int ret;

	if (d->opts.dry_run) {
		pd_memkernel_init(&d->mem, &d->log);
		pd_memkernel_backend(&d->mem, &d->be);
		pd_info(&d->log, "msg=\"dry run: the kernel is not touched\"");
		announce_init(d);
		return 0;
	}
	ret = pd_kernel_open(&d->kernel, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "podvsd: cannot use the podvs module: %s\n",
			err);
		return ret;
	}
	pd_kernel_backend(&d->kernel, &d->be);
	announce_init(d);
	ret = node_init(d);
	if (ret) {
		pd_ann_fini(&d->ann);
		d->ann_on = false;
		pd_kernel_close(&d->kernel);
	}
	return ret;
}

static void backend_fini(struct podvsd *d)
{
	if (d->ann_on)
		pd_ann_fini(&d->ann);
	d->ann_on = false;
	if (d->vip_link_on)
		pd_viplink_close(&d->vip);
	if (d->opts.dry_run)
		pd_memkernel_fini(&d->mem);
	else
		pd_kernel_close(&d->kernel);
}

static bool caches_synced(void *ctx)
{
	const struct podvsd *d = ctx;

	return d->caches_synced;
}

/* The families of other modules at the end of /metrics. */
static void metrics_more(void *ctx, FILE *out)
{
	struct podvsd *d = ctx;

	pd_webhook_render(&d->webhook, out);
}

/* Known once the webhook knows the namespaces and the caches synced. */
static long ungated(void *ctx)
{
	const struct podvsd *d = ctx;

	if (!d->webhook.started || !d->webhook.namespaces.synced ||
	    !d->caches_synced)
		return -1;
	return (long)pd_gate_ungated(&d->gate, pd_webhook_ns_on, &d->webhook);
}

/* /metrics reads the counters where their modules keep them. */
static int metrics_init(struct podvsd *d)
{
	const struct pd_metrics_src src = {
		.rec = &d->rec,
		.health = &d->health,
		.gate = &d->gate.stats,
		.rejected = &d->cluster.rejected,
		.api_up = &d->cluster.up,
		.informers = { &d->cluster.services, &d->cluster.slices },
		.api = &d->cluster.http.stats,
		.fresh = &d->cluster.fresh,
		.events_posted = &d->cluster.events.posted,
		.leader = &d->cluster.leader,
		.gw = &d->cluster.gw,
		.ann = d->ann_on ? &d->ann.stats : NULL,
		.sysctl_errors = d->opts.dry_run ? NULL : &d->sysctl_errors,
		.pool = d->opts.n_vip_pools ? &d->pool : NULL,
	};
	const struct pd_metrics_hooks hooks = {
		.synced = caches_synced,
		.render = metrics_more,
		.ungated = ungated,
		.ctx = d,
	};

	return pd_metrics_init(&d->metrics, &d->loop, &d->log,
			       d->opts.metrics_off ? NULL : &d->opts.metrics,
			       &src, &hooks);
}

/* The webhook needs the API server (its Secret, its configuration). */
static int webhook_init(struct podvsd *d)
{
	const struct pd_webhook_hooks hooks = {
		.is_leader = is_leader,
		.ctx = d,
		.events = &d->cluster.events,
	};

	if (!d->cluster.up)
		return 0;
	return pd_webhook_init(&d->webhook, &d->loop, &d->log,
			       &d->opts.webhook, &d->cluster.http,
			       &d->rec.store.services, &hooks);
}

int podvsd_init(struct podvsd *d)
{
	int err;

	d->sig.fd = -1;
	d->sync_timer.io.fd = d->tick_timer.io.fd = d->stop_timer.io.fd = -1;
	d->ann_timer.io.fd = -1;
	d->log.level = d->opts.log_level;
	err = pd_loop_init(&d->loop);
	if (err)
		return err;
	err = backend_init(d);
	if (err)
		goto err_loop;
	pd_rec_init(&d->rec, &d->log, &d->be, d->opts.drain_timeout);
	d->rec.snat_from = d->opts.snat_from;
	d->rec.n_snat_from = d->opts.n_snat_from;
	d->rec.hooks.invalid = on_invalid;
	d->rec.hooks.recompute = on_recompute;
	d->rec.hooks.grace_ms = on_grace;
	d->rec.hooks.ctx = d;
	gate_init(d);
	err = pd_health_init(&d->health, &d->loop, &d->log, on_health, d);
	err = err ?: signals_init(d);
	err = err ?: pd_timer_init(&d->loop, &d->sync_timer, on_sync, d);
	err = err ?: pd_timer_init(&d->loop, &d->tick_timer, on_tick, d);
	err = err ?: pd_timer_init(&d->loop, &d->stop_timer, on_stop, d);
	err = err ?: pd_timer_init(&d->loop, &d->ann_timer, on_ann_tick, d);
	err = err ?: pd_timer_arm_ms(&d->tick_timer, PD_TICK_MS, PD_TICK_MS);
	err = err ?: pd_timer_arm_ms(&d->ann_timer, PD_ANN_TICK_MS,
				     PD_ANN_TICK_MS);
	if (err) {
		fprintf(stderr, "podvsd: setting up the event loop: %s\n",
			strerror(-err));
		goto err_rec;
	}
	err = metrics_init(d);
	err = err ?: cluster_init(d);
	err = err ?: webhook_init(d);
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
	pd_webhook_fini(&d->webhook);
	pd_cluster_fini(&d->cluster);
	pd_gate_fini(&d->gate);
	pd_pool_pass_fini(&d->pool);
	pd_metrics_fini(&d->metrics);
	pd_timer_fini(&d->loop, &d->tick_timer);
	pd_timer_fini(&d->loop, &d->stop_timer);
	pd_timer_fini(&d->loop, &d->sync_timer);
	pd_timer_fini(&d->loop, &d->ann_timer);
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
