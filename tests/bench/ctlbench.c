// SPDX-License-Identifier: GPL-2.0
/*
 * ctlbench: the time of one control-plane change, measured inside one
 * process, so that neither fork/exec nor argument parsing counts (under
 * TCG they cost far more than the change itself).
 *
 *   ctlbench podvs|ipvs -t VIP:PORT -o OLD:PORT -N NEW:PORT -e EDIT:PORT
 *            [-n COUNT] [-w WARMUP]
 *
 * Against the table of the current network namespace, COUNT times each
 * (after WARMUP untimed ones):
 *   edit     dest EDIT of service VIP gets weight 2, then 3, 2, ...: one
 *            SET_DEST request and its ack
 *   replace  dest OLD is replaced by NEW (weight 1, masquerade), then put
 *            back, ...: podvs sends DEL_DEST + NEW_DEST as one batch
 *            request (what `podvsadm -R` sends for a two-line file);
 *            IPVS has no batch, so two requests (what `ipvsadm -R` does)
 * and prints, in microseconds,
 *   edit COUNT p50 P p99 Q
 *   replace COUNT p50 P p99 Q
 *
 * podvs through libpodvs (the code podvsadm and podvsd use); IPVS through
 * its own generic netlink family ("IPVS") with libmnl.  TCP, IPv4 only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include "libpodvs.h"

#define MAX_COUNT	100000

struct endpoint {
	struct in_addr addr;
	uint16_t port;
};

struct args {
	struct endpoint vip, old, new, edit;
	unsigned int count, warmup;
};

/* One backend: edit (weight @w) and replace (@from by @to). */
struct target {
	int (*edit)(void *priv, const struct args *a, unsigned int w);
	int (*replace)(void *priv, const struct args *a,
		       const struct endpoint *from, const struct endpoint *to);
	const char *(*errmsg)(void *priv);
	void *priv;
};

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: ctlbench podvs|ipvs -t VIP:PORT -o OLD:PORT -N NEW:PORT "
		"-e EDIT:PORT [-n COUNT] [-w WARMUP]\n");
	exit(2);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* ---- podvs, through libpodvs ------------------------------------------- */

static void pv_svc(struct lpv_service *s, const struct endpoint *vip)
{
	memset(s, 0, sizeof(*s));
	s->af = AF_INET;
	s->protocol = IPPROTO_TCP;
	s->addr.v4 = vip->addr;
	s->port = vip->port;
}

static void pv_dest(struct lpv_dest *d, const struct endpoint *e,
		    unsigned int weight)
{
	memset(d, 0, sizeof(*d));
	d->addr.v4 = e->addr;
	d->port = e->port;
	d->present = LPV_DEST_HAS_WEIGHT | LPV_DEST_HAS_FWD;
	d->weight = weight;
	d->fwd = PODVS_FWD_MASQ;
}

static int pv_edit(void *priv, const struct args *a, unsigned int w)
{
	struct lpv_service s;
	struct lpv_dest d;

	pv_svc(&s, &a->vip);
	pv_dest(&d, &a->edit, w);
	return lpv_dest_edit(priv, &s, &d);
}

static int pv_replace(void *priv, const struct args *a,
		      const struct endpoint *from, const struct endpoint *to)
{
	struct lpv_batch *b = lpv_batch_new();
	struct lpv_dest dfrom, dto;
	struct lpv_service s;
	int err;

	if (!b)
		return -ENOMEM;
	pv_svc(&s, &a->vip);
	pv_dest(&dfrom, from, 1);
	pv_dest(&dto, to, 1);
	err = lpv_batch_append(b, PODVS_CMD_DEL_DEST, &s, &dfrom);
	if (err >= 0)
		err = lpv_batch_append(b, PODVS_CMD_NEW_DEST, &s, &dto);
	if (err >= 0)
		err = lpv_batch_send(priv, b, NULL);
	lpv_batch_free(b);
	return err < 0 ? err : 0;
}

static const char *pv_errmsg(void *priv)
{
	return lpv_errmsg(priv);
}

static int pv_open(struct target *t)
{
	char err[LPV_ERRMSG_LEN];
	struct lpv_handle *h;

	if (lpv_open(&h, err, sizeof(err))) {
		fprintf(stderr, "ctlbench: %s\n", err);
		return -1;
	}
	t->edit = pv_edit;
	t->replace = pv_replace;
	t->errmsg = pv_errmsg;
	t->priv = h;
	return 0;
}

/* ---- IPVS, through its generic netlink family ---------------------------- */

struct ipvs {
	struct mnl_socket *nl;
	uint16_t family;
	uint32_t seq, portid;
	char buf[32768];
};

static struct nlmsghdr *iv_start(struct ipvs *v, uint16_t type, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(v->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++v->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = IPVS_GENL_VERSION;
	return nlh;
}

/* Send @nlh and read up to its ack, passing data messages to @cb. */
static int iv_xfer(struct ipvs *v, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	int ret;

	if (mnl_socket_sendto(v->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ret = (int)mnl_socket_recvfrom(v->nl, v->buf, sizeof(v->buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(v->buf, (size_t)ret, seq, v->portid, cb, data);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    !mnl_attr_validate(attr, MNL_TYPE_U16))
		*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return MNL_CB_OK;
}

static int iv_resolve(struct ipvs *v)
{
	struct nlmsghdr *nlh = iv_start(v, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, IPVS_GENL_NAME);
	if (iv_xfer(v, nlh, family_cb, &v->family) || !v->family)
		return -ENOENT;
	return 0;
}

static void iv_put_addr(struct nlmsghdr *nlh, uint16_t type, struct in_addr a)
{
	uint8_t raw[16] = { 0 };

	memcpy(raw, &a, sizeof(a));
	mnl_attr_put(nlh, type, sizeof(raw), raw);
}

static void iv_put_svc(struct nlmsghdr *nlh, const struct endpoint *vip)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_SERVICE);

	mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_AF, AF_INET);
	mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP);
	iv_put_addr(nlh, IPVS_SVC_ATTR_ADDR, vip->addr);
	mnl_attr_put_u16(nlh, IPVS_SVC_ATTR_PORT, htons(vip->port));
	mnl_attr_nest_end(nlh, nest);
}

/* @full: NEW_DEST and SET_DEST need every settable field. */
static void iv_put_dest(struct nlmsghdr *nlh, const struct endpoint *e,
			unsigned int weight, bool full)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, IPVS_CMD_ATTR_DEST);

	iv_put_addr(nlh, IPVS_DEST_ATTR_ADDR, e->addr);
	mnl_attr_put_u16(nlh, IPVS_DEST_ATTR_PORT, htons(e->port));
	mnl_attr_put_u16(nlh, IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET);
	if (full) {
		mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_MASQ);
		mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_WEIGHT, weight);
		mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_U_THRESH, 0);
		mnl_attr_put_u32(nlh, IPVS_DEST_ATTR_L_THRESH, 0);
	}
	mnl_attr_nest_end(nlh, nest);
}

static int iv_dest_cmd(struct ipvs *v, uint8_t cmd, const struct endpoint *vip,
		       const struct endpoint *e, unsigned int weight)
{
	struct nlmsghdr *nlh = iv_start(v, v->family, cmd);

	iv_put_svc(nlh, vip);
	iv_put_dest(nlh, e, weight, cmd != IPVS_CMD_DEL_DEST);
	return iv_xfer(v, nlh, NULL, NULL);
}

static int iv_edit(void *priv, const struct args *a, unsigned int w)
{
	return iv_dest_cmd(priv, IPVS_CMD_SET_DEST, &a->vip, &a->edit, w);
}

static int iv_replace(void *priv, const struct args *a,
		      const struct endpoint *from, const struct endpoint *to)
{
	int err = iv_dest_cmd(priv, IPVS_CMD_DEL_DEST, &a->vip, from, 0);

	return err ?: iv_dest_cmd(priv, IPVS_CMD_NEW_DEST, &a->vip, to, 1);
}

static const char *iv_errmsg(void *priv)
{
	(void)priv;
	return strerror(errno);
}

static int iv_open(struct target *t)
{
	struct ipvs *v = calloc(1, sizeof(*v));

	if (!v)
		return -1;
	v->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!v->nl || mnl_socket_bind(v->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("ctlbench: netlink socket");
		return -1;
	}
	v->portid = mnl_socket_get_portid(v->nl);
	if (iv_resolve(v)) {
		fprintf(stderr, "ctlbench: no IPVS generic netlink family\n");
		return -1;
	}
	t->edit = iv_edit;
	t->replace = iv_replace;
	t->errmsg = iv_errmsg;
	t->priv = v;
	return 0;
}

/* ---- measuring ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Percentile @p (0-100) of the sorted @v: the nearest rank. */
static double pct(const double *v, unsigned int n, unsigned int p)
{
	unsigned int rank = (n * p + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

/* Op @i of a kind: even ones change, odd ones change back. */
static int one_op(const struct target *t, const struct args *a, bool edit,
		  unsigned int i)
{
	if (edit)
		return t->edit(t->priv, a, 2 + i % 2);
	if (i % 2)
		return t->replace(t->priv, a, &a->new, &a->old);
	return t->replace(t->priv, a, &a->old, &a->new);
}

static int measure(const struct target *t, const struct args *a, bool edit,
		   double *v)
{
	unsigned int i, n = a->warmup + a->count;

	/* an even total leaves the table as it was */
	n += n % 2;
	for (i = 0; i < n; i++) {
		double t0 = now_us();

		if (one_op(t, a, edit, i)) {
			fprintf(stderr, "ctlbench: %s failed: %s\n",
				edit ? "edit" : "replace", t->errmsg(t->priv));
			return -1;
		}
		if (i >= a->warmup && i - a->warmup < a->count)
			v[i - a->warmup] = now_us() - t0;
	}
	qsort(v, a->count, sizeof(*v), cmp_double);
	printf("%s %u p50 %.1f p99 %.1f\n", edit ? "edit" : "replace", a->count,
	       pct(v, a->count, 50), pct(v, a->count, 99));
	return 0;
}

/* ---- arguments ------------------------------------------------------------ */

static void parse_endpoint(const char *s, struct endpoint *e)
{
	char host[INET_ADDRSTRLEN], *end;
	const char *colon = strrchr(s, ':');
	unsigned long port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		usage();
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (inet_pton(AF_INET, host, &e->addr) != 1 || *end || !port || port > 65535)
		usage();
	e->port = (uint16_t)port;
}

static unsigned int parse_count(const char *s)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);

	if (*end || n > MAX_COUNT)
		usage();
	return (unsigned int)n;
}

/* The endpoint option @c sets, or NULL. */
static struct endpoint *endpoint_of(struct args *a, int c)
{
	switch (c) {
	case 't':
		return &a->vip;
	case 'o':
		return &a->old;
	case 'N':
		return &a->new;
	case 'e':
		return &a->edit;
	default:
		return NULL;
	}
}

static void parse_args(int argc, char **argv, struct args *a)
{
	static const char needed[] = "toNe";
	unsigned int seen = 0;
	struct endpoint *e;
	int c;

	a->count = 200;
	a->warmup = 10;
	while ((c = getopt(argc, argv, "t:o:N:e:n:w:")) != -1) {
		e = endpoint_of(a, c);
		if (e) {
			parse_endpoint(optarg, e);
			seen |= 1U << (strchr(needed, c) - needed);
		} else if (c == 'n') {
			a->count = parse_count(optarg);
		} else if (c == 'w') {
			a->warmup = parse_count(optarg);
		} else {
			usage();
		}
	}
	if (seen != 15 || !a->count || optind != argc)
		usage();
}

int main(int argc, char **argv)
{
	struct target t;
	struct args a;
	double *v;
	int err;

	if (argc < 2)
		usage();
	memset(&a, 0, sizeof(a));
	parse_args(argc - 1, argv + 1, &a);
	if (!strcmp(argv[1], "podvs"))
		err = pv_open(&t);
	else if (!strcmp(argv[1], "ipvs"))
		err = iv_open(&t);
	else
		usage();
	v = calloc(a.count, sizeof(*v));
	if (err || !v)
		return 1;
	if (measure(&t, &a, true, v) || measure(&t, &a, false, v))
		return 1;
	return 0;
}
