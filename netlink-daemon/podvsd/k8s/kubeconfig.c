// SPDX-License-Identifier: GPL-2.0
/* In-cluster configuration and kubeconfig (JSON or YAML) loading. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <gnutls/gnutls.h>

#include "k8s/kubeconfig.h"
#include "k8s/yaml.h"

#define MAX_FILE	(4 << 20)

int pd_read_file(const char *path, size_t max, struct pd_blob *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;
	size_t got = 0;

	b->data = NULL;
	b->len = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || (size_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	b->data = malloc(st.st_size + 1);
	if (!b->data) {
		close(fd);
		return -ENOMEM;
	}
	while ((n = read(fd, b->data + got, st.st_size - got)) > 0)
		got += n;
	close(fd);
	if (n < 0) {
		free(b->data);
		b->data = NULL;
		return -EIO;
	}
	b->data[got] = '\0';
	b->len = got;
	return 0;
}

static void blob_free(struct pd_blob *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

void pd_kube_config_fini(struct pd_kube_config *c)
{
	blob_free(&c->ca);
	blob_free(&c->cert);
	blob_free(&c->key);
	free(c->token);
	memset(c, 0, sizeof(*c));
}

int pd_kube_read_token(const char *path, char **token, char *err,
		       size_t errlen)
{
	struct pd_blob b;
	int ret = pd_read_file(path, 64 << 10, &b);

	if (ret) {
		snprintf(err, errlen, "reading token %s: %s", path,
			 strerror(-ret));
		return ret;
	}
	while (b.len && strchr(" \t\r\n", b.data[b.len - 1]))
		b.data[--b.len] = '\0';
	if (!b.len) {
		free(b.data);
		snprintf(err, errlen, "token file %s is empty", path);
		return -EINVAL;
	}
	free(*token);
	*token = b.data;
	return 0;
}

static int load_file(const char *what, const char *path, struct pd_blob *b,
		     char *err, size_t errlen)
{
	int ret = pd_read_file(path, MAX_FILE, b);

	if (ret)
		snprintf(err, errlen, "reading %s %s: %s", what, path,
			 strerror(-ret));
	return ret;
}

int pd_kube_incluster(struct pd_kube_config *c, const char *sa_dir,
		      char *err, size_t errlen)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	char path[PATH_MAX];
	struct pd_blob ns;
	int ret;

	memset(c, 0, sizeof(*c));
	sa_dir = sa_dir ?: PD_SA_DIR;
	if (!host || !*host || !port || !*port) {
		snprintf(err, errlen, "not running in a cluster "
			 "(KUBERNETES_SERVICE_HOST/PORT unset): use "
			 "--kubeconfig");
		return -ENOENT;
	}
	snprintf(c->server, sizeof(c->server),
		 strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s",
		 host, port);
	snprintf(c->token_file, sizeof(c->token_file), "%s/token", sa_dir);
	snprintf(path, sizeof(path), "%s/ca.crt", sa_dir);
	ret = load_file("CA", path, &c->ca, err, errlen);
	ret = ret ?: pd_kube_read_token(c->token_file, &c->token, err, errlen);
	if (ret) {
		pd_kube_config_fini(c);
		return ret;
	}
	snprintf(path, sizeof(path), "%s/namespace", sa_dir);
	if (!pd_read_file(path, sizeof(c->ns) - 1, &ns)) {
		snprintf(c->ns, sizeof(c->ns), "%.*s", (int)strcspn(ns.data,
			 "\r\n"), ns.data);
		blob_free(&ns);
	}
	return 0;
}

/* ---- kubeconfig ------------------------------------------------------- */

struct kc {
	const char *path;	/* the kubeconfig */
	char dir[PATH_MAX];	/* its directory */
	char *err;
	size_t errlen;
};

static int kc_fail(struct kc *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int kc_fail(struct kc *k, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(k->err, k->errlen, "kubeconfig %s: ", k->path);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < k->errlen)
		vsnprintf(k->err + n, k->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * The entry of list @list (clusters, contexts, users) whose "name" is
 * @name: its member @member (cluster, context, user) in *@out.
 */
static int named(struct kc *k, const cJSON *root, const char *list,
		 const char *name, const char *member, const cJSON **out)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, list), *e;

	if (arr && !cJSON_IsArray(arr) && !cJSON_IsNull(arr))
		return kc_fail(k, "%s is not a list", list);
	cJSON_ArrayForEach(e, arr) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "name");

		if (!cJSON_IsString(n) || strcmp(n->valuestring, name))
			continue;
		*out = cJSON_GetObjectItemCaseSensitive(e, member);
		if (cJSON_IsObject(*out))
			return 0;
		return kc_fail(k, "%s entry '%s' has no %s mapping", list,
			       name, member);
	}
	return kc_fail(k, "no %s entry named '%s'", list, name);
}

/*
 * The string @key of @o (what: "cluster 'k1'") in *@out; NULL when absent,
 * null or empty.  A value of another type is an error naming the key.
 */
static int get_str(struct kc *k, const cJSON *o, const char *what,
		   const char *key, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return kc_fail(k, "%s: %s is not a string", what, key);
	if (*v->valuestring)
		*out = v->valuestring;
	return 0;
}

static int resolve(struct kc *k, const char *p, char *out, size_t len)
{
	int n = p[0] == '/' ? snprintf(out, len, "%s", p) :
		snprintf(out, len, "%s/%s", k->dir, p);

	if (n < 0 || (size_t)n >= len)
		return kc_fail(k, "path too long: %.64s...", p);
	return 0;
}

static int b64(struct kc *k, const char *what, const char *field,
	       const char *s, struct pd_blob *b)
{
	gnutls_datum_t in = { (unsigned char *)s, strlen(s) }, out;

	if (gnutls_base64_decode2(&in, &out) < 0)
		return kc_fail(k, "%s: %s is not valid base64", what, field);
	b->data = malloc(out.size + 1);
	if (!b->data) {
		gnutls_free(out.data);
		return -ENOMEM;
	}
	memcpy(b->data, out.data, out.size);
	b->data[out.size] = '\0';
	b->len = out.size;
	gnutls_free(out.data);
	return 0;
}

/* "<field>-data" (base64) or "<field>" (a path). */
static int pem(struct kc *k, const cJSON *o, const char *what,
	       const char *field, struct pd_blob *b)
{
	char key[64], path[PATH_MAX];
	const char *v;
	int ret;

	snprintf(key, sizeof(key), "%s-data", field);
	ret = get_str(k, o, what, key, &v);
	if (ret || v)
		return ret ?: b64(k, what, key, v, b);
	ret = get_str(k, o, what, field, &v);
	if (ret || !v)
		return ret;
	if (resolve(k, v, path, sizeof(path)))
		return -EINVAL;
	return load_file(field, path, b, k->err, k->errlen);
}

static int load_cluster(struct kc *k, const cJSON *cl, const char *name,
			struct pd_kube_config *c)
{
	const cJSON *ins = cJSON_GetObjectItemCaseSensitive(
		cl, "insecure-skip-tls-verify");
	const char *server;
	char what[300];
	int ret;

	snprintf(what, sizeof(what), "cluster '%s'", name);
	ret = get_str(k, cl, what, "server", &server);
	if (ret)
		return ret;
	if (!server)
		return kc_fail(k, "%s has no server", what);
	if (strncmp(server, "https://", 8))
		return kc_fail(k, "%s: server '%s' is not https://", what,
			       server);
	snprintf(c->server, sizeof(c->server), "%s", server);
	if (ins && !cJSON_IsBool(ins) && !cJSON_IsNull(ins))
		return kc_fail(k, "%s: insecure-skip-tls-verify is not true "
			       "or false", what);
	c->insecure = cJSON_IsTrue(ins);
	return pem(k, cl, what, "certificate-authority", &c->ca);
}

static int load_token(struct kc *k, const cJSON *u, const char *what,
		      struct pd_kube_config *c)
{
	const char *tok, *tf;
	int ret;

	ret = get_str(k, u, what, "token", &tok);
	ret = ret ?: get_str(k, u, what, "tokenFile", &tf);
	if (ret)
		return ret;
	if (tok) {
		c->token = strdup(tok);
		return c->token ? 0 : -ENOMEM;
	}
	if (tf) {
		if (resolve(k, tf, c->token_file, sizeof(c->token_file)))
			return -EINVAL;
		return pd_kube_read_token(c->token_file, &c->token, k->err,
					  k->errlen);
	}
	if (!c->cert.len)
		return kc_fail(k, "%s has no token, tokenFile or client "
			       "certificate", what);
	return 0;
}

static int load_user(struct kc *k, const cJSON *u, const char *name,
		     struct pd_kube_config *c)
{
	char what[300];
	int ret;

	snprintf(what, sizeof(what), "user '%s'", name);
	ret = pem(k, u, what, "client-certificate", &c->cert);
	ret = ret ?: pem(k, u, what, "client-key", &c->key);
	if (ret)
		return ret;
	if (!c->cert.len != !c->key.len)
		return kc_fail(k, "%s has a client certificate without a "
			       "key, or a key without a certificate", what);
	return load_token(k, u, what, c);
}

/* The current context's names: cluster, user and namespace. */
static int context_names(struct kc *k, const cJSON *root, const char *cur,
			 const char **cl, const char **user, const char **ns)
{
	const cJSON *ctx;
	char what[300];
	int ret;

	ret = named(k, root, "contexts", cur, "context", &ctx);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "context '%s'", cur);
	ret = get_str(k, ctx, what, "cluster", cl);
	ret = ret ?: get_str(k, ctx, what, "user", user);
	ret = ret ?: get_str(k, ctx, what, "namespace", ns);
	if (ret)
		return ret;
	if (!*cl || !*user)
		return kc_fail(k, "%s lacks cluster or user", what);
	return 0;
}

static int load_context(struct kc *k, const cJSON *root,
			struct pd_kube_config *c)
{
	const char *cur, *cl, *user, *ns;
	const cJSON *cluster, *u;
	int ret;

	ret = get_str(k, root, "top level", "current-context", &cur);
	if (ret)
		return ret;
	if (!cur)
		return kc_fail(k, "no current-context");
	ret = context_names(k, root, cur, &cl, &user, &ns);
	if (ret)
		return ret;
	snprintf(c->ns, sizeof(c->ns), "%s", ns ?: "default");
	ret = named(k, root, "clusters", cl, "cluster", &cluster);
	ret = ret ?: named(k, root, "users", user, "user", &u);
	ret = ret ?: load_cluster(k, cluster, cl, c);
	return ret ?: load_user(k, u, user, c);
}

int pd_kube_kubeconfig(struct pd_kube_config *c, const char *path,
		       char *err, size_t errlen)
{
	struct kc k = { .path = path, .err = err, .errlen = errlen };
	char tmp[PATH_MAX];
	struct pd_blob b;
	cJSON *root;
	int ret;

	memset(c, 0, sizeof(*c));
	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(k.dir, sizeof(k.dir), "%s", dirname(tmp));
	ret = load_file("kubeconfig", path, &b, err, errlen);
	if (ret)
		return ret;
	root = cJSON_ParseWithLength(b.data, b.len);
	if (!root) {
		char why[256];

		root = pd_yaml_parse(b.data, why, sizeof(why));
		if (!root) {
			free(b.data);
			return kc_fail(&k, "%s", why);
		}
	}
	free(b.data);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return kc_fail(&k, "not a mapping at the top");
	}
	ret = load_context(&k, root, c);
	cJSON_Delete(root);
	if (ret)
		pd_kube_config_fini(c);
	return ret;
}
