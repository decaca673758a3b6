// SPDX-License-Identifier: GPL-2.0
/*
 * podvsadm: one *_main() per command, in a table (as wg(8) does).  This is
 * the only file that talks to the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

struct ctx {
	struct lpv_handle *h;
	const struct adm_cmd *c;
	FILE *out;
};

static int kernel_err(struct ctx *x)
{
	fprintf(stderr, "podvsadm: %s\n", lpv_errmsg(x->h));
	return EXIT_KERNEL;
}

/* podvsadm's exit status for libpodvs's return @err. */
static int exit_code(struct ctx *x, int err)
{
	return err ? kernel_err(x) : EXIT_OK;
}

static int add_service_main(struct ctx *x)
{
	return exit_code(x, lpv_service_add(x->h, &x->c->svc));
}

static int edit_service_main(struct ctx *x)
{
	return exit_code(x, lpv_service_edit(x->h, &x->c->svc));
}

static int del_service_main(struct ctx *x)
{
	return exit_code(x, lpv_service_del(x->h, &x->c->svc));
}

static int add_dest_main(struct ctx *x)
{
	return exit_code(x, lpv_dest_add(x->h, &x->c->svc, &x->c->dest));
}

static int edit_dest_main(struct ctx *x)
{
	return exit_code(x, lpv_dest_edit(x->h, &x->c->svc, &x->c->dest));
}

static int del_dest_main(struct ctx *x)
{
	return exit_code(x, lpv_dest_del(x->h, &x->c->svc, &x->c->dest));
}

static int flush_main(struct ctx *x)
{
	return exit_code(x, lpv_flush(x->h));
}

static int zero_main(struct ctx *x)
{
	bool one = x->c->opts & (1U << OPT_SERVICE);

	return exit_code(x, lpv_zero(x->h, one ? &x->c->svc : NULL));
}

static int set_main(struct ctx *x)
{
	return exit_code(x, lpv_config_set(x->h, &x->c->cfg));
}

static int info_main(struct ctx *x)
{
	struct lpv_info info;

	if (lpv_info_get(x->h, &info))
		return kernel_err(x);
	if (x->c->fmt & FMT_JSON)
		return adm_json_info(x->out, &info) ? EXIT_KERNEL : EXIT_OK;
	adm_print_info(x->out, &info);
	return EXIT_OK;
}

/* Show the state, or with --hold/--ready set them. */
static int announce_main(struct ctx *x)
{
	const struct lpv_announce *req = &x->c->ann;
	struct lpv_announce a;

	if (req->has_hold || req->has_ready)
		return exit_code(x, lpv_announce_set(x->h, req));
	if (lpv_announce_get(x->h, &a))
		return kernel_err(x);
	if (x->c->fmt & FMT_JSON)
		return adm_json_announce(x->out, &a) ? EXIT_KERNEL : EXIT_OK;
	adm_print_announce(x->out, &a);
	return EXIT_OK;
}

/* --decommission, --recommission */
static int commission_main(struct ctx *x)
{
	return exit_code(x, lpv_announce_set(x->h, &x->c->ann));
}

/* ---- listings ------------------------------------------------------------ */

static void free_entries(struct adm_svc_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(e[i].dests);
	free(e);
}

/* Services (all, or the one in @one) with their dests, sorted unless
 * --nosort.
 */
static int fetch(struct ctx *x, const struct lpv_service *one,
		 struct adm_svc_entry **out, size_t *n)
{
	struct lpv_service *svcs = NULL, single;
	struct adm_svc_entry *e;
	size_t i, ns = 1;
	int err;

	if (one) {
		single = *one;
		err = lpv_service_get(x->h, &single);
		svcs = &single;
	} else {
		err = lpv_service_list(x->h, &svcs, &ns);
	}
	if (err)
		return err;
	e = calloc(ns ? ns : 1, sizeof(*e));
	for (i = 0; e && i < ns && !err; i++) {
		e[i].svc = svcs[i];
		err = lpv_dest_list(x->h, &svcs[i], &e[i].dests, &e[i].ndests);
		if (!err && !(x->c->fmt & FMT_NOSORT))
			adm_sort_dests(e[i].dests, e[i].ndests);
	}
	if (svcs != &single)
		free(svcs);
	if (!e)
		return -ENOMEM;
	if (err) {
		free_entries(e, ns);
		return err;
	}
	if (!(x->c->fmt & FMT_NOSORT))
		adm_sort_services(e, ns);
	*out = e;
	*n = ns;
	return 0;
}

static int print_table(struct ctx *x, const struct lpv_service *one,
		       unsigned int fmt)
{
	struct adm_svc_entry *e = NULL;
	struct lpv_info info;
	size_t n = 0;
	int ret;

	if (!one && !(fmt & (FMT_RULE | FMT_JSON)) && lpv_info_get(x->h, &info))
		return kernel_err(x);
	ret = fetch(x, one, &e, &n);
	if (ret == -ENOMEM)
		fprintf(stderr, "podvsadm: out of memory\n");
	if (ret)
		return ret == -ENOMEM ? EXIT_KERNEL : kernel_err(x);
	if (fmt & FMT_JSON) {
		ret = adm_json_services(x->out, e, n) ? EXIT_KERNEL : EXIT_OK;
	} else {
		size_t i;

		if (!one && !(fmt & FMT_RULE))
			adm_print_header(x->out, &info);
		adm_print_title(x->out, fmt);
		for (i = 0; i < n; i++)
			adm_print_service(x->out, &e[i], fmt);
		ret = EXIT_OK;
	}
	free_entries(e, n);
	return ret;
}

static int list_conns(struct ctx *x)
{
	struct lpv_conn *conns = NULL;
	size_t n = 0;
	int ret = EXIT_OK;

	if (lpv_conn_list(x->h, &x->c->filter, &conns, &n))
		return kernel_err(x);
	if (x->c->fmt & FMT_JSON) {
		ret = adm_json_conns(x->out, conns, n) ? EXIT_KERNEL : EXIT_OK;
	} else {
		size_t i;

		adm_print_conn_title(x->out);
		for (i = 0; i < n; i++)
			adm_print_conn(x->out, &conns[i], x->c->fmt);
	}
	free(conns);
	return ret;
}

static int list_timeout(struct ctx *x)
{
	struct lpv_config cfg;

	if (lpv_config_get(x->h, &cfg))
		return kernel_err(x);
	if (x->c->fmt & FMT_JSON)
		return adm_json_config(x->out, &cfg) ? EXIT_KERNEL : EXIT_OK;
	adm_print_timeout(x->out, &cfg);
	return EXIT_OK;
}

static int list_main(struct ctx *x)
{
	const struct adm_cmd *c = x->c;

	if (c->opts & (1U << OPT_CONNECTION))
		return list_conns(x);
	if (c->opts & (1U << OPT_TIMEOUT))
		return list_timeout(x);
	return print_table(x, (c->opts & (1U << OPT_SERVICE)) ? &c->svc : NULL,
			   c->fmt);
}

static int save_main(struct ctx *x)
{
	return print_table(x, NULL, x->c->fmt | FMT_RULE);
}

/* ---- restore ------------------------------------------------------------- */

/* Services alive while the restore ops are laid out, for -C lines. */
struct live {
	struct lpv_service *s;
	size_t n;
	bool loaded;
};

static ssize_t live_find(const struct live *l, const struct lpv_service *k)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->s[i].af == k->af && l->s[i].protocol == k->protocol &&
		    l->s[i].port == k->port &&
		    !memcmp(l->s[i].addr.raw, k->addr.raw, sizeof(k->addr.raw)))
			return (ssize_t)i;
	return -1;
}

/* @cmd is ADM_ADD_SERVICE or ADM_DEL_SERVICE. */
static int live_track(struct live *l, enum adm_cmd_id cmd,
		      const struct lpv_service *svc)
{
	ssize_t i = live_find(l, svc);
	void *p;

	if (cmd == ADM_DEL_SERVICE && i >= 0)
		l->s[i] = l->s[--l->n];
	if (cmd != ADM_ADD_SERVICE || i >= 0)
		return 0;
	p = realloc(l->s, (l->n + 1) * sizeof(*l->s));
	if (!p)
		return -ENOMEM;
	l->s = p;
	l->s[l->n++] = *svc;
	return 0;
}

static uint8_t op_cmd(enum adm_cmd_id cmd)
{
	switch (cmd) {
	case ADM_ADD_SERVICE: return PODVS_CMD_NEW_SERVICE;
	case ADM_EDIT_SERVICE: return PODVS_CMD_SET_SERVICE;
	case ADM_DEL_SERVICE: return PODVS_CMD_DEL_SERVICE;
	case ADM_ADD_DEST: return PODVS_CMD_NEW_DEST;
	case ADM_DEL_DEST: return PODVS_CMD_DEL_DEST;
	default: return PODVS_CMD_SET_DEST;	/* -e, --drain, --undrain */
	}
}

struct plan {
	struct lpv_batch *b;
	unsigned int *line;	/* restore line of each op */
	size_t cap;
};

static int plan_op(struct plan *p, uint8_t cmd, const struct lpv_service *svc,
		   const struct lpv_dest *dest, unsigned int line)
{
	int idx = lpv_batch_append(p->b, cmd, svc, dest);

	if (idx < 0)
		return idx;
	if ((size_t)idx >= p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		void *q = realloc(p->line, cap * sizeof(*p->line));

		if (!q)
			return -ENOMEM;
		p->line = q;
		p->cap = cap;
	}
	p->line[idx] = line;
	return 0;
}

/* A service line (-A or -D) seen before the kernel's services were read. */
struct svc_line {
	enum adm_cmd_id cmd;
	struct lpv_service svc;
};

/* The restore being laid out, line by line, as adm_restore_scan() parses. */
struct restore {
	struct ctx *x;
	struct plan p;
	struct live l;
	struct svc_line *early;	/* until the first -C reads the kernel's */
	size_t nearly, early_cap;
};

static int early_push(struct restore *rs, const struct adm_cmd *c)
{
	if (rs->nearly == rs->early_cap) {
		size_t cap = rs->early_cap ? rs->early_cap * 2 : 64;
		void *q = realloc(rs->early, cap * sizeof(*rs->early));

		if (!q)
			return -ENOMEM;
		rs->early = q;
		rs->early_cap = cap;
	}
	rs->early[rs->nearly].cmd = c->cmd;
	rs->early[rs->nearly++].svc = c->svc;
	return 0;
}

/* The kernel's services, then the file's -A/-D lines so far on top. */
static int live_load(struct restore *rs)
{
	size_t i;
	int err;

	err = lpv_service_list(rs->x->h, &rs->l.s, &rs->l.n);
	for (i = 0; !err && i < rs->nearly; i++)
		err = live_track(&rs->l, rs->early[i].cmd, &rs->early[i].svc);
	free(rs->early);
	rs->early = NULL;
	rs->nearly = 0;
	rs->l.loaded = true;
	return err;
}

/* -C inside a restore: delete every service alive at that point. */
static int plan_flush(struct restore *rs, unsigned int line)
{
	size_t i;
	int err = 0;

	if (!rs->l.loaded)
		err = live_load(rs);
	for (i = 0; !err && i < rs->l.n; i++)
		err = plan_op(&rs->p, PODVS_CMD_DEL_SERVICE, &rs->l.s[i], NULL, line);
	rs->l.n = 0;
	return err;
}

/* adm_restore_fn: one parsed line into the batch. */
static int restore_line(void *priv, unsigned int line, const struct adm_cmd *c)
{
	struct restore *rs = priv;
	uint8_t cmd = op_cmd(c->cmd);
	int err;

	if (c->cmd == ADM_FLUSH)
		return plan_flush(rs, line);
	err = plan_op(&rs->p, cmd, &c->svc,
		      lpv_cmd_is_dest(cmd) ? &c->dest : NULL, line);
	if (err || (c->cmd != ADM_ADD_SERVICE && c->cmd != ADM_DEL_SERVICE))
		return err;
	if (rs->l.loaded)
		return live_track(&rs->l, c->cmd, &c->svc);
	return early_push(rs, c);
}

/* The kernel's "op N: why" without "op N: " once the line is known. */
static const char *op_reason(const char *msg)
{
	const char *colon = strstr(msg, ": ");

	if (strncmp(msg, "op ", 3) || !colon)
		return msg;
	return colon + 2;
}

static int restore_send(struct ctx *x, struct plan *p)
{
	struct lpv_batch_result res;

	if (!lpv_batch_send(x->h, p->b, &res))
		return EXIT_OK;
	if (res.failed_op != SIZE_MAX)
		fprintf(stderr, "podvsadm: line %u: %s\n", p->line[res.failed_op],
			op_reason(lpv_errmsg(x->h)));
	else
		fprintf(stderr, "podvsadm: %s\n", lpv_errmsg(x->h));
	if (res.applied)
		fprintf(stderr, "podvsadm: the restore needed %zu messages; the %zu "
			"operations before line %u were applied\n", res.messages,
			res.applied, p->line[res.applied]);
	else
		fprintf(stderr, "podvsadm: nothing was changed\n");
	return EXIT_KERNEL;
}

/* stdin's buffer: a restore file is read in large pieces, not 4 KiB ones. */
#define RESTORE_INBUF	(256U << 10)

static int restore_main(struct ctx *x)
{
	struct restore rs = { .x = x };
	char err[ADM_ERR_LEN];
	int ret;

	setvbuf(stdin, NULL, _IOFBF, RESTORE_INBUF);
	rs.p.b = lpv_batch_new();
	if (!rs.p.b) {
		fprintf(stderr, "podvsadm: out of memory\n");
		return EXIT_KERNEL;
	}
	ret = adm_restore_scan(stdin, restore_line, &rs, err, sizeof(err));
	if (ret == EXIT_USAGE)
		fprintf(stderr, "podvsadm: %s (nothing was changed)\n", err);
	else if (ret)
		ret = kernel_err(x);
	else
		ret = restore_send(x, &rs.p);
	lpv_batch_free(rs.p.b);
	free(rs.p.line);
	free(rs.l.s);
	free(rs.early);
	return ret;
}

/* ---- version, help, dispatch --------------------------------------------- */

/*
 * The tool's version always, the module's when it answers: exit 0 either
 * way, so that --version works where the module is absent (an image build).
 */
static int version_main(struct ctx *x)
{
	struct lpv_handle *h;
	struct lpv_info info;
	char err[LPV_ERRMSG_LEN];

	if (lpv_open(&h, err, sizeof(err))) {
		adm_print_version(x->out, NULL, err);
		return EXIT_OK;
	}
	if (lpv_info_get(h, &info)) {
		adm_print_version(x->out, NULL, lpv_errmsg(h));
		lpv_close(h);
		return EXIT_OK;
	}
	adm_print_version(x->out, &info, NULL);
	lpv_close(h);
	return EXIT_OK;
}

static const struct {
	enum adm_cmd_id id;
	int (*fn)(struct ctx *x);
} commands[] = {
	{ ADM_ADD_SERVICE, add_service_main },
	{ ADM_EDIT_SERVICE, edit_service_main },
	{ ADM_DEL_SERVICE, del_service_main },
	{ ADM_ADD_DEST, add_dest_main },
	{ ADM_EDIT_DEST, edit_dest_main },
	{ ADM_DEL_DEST, del_dest_main },
	{ ADM_DRAIN, edit_dest_main },
	{ ADM_UNDRAIN, edit_dest_main },
	{ ADM_FLUSH, flush_main },
	{ ADM_LIST, list_main },
	{ ADM_ZERO, zero_main },
	{ ADM_SAVE, save_main },
	{ ADM_RESTORE, restore_main },
	{ ADM_SET, set_main },
	{ ADM_INFO, info_main },
	{ ADM_ANNOUNCE, announce_main },
	{ ADM_DECOMMISSION, commission_main },
	{ ADM_RECOMMISSION, commission_main },
};

static int run(struct adm_cmd *c)
{
	struct ctx x = { .c = c, .out = stdout };
	char err[LPV_ERRMSG_LEN];
	size_t i;
	int ret = EXIT_USAGE;

	if (lpv_open(&x.h, err, sizeof(err))) {
		fprintf(stderr, "podvsadm: %s\n", err);
		return EXIT_KERNEL;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].id == c->cmd)
			ret = commands[i].fn(&x);
	lpv_close(x.h);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "podvsadm: writing the output failed\n");
		return EXIT_KERNEL;
	}
	return ret;
}

int podvsadm_main(int argc, char **argv)
{
	const char *prog = argc > 0 ? argv[0] : "podvsadm";
	char *list_argv[] = { (char *)prog, (char *)"-L", NULL };
	struct ctx x = { .out = stdout };
	char err[ADM_ERR_LEN];
	struct adm_cmd c;

	/* no arguments: list the table, as ipvsadm does */
	if (argc <= 1) {
		argc = 2;
		argv = list_argv;
	}
	if (adm_parse(argc, argv, true, &c, err, sizeof(err))) {
		fprintf(stderr, "podvsadm: %s\n", err);
		return EXIT_USAGE;
	}
	if (c.cmd == ADM_HELP) {
		adm_usage(stdout, prog);
		return EXIT_OK;
	}
	x.c = &c;
	if (c.cmd == ADM_VERSION)
		return version_main(&x);
	return run(&c);
}
