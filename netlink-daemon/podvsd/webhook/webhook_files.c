// SPDX-License-Identifier: GPL-2.0
/*
 * --webhook-cert/--webhook-key/--webhook-ca: read at start (a bad pair is
 * fatal then), and reloaded when they change, as cert-manager (through a
 * Secret volume, an atomic symlink swap) or any other tool renews them.
 *
 * Every PD_WH_FILES_POLL_MS the three files are stat()ed (following
 * symlinks); a change of device, inode, size or mtime of any of them
 * reloads all three.  A new pair that cannot be served (unreadable, not
 * PEM, key not the certificate's, expired) is refused: the old pair keeps
 * serving, one error line and one Warning Event (reason
 * WebhookCertificateRefused, on the webhook's Service) say why, and that
 * same content is not tried again; the next change is.  Polling rather
 * than inotify: a Secret volume update replaces a directory symlink,
 * which inotify on the files themselves does not see, and a 10 s delay
 * is far inside any certificate's renewal margin.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "webhook/webhook.h"

static char *slurp(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(1 << 16);
	n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
	len = n;
	if (buf && (ferror(f) || !feof(f) || !len)) {
		snprintf(err, errlen, "%s: %s", path, ferror(f) ?
			 strerror(errno) : len ? "larger than 64 KiB" :
			 "empty");
		free(buf);
		buf = NULL;
	} else if (buf) {
		buf[len] = '\0';
	}
	fclose(f);
	return buf;
}

/* Read the three files and serve them; -errno with @err set. */
static int load(struct pd_webhook *wh, char *err, size_t errlen)
{
	const struct pd_webhook_opts *o = wh->opts;
	struct pd_certs c = { 0 };
	char *ca;
	int ret = -EINVAL;

	c.tls_crt = slurp(o->cert, err, errlen);
	c.tls_key = c.tls_crt ? slurp(o->key, err, errlen) : NULL;
	ca = c.tls_key ? slurp(o->ca ? o->ca : o->cert, err, errlen) : NULL;
	if (ca) {
		ret = pd_webhook_serve(wh, &c, ca);
		if (ret == -EINVAL)
			snprintf(err, errlen, "%s", wh->refused);
		else if (ret)
			snprintf(err, errlen, "%s", strerror(-ret));
	} else {
		wh->stats.cert_refused++;	/* serve never saw it */
	}
	free(ca);
	pd_certs_fini(&c);
	return ret;
}

static void stat_one(const char *path, struct pd_wh_file_sig *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (!path)
		return;
	if (stat(path, &st)) {
		s->err = errno;
		return;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
		      st.st_mtim.tv_nsec;
}

static void stat_all(const struct pd_webhook *wh, struct pd_wh_file_sig s[3])
{
	stat_one(wh->opts->cert, &s[0]);
	stat_one(wh->opts->key, &s[1]);
	stat_one(wh->opts->ca, &s[2]);
}

static bool same(const struct pd_wh_file_sig a[3],
		 const struct pd_wh_file_sig b[3])
{
	return !memcmp(a, b, 3 * sizeof(*a));
}

int pd_webhook_load_files(struct pd_webhook *wh)
{
	char err[300];
	int ret;

	if (!wh->opts->cert)
		return 0;
	stat_all(wh, wh->files_loaded);
	memcpy(wh->files_tried, wh->files_loaded, sizeof(wh->files_tried));
	ret = load(wh, err, sizeof(err));
	if (ret)
		fprintf(stderr, "podvsd: --webhook-cert: %s\n", err);
	return ret;
}

static void refused(struct pd_webhook *wh, const char *err)
{
	char msg[512];

	pd_err(wh->log, "msg=\"new webhook certificate files refused, the "
	       "old pair keeps serving\" cert=%s key=%s err=\"%s\"",
	       wh->opts->cert, wh->opts->key, err);
	snprintf(msg, sizeof(msg), "--webhook-cert %s / --webhook-key %s "
		 "refused, the previous certificate keeps serving: %s",
		 wh->opts->cert, wh->opts->key, err);
	if (wh->hooks.events)
		pd_event_service(wh->hooks.events, wh->opts->ns, wh->opts->service,
				 "", "WebhookCertificateRefused", msg);
}

int pd_webhook_files_check(struct pd_webhook *wh)
{
	struct pd_wh_file_sig now[3];
	char err[300];

	if (!wh->started || !wh->opts->cert)
		return 0;
	stat_all(wh, now);
	if (same(now, wh->files_loaded) || same(now, wh->files_tried))
		return 0;	/* unchanged, or this content already refused */
	memcpy(wh->files_tried, now, sizeof(wh->files_tried));
	if (load(wh, err, sizeof(err))) {
		refused(wh, err);
		return -EINVAL;
	}
	memcpy(wh->files_loaded, now, sizeof(wh->files_loaded));
	pd_info(wh->log, "msg=\"webhook certificate files reloaded\" "
		"cert=%s", wh->opts->cert);
	pd_webhook_ensure(wh);	/* a new CA goes to the configuration */
	return 0;
}

void pd_webhook_files_timer(struct pd_loop *loop, struct pd_timer *t)
{
	(void)loop;
	pd_webhook_files_check(t->ctx);
}
