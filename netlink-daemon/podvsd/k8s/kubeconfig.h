/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How podvsd reaches the API server: in-cluster service account, or a
 * kubeconfig file's current context.
 *
 * In-cluster: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT,
 * CA <sa>/ca.crt, token <sa>/token (re-read every minute and after a 401:
 * bound tokens rotate), namespace <sa>/namespace.
 *
 * Kubeconfig: the current context's cluster (server, certificate-authority
 * or -data, insecure-skip-tls-verify) and user (token, tokenFile,
 * client-certificate(-data), client-key(-data)); relative paths are
 * relative to the file's directory.  The file is JSON, or YAML (libyaml,
 * see yaml.h).  Errors name the file and the entry and key at fault
 * ("kubeconfig /x: cluster 'k1': server is not a string").
 */
#ifndef PODVSD_KUBECONFIG_H
#define PODVSD_KUBECONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define PD_SA_DIR	"/var/run/secrets/kubernetes.io/serviceaccount"

struct pd_blob {
	char *data;
	size_t len;
};

struct pd_kube_config {
	char server[512];		/* "https://host:port" */
	struct pd_blob ca;		/* PEM; empty: system CAs */
	struct pd_blob cert;		/* client certificate PEM */
	struct pd_blob key;		/* client key PEM */
	char *token;			/* static bearer token */
	char token_file[PATH_MAX];	/* re-read periodically; "" if none */
	bool insecure;			/* insecure-skip-tls-verify */
	char ns[254];			/* default namespace */
};

/* @sa_dir: NULL for PD_SA_DIR. */
int pd_kube_incluster(struct pd_kube_config *c, const char *sa_dir,
		      char *err, size_t errlen);
int pd_kube_kubeconfig(struct pd_kube_config *c, const char *path,
		       char *err, size_t errlen);
void pd_kube_config_fini(struct pd_kube_config *c);

/*
 * pd_kube_read_token - (re-)read the token file into *@token (replacing
 * it, trailing whitespace trimmed).  0, or -errno with @err set.
 */
int pd_kube_read_token(const char *path, char **token, char *err,
		       size_t errlen);

/* Read a whole file (at most @max bytes), NUL-terminated. */
int pd_read_file(const char *path, size_t max, struct pd_blob *b);

#endif /* PODVSD_KUBECONFIG_H */
