/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Kubernetes objects podvsd reads, parsed from API JSON into plain
 * structs.  Field names follow the API reference.  A parse either returns a
 * complete object or NULL with one precise message ("spec.ports[1].port:
 * expected number, got string"); nothing half-parsed escapes.
 *
 * Each object owns an arena holding all its strings and arrays; *_free()
 * releases everything at once.
 */
#ifndef PODVSD_K8S_H
#define PODVSD_K8S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "base/addr.h"
#include "base/arena.h"
#include "k8s/k8s_json.h"

/* Label linking an EndpointSlice to its Service. */
#define K8S_LABEL_SERVICE_NAME	"kubernetes.io/service-name"
/* Longest namespace or name (DNS subdomain) + NUL. */
#define K8S_NAME_LEN		254
/* "namespace/name" + NUL */
#define K8S_KEY_LEN		(2 * K8S_NAME_LEN)

struct k8s_meta {
	const char *ns;			/* metadata.namespace */
	const char *name;		/* metadata.name */
	const char *uid;		/* metadata.uid */
	const char *resource_version;	/* metadata.resourceVersion */
	bool deleting;			/* metadata.deletionTimestamp set */
	struct k8s_kv *labels;
	size_t n_labels;
	struct k8s_kv *annotations;
	size_t n_annotations;
};

enum k8s_proto {
	K8S_PROTO_TCP,
	K8S_PROTO_UDP,
	K8S_PROTO_SCTP,
};

enum k8s_svc_type {
	K8S_SVC_CLUSTER_IP,
	K8S_SVC_NODE_PORT,
	K8S_SVC_LOAD_BALANCER,
	K8S_SVC_EXTERNAL_NAME,
};

struct k8s_service_port {
	const char *name;		/* "" when absent */
	enum k8s_proto proto;		/* default TCP */
	uint16_t port;
	uint16_t target_port;		/* numeric targetPort (default port) */
	const char *target_name;	/* named targetPort, else NULL */
};

/* ipFamilies, in order */
#define K8S_MAX_FAMILIES	2

struct k8s_service {
	struct pd_arena arena;
	struct k8s_meta meta;
	enum k8s_svc_type type;		/* spec.type, default ClusterIP */
	const char *lb_class;		/* spec.loadBalancerClass or NULL */
	struct k8s_service_port *ports;
	size_t n_ports;
	bool affinity_client_ip;	/* spec.sessionAffinity == ClientIP */
	uint32_t affinity_timeout;	/* timeoutSeconds, 0 if unset */
	struct pd_addr *external_ips;	/* spec.externalIPs */
	size_t n_external_ips;
	uint16_t families[K8S_MAX_FAMILIES];	/* spec.ipFamilies as AF_* */
	size_t n_families;
	struct pd_addr *ingress_ips;	/* status.loadBalancer.ingress[].ip */
	size_t n_ingress_ips;
	/* status.loadBalancer.ingress as JSON (hostname, ipMode, ports
	 * kept), NULL if absent: a status write appends to it */
	const char *ingress_json;
	struct k8s_kv *selector;	/* spec.selector (the webhook's match) */
	size_t n_selector;
};

enum k8s_addr_type {
	K8S_ADDR_IPV4,
	K8S_ADDR_IPV6,
	K8S_ADDR_FQDN,
};

struct k8s_endpoint {
	struct pd_addr *addrs;		/* empty for FQDN slices */
	size_t n_addrs;
	bool ready;			/* conditions.ready, nil = true */
	bool serving;			/* conditions.serving, nil = true */
	bool terminating;		/* conditions.terminating, nil = false */
	const char *target_kind;	/* targetRef, NULLs when absent */
	const char *target_ns;
	const char *target_name;
	const char *target_uid;
	const char *node_name;
	const char *zone;
};

struct k8s_slice_port {
	const char *name;		/* "" when absent */
	enum k8s_proto proto;		/* default TCP */
	uint16_t port;			/* 0: absent ("all ports") */
};

struct k8s_slice {
	struct pd_arena arena;
	struct k8s_meta meta;
	const char *service_name;	/* label; NULL: belongs to no Service */
	enum k8s_addr_type addr_type;
	struct k8s_endpoint *endpoints;
	size_t n_endpoints;
	struct k8s_slice_port *ports;
	size_t n_ports;
};

struct k8s_pod_condition {
	const char *type;
	const char *status;		/* "True", "False" or "Unknown" */
	const char *reason;		/* NULL if absent */
	const char *last_transition;	/* NULL if absent */
};

struct k8s_pod {
	struct pd_arena arena;
	struct k8s_meta meta;
	const char *node_name;		/* spec.nodeName or NULL */
	const char **gates;		/* spec.readinessGates[].conditionType */
	size_t n_gates;
	const char *phase;		/* status.phase or NULL */
	struct k8s_pod_condition *conds;	/* status.conditions */
	size_t n_conds;
	struct pd_addr *ips;		/* status.podIPs[].ip, else podIP */
	size_t n_ips;
	/* metadata.deletionGracePeriodSeconds, else
	 * spec.terminationGracePeriodSeconds, else 30 */
	long grace_s;
};

#define K8S_DEFAULT_GRACE_S	30

/* Parse; NULL with @err set on any problem. */
struct k8s_service *k8s_service_parse(const cJSON *obj, char *err,
				      size_t errlen);
struct k8s_slice *k8s_slice_parse(const cJSON *obj, char *err, size_t errlen);
struct k8s_pod *k8s_pod_parse(const cJSON *obj, char *err, size_t errlen);
void k8s_service_free(struct k8s_service *s);
void k8s_slice_free(struct k8s_slice *s);
void k8s_pod_free(struct k8s_pod *p);

/*
 * k8s_meta_parse - metadata of any object (also used alone for DELETED
 * events, which need only the key).  Requires name, namespace, uid and
 * resourceVersion as strings.
 */
int k8s_meta_parse(struct jp *jp, const cJSON *obj, struct k8s_meta *m);

/* "namespace/name" into @buf (K8S_KEY_LEN). */
const char *k8s_key(const struct k8s_meta *m, char *buf);
const char *k8s_label(const struct k8s_meta *m, const char *key);
const char *k8s_annotation(const struct k8s_meta *m, const char *key);
const char *k8s_proto_name(enum k8s_proto p);
/* The current time as the API's Time fields take it, e.g. Event
 * timestamps and condition transitions: "2026-01-02T03:04:05Z".
 */
void pd_k8s_time_now(char *buf, size_t len);

/* Hairpin SNAT client prefixes of a Service, "CIDR,..." ("": none). */
#define K8S_ANN_SNAT_FROM	"podvs.io/snat-from"

/*
 * k8s_service_snat_from - the Service's podvs.io/snat-from list into @out
 * (at most @max prefixes, both families counted).  Returns 1 with @n set
 * when the annotation is there, 0 when it is absent (@out untouched: the
 * caller's default applies), -EINVAL with @err naming the annotation.
 */
int k8s_service_snat_from(const struct k8s_service *s, struct pd_cidr *out,
			  size_t max, size_t *n, char *err, size_t errlen);

/* Shared by the parsers: "TCP", "UDP", "SCTP"; absent = TCP. */
int k8s_parse_proto(struct jp *jp, const cJSON *o, const char *path,
		    enum k8s_proto *out);
/* One IP string, of family @af (0: any). */
int k8s_parse_ip(struct jp *jp, const char *path, const char *s, uint16_t af,
		 struct pd_addr *out);

#endif /* PODVSD_K8S_H */
