#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Readiness-gate benchmark: three podvsd against the fake API server.

  bench_gate.py --podvsd PATH [--levels 100,10000] [--samples 60]
                [--quiet-secs 30] [--dir DIR] [--real-kernel]

For each level N: the fake API server (fake_apiserver.py, in this
process) holds N/10 Services x 10 gated Pods (readiness gate
podvs.io/backend-ready, containers ready, endpoints not ready as
Kubernetes keeps them until the gate is True).  Three podvsd (gateways
gw1..gw3, each with its own token so that its writes can be told apart)
start with --dry-run (the in-memory kernel; --real-kernel: the podvs
module of this network namespace, shared by the three, which is only
meaningful in a VM) and their defaults: health checks off by annotation
(the Pod addresses exist nowhere), every interval, threshold and timeout
as a user gets them.  Figures, one "key value" line each:

  initial_all_true_seconds  with --initial (every gate unset at the
                            start): the three started to every gate True;
                            by default the Pods start Ready, gate True,
                            as in a cluster that runs, and this is nan
  gate_ms_p50/p99           --samples new Pods, one a second: each is
                            created with its containers not ready, its
                            endpoint added to its Service's slice, and
                            0.5 s later its containers turn ready (a write
                            of the Pod); from that write to the write of
                            the leader's PATCH setting the gate True
  bytes_per_gw_min_quiet    API request bytes (request line, headers,
                            body) written per gateway per minute over
                            --quiet-secs with nothing changing: max and
                            mean over the three (the Lease renewals that
                            carry the report, the leader's list of them)
  bytes_per_gw_min_churn    the same over the sampling window
  report_bytes_max          the largest podvs.io/programmed annotation seen
  live_gateways             the leader's podvsd_live_gateways (2 expected)

With several levels, the ratios N_max/N_min of gate_ms_p50, gate_ms_p99
and bytes_per_gw_min_churn follow (goal: <= 1.5; a ratio, never a
verdict).  Run it in a network namespace of its own (`unshare -n`,
loopback up): podvsd then talks to 127.0.0.1 only.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fake_apiserver as fa  # noqa: E402

GATE = "podvs.io/backend-ready"
GWS = ("gw1", "gw2", "gw3")
PODS_PER_SVC = 10


class GateStore(fa.Store):
    """The store, noting when each Pod's gate is first written True."""

    def __init__(self, tokens):
        super().__init__(tokens[0])
        self.tokens = set(tokens)
        self.true_at = {}
        self.report_max = 0

    def put(self, obj, allow_create=True):
        obj = super().put(obj, allow_create)
        md = obj.get("metadata", {})
        if obj.get("kind") == "Pod":
            for c in obj.get("status", {}).get("conditions", []):
                if c.get("type") == GATE and c.get("status") == "True":
                    self.true_at.setdefault(md["name"], time.monotonic())
        elif obj.get("kind") == "Lease":
            r = (md.get("annotations") or {}).get("podvs.io/programmed")
            self.report_max = max(self.report_max, len(r or ""))
        return obj


class CountingHandler(fa.Handler):
    """The fake API server's handler, counting written bytes per token."""

    def count(self, method, path):
        super().count(method, path)
        if method == "GET":
            return
        tok = self.headers.get("Authorization", "")[7:]
        n = len(self.requestline) + len(str(self.headers)) + \
            int(self.headers.get("Content-Length") or 0)
        with self.store.lock:
            w = self.server.written
            w[tok] = w.get(tok, 0) + n


def start_apiserver(d, tokens):
    os.makedirs(d, exist_ok=True)
    crt, key = fa.make_certs(d)
    store = GateStore(tokens)
    srv = fa.Server(("127.0.0.1", 0), CountingHandler)
    srv.store, srv.verbose, srv.bookmark_interval = store, False, 5.0
    srv.written = {}
    srv.snapshot_cmd = None
    ctx = fa.ssl.SSLContext(fa.ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    for gw, tok in zip(GWS, tokens):
        fa.write_file(os.path.join(d, "token-" + gw), tok)
        kc = fa.kubeconfig(d, srv.server_address[1], "127.0.0.1")
        kc["users"][0]["user"]["tokenFile"] = os.path.join(d, "token-" + gw)
        fa.write_file(os.path.join(d, "kubeconfig-" + gw), json.dumps(kc))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, store


def vip(i):
    return "10.%d.%d.%d" % (100 + i // 62500, i // 250 % 250, i % 250 + 1)


def pod_ip(k):
    return "172.%d.%d.%d" % (16 + k // 62500 % 16, k // 250 % 250,
                             k % 250 + 1)


def service(i):
    return {"kind": "Service",
            "metadata": {"name": "s%d" % i, "namespace": "bench",
                         "annotations": {"podvs.io/health-check": "none"}},
            "spec": {"type": "LoadBalancer",
                     "loadBalancerClass": "podvs.io/direct",
                     "ports": [{"name": "http", "port": 80,
                                "targetPort": 8080}]},
            "status": {"loadBalancer": {"ingress": [{"ip": vip(i)}]}}}


def pod(k, ready, gated_true=False):
    conds = [{"type": "ContainersReady",
              "status": "True" if ready else "False"},
             {"type": "Ready", "status": "True" if gated_true else "False"}]
    if gated_true:
        conds.append({"type": GATE, "status": "True",
                      "reason": "Programmed",
                      "lastTransitionTime": "2026-01-01T00:00:00Z"})
    return {"kind": "Pod",
            "metadata": {"name": "p%d" % k, "namespace": "bench"},
            "spec": {"readinessGates": [{"conditionType": GATE}]},
            "status": {"podIP": pod_ip(k), "podIPs": [{"ip": pod_ip(k)}],
                       "conditions": conds}}


def slice_(i, ks):
    eps = [{"addresses": [pod_ip(k)],
            "conditions": {"ready": False, "serving": False},
            "targetRef": {"kind": "Pod", "namespace": "bench",
                          "name": "p%d" % k}} for k in ks]
    return {"kind": "EndpointSlice",
            "metadata": {"name": "s%d-x" % i, "namespace": "bench",
                         "labels": {"kubernetes.io/service-name": "s%d" % i}},
            "addressType": "IPv4",
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": eps}


def metrics(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                    timeout=10) as r:
            out = {}
            for line in r.read().decode().splitlines():
                if line and not line.startswith("#"):
                    k, v = line.rsplit(" ", 1)
                    out[k] = float(v)
            return out
    except OSError:
        return {}


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, len(v) * p // 100)] if v else float("nan")


class Level:
    def __init__(self, a, n, port0):
        self.a, self.n = a, n
        self.d = tempfile.mkdtemp(prefix="gate-%d-" % n, dir=a.dir)
        self.tokens = ["tok-%s-%s" % (gw, os.urandom(6).hex()) for gw in GWS]
        self.srv, self.st = start_apiserver(self.d, self.tokens)
        self.ports = [port0 + i for i in range(len(GWS))]
        self.procs = []
        self.members = {}

    def start(self, gw, port):
        args = [self.a.podvsd, "--kubeconfig",
                os.path.join(self.d, "kubeconfig-" + gw),
                "--metrics-address", "127.0.0.1:%d" % port,
                "--no-vip-link", "--node-name", gw, "--log-level", "warn"]
        if not self.a.real_kernel:
            args.append("--dry-run")
        env = dict(os.environ, POD_NAMESPACE="kube-system", POD_NAME=gw)
        log = open(os.path.join(self.d, "podvsd-%s.log" % gw), "a")
        return subprocess.Popen(args, stderr=log, env=env)

    def load(self):
        svcs = max(1, self.n // PODS_PER_SVC)
        with self.st.lock:
            for i in range(svcs):
                ks = list(range(i * PODS_PER_SVC, (i + 1) * PODS_PER_SVC))
                self.members[i] = ks
                self.st.put(service(i))
                for k in ks:
                    self.st.put(pod(k, True, not self.a.initial))
                self.st.put(slice_(i, ks))
            self.st.compact()
        self.next_pod = svcs * PODS_PER_SVC

    def written(self):
        with self.st.lock:
            return [self.srv.written.get(t, 0) for t in self.tokens]

    def alive(self):
        for gw, p in zip(GWS, self.procs):
            if p.poll() is not None:
                raise SystemExit("bench_gate: podvsd %s exited (%s); log in "
                                 "%s" % (gw, p.returncode, self.d))

    def wait_all_true(self, want, limit):
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            self.alive()
            with self.st.lock:
                if len(self.st.true_at) >= want:
                    return time.monotonic() - t0
            time.sleep(0.2)
        return float("nan")

    def wait_live(self):
        t0 = time.monotonic()
        while time.monotonic() - t0 < 300:
            self.alive()
            if max(metrics(p).get("podvsd_live_gateways", 0)
                   for p in self.ports) >= len(GWS) - 1:
                return
            time.sleep(0.5)
        raise SystemExit("bench_gate: the leader never counted the other "
                         "gateways; logs in %s" % self.d)

    def per_min(self, before, after, secs):
        v = [(b - a) * 60.0 / secs for a, b in zip(before, after)]
        return max(v), sum(v) / len(v)

    def sample(self, j):
        """A new Pod in Service j's slice; its containers turn ready 0.5 s
        later.  Returns the Pod's name and the time of that write."""
        i = j * 7919 % len(self.members)
        k = self.next_pod
        self.next_pod += 1
        with self.st.lock:
            self.st.put(pod(k, False))
            self.members[i].append(k)
            self.st.put(slice_(i, self.members[i]))
        time.sleep(0.5)
        with self.st.lock:
            self.st.put(pod(k, True))
            return "p%d" % k, time.monotonic()

    def run(self):
        a = self.a
        self.load()
        t0 = time.monotonic()
        self.procs = [self.start(gw, p) for gw, p in zip(GWS, self.ports)]
        initial = self.wait_all_true(self.n, 900) if self.a.initial \
            else float("nan")
        if not self.a.initial:	# up: every report in, the leader decided
            self.wait_live()
        time.sleep(5)		# the last patches settle
        w0, q0 = self.written(), time.monotonic()
        time.sleep(a.quiet_secs)
        quiet = self.per_min(w0, self.written(), time.monotonic() - q0)
        w1, c0 = self.written(), time.monotonic()
        flips = []
        for j in range(a.samples):
            t = time.monotonic()
            flips.append(self.sample(j))
            self.alive()
            time.sleep(max(0, 1.0 - (time.monotonic() - t)))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with self.st.lock:
                if all(n in self.st.true_at for n, _ in flips):
                    break
            time.sleep(0.2)
        churn = self.per_min(w1, self.written(), time.monotonic() - c0)
        with self.st.lock:
            lat = [(self.st.true_at[n] - t) * 1000 for n, t in flips
                   if n in self.st.true_at]
        live = max(metrics(p).get("podvsd_live_gateways", 0)
                   for p in self.ports)
        res = {"gated_pods": self.n, "initial_all_true_seconds": initial,
               "gate_ms_p50": pct(lat, 50), "gate_ms_p99": pct(lat, 99),
               "samples_true": len(lat), "samples": a.samples,
               "bytes_per_gw_min_quiet_max": quiet[0],
               "bytes_per_gw_min_quiet_mean": quiet[1],
               "bytes_per_gw_min_churn_max": churn[0],
               "bytes_per_gw_min_churn_mean": churn[1],
               "report_bytes_max": self.st.report_max,
               "live_gateways": live,
               "started_to_end_seconds": time.monotonic() - t0}
        return res

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        self.srv.shutdown()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--podvsd", required=True)
    p.add_argument("--levels", default="100,10000")
    p.add_argument("--samples", type=int, default=60)
    p.add_argument("--quiet-secs", type=int, default=30)
    p.add_argument("--dir")
    p.add_argument("--real-kernel", action="store_true")
    p.add_argument("--initial", action="store_true",
                   help="start with every gate unset and time the first "
                   "rollout (one PATCH per Pod at once)")
    p.add_argument("--metrics-port", type=int, default=19750)
    a = p.parse_args()
    levels = [int(x) for x in a.levels.split(",")]
    results = []
    for n in levels:
        lv = Level(a, n, a.metrics_port)
        try:
            r = lv.run()
        finally:
            lv.stop()
        results.append(r)
        for k, v in r.items():
            print("gate %d %s %s" % (n, k, "%.2f" % v
                                      if isinstance(v, float) else v))
        sys.stdout.flush()
        time.sleep(2)
    if len(results) > 1:
        lo, hi = results[0], results[-1]
        for k in ("gate_ms_p50", "gate_ms_p99", "bytes_per_gw_min_churn_max",
                  "bytes_per_gw_min_quiet_max"):
            print("gate ratio %d/%d %s %.2f" % (
                hi["gated_pods"], lo["gated_pods"], k,
                hi[k] / lo[k] if lo[k] else float("nan")))


if __name__ == "__main__":
    main()
