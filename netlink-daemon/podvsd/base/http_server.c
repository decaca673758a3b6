// SPDX-License-Identifier: GPL-2.0
/* libmicrohttpd driven by the epoll loop (see http_server.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "base/http_server.h"

static void rearm(struct pd_httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(h->mhd, &ms) == MHD_YES)
		pd_timer_arm_ms(&h->timer, ms ? ms : 1, 0);
	else
		pd_timer_arm_ms(&h->timer, 0, 0);
}

static void on_mhd(struct pd_loop *loop, struct pd_io *io, uint32_t events)
{
	struct pd_httpd *h = io->ctx;

	(void)loop;
	(void)events;
	MHD_run(h->mhd);
	rearm(h);
}

static void on_timer(struct pd_loop *loop, struct pd_timer *t)
{
	struct pd_httpd *h = t->ctx;

	(void)loop;
	if (!h->mhd)
		return;
	MHD_run(h->mhd);
	rearm(h);
}

void pd_httpd_init(struct pd_httpd *h, struct pd_loop *loop)
{
	h->mhd = NULL;
	h->loop = loop;
	h->io.fd = -1;
	h->io.added = false;
	h->timer.io.fd = -1;
}

/* The options of @cfg into @o (room for 7), MHD_OPTION_END last. */
static void options(const struct pd_httpd_cfg *cfg,
		    const struct sockaddr_storage *ss,
		    struct MHD_OptionItem *o)
{
	size_t n = 0;

	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0,
					  (void *)ss };
	if (cfg->tls_cert_cb) {
		o[n++] = (struct MHD_OptionItem){
			MHD_OPTION_HTTPS_CERT_CALLBACK, 0, cfg->tls_cert_cb };
	} else if (cfg->tls_key) {
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
						  (void *)cfg->tls_key };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT,
						  0, (void *)cfg->tls_crt };
	}
	if (cfg->reuse_port)
		o[n++] = (struct MHD_OptionItem){
			MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, 10,
					  NULL };
	if (cfg->completed)
		o[n++] = (struct MHD_OptionItem){
			MHD_OPTION_NOTIFY_COMPLETED,
			(intptr_t)cfg->completed, cfg->ctx };
	o[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
}

int pd_httpd_start(struct pd_httpd *h, const struct pd_httpd_cfg *cfg)
{
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	struct MHD_OptionItem opts[7];
	struct sockaddr_storage ss;

	if (h->timer.io.fd < 0 &&
	    pd_timer_init(h->loop, &h->timer, on_timer, h))
		return -EIO;
	pd_addr_sockaddr(&cfg->at->addr, cfg->at->port, &ss);
	if (cfg->at->addr.af == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cfg->tls_key || cfg->tls_cert_cb)
		flags |= MHD_USE_TLS;
	options(cfg, &ss, opts);
	h->mhd = MHD_start_daemon(flags, cfg->at->port, NULL, NULL,
				  cfg->handler, cfg->ctx, MHD_OPTION_ARRAY,
				  opts, MHD_OPTION_END);
	info = h->mhd ? MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD) :
			NULL;
	if (!info) {
		pd_httpd_stop(h);
		return -EADDRINUSE;
	}
	h->io.fd = info->epoll_fd;
	h->io.fn = on_mhd;
	h->io.ctx = h;
	h->io.added = false;
	if (pd_loop_watch(h->loop, &h->io, EPOLLIN)) {
		pd_httpd_stop(h);
		return -EIO;
	}
	rearm(h);
	return 0;
}

void pd_httpd_stop(struct pd_httpd *h)
{
	if (!h->mhd)
		return;
	pd_loop_unwatch(h->loop, &h->io);
	pd_timer_arm_ms(&h->timer, 0, 0);
	MHD_stop_daemon(h->mhd);
	h->mhd = NULL;
}

void pd_httpd_fini(struct pd_httpd *h)
{
	if (!h->loop)
		return;		/* never initialised */
	pd_httpd_stop(h);
	pd_timer_fini(h->loop, &h->timer);
}

enum MHD_Result pd_httpd_reply(struct MHD_Connection *c, unsigned int code,
			       const char *type, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}
