#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""podvsd control-plane benchmark against the fake API server.

  bench_podvsd.py --podvsd PATH [--services 10000] [--endpoints 10]
                  [--changes 200] [--dry-run] [--health] [--dir DIR]

Runs the fake API server (fake_apiserver.py) in this process, loads N
Services x M endpoints into it, starts podvsd and reports, one "key value"
line per figure:

  full_sync_seconds     podvsd's start to every dest in the kernel (the
                        module's GET_INFO dest count, polled every 50 ms);
                        with --dry-run, to podvsd_programmed_dests
  after_list_seconds    the last list response written by the API server
                        to the same point: podvsd's own share of the above
                        (the rest is the Python API server serving JSON)
  change_ms_p50/p99     one EndpointSlice change (the next endpoint of a
                        Service turns unready, the one before ready
                        again), over --changes changes: from the moment
                        the API server starts writing the watch event into
                        podvsd's watch stream to the
                        module's multicast NOTIFY of the commit after which
                        the kernel table shows that dest drained or gone
                        (the NOTIFY goes out just before the ack of the
                        batch that made the change).  With --dry-run: to
                        this script seeing podvsd_operations_total move.
  podvsd_ms_p50/p99     podvsd's own podvsd_last_change_to_kernel_seconds
                        for the same changes: from the event's arrival in
                        podvsd to the ack of the batch applying it
  sync_ms_p50/p99       podvsd_last_sync_duration_seconds for the same
                        changes: the sync alone (recompute, diff, the
                        kernel's commit), without the batch window and
                        the wait for the event loop
  rss_kib               podvsd's resident memory after the full sync
  rss_empty_kib         the same with no objects in the API server
  bytes_per_endpoint    (rss - rss_empty) / endpoints
  sync_mem_kib          the machine's MemAvailable before podvsd's start
                        minus after the full sync: kernel tables plus
                        podvsd (without --dry-run, mostly the module's)

Without --dry-run, podvsd programs the podvs module of the current network
namespace (run it in a namespace of its own: podvsd adopts what it finds).
The Services ask for no health checks (podvs.io/health-check: none): the
Pod addresses exist nowhere (--health leaves the default TCP checks on,
to see what probing 10 dead addresses per Service costs).  On a host, run it in a network namespace of
its own all the same (`unshare -n`, loopback up): podvsd talks to the API
server on 127.0.0.1 and nothing else.
"""

import argparse
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import fake_apiserver as fa  # noqa: E402
import netlink_genl as ng  # noqa: E402

NETLINK_ADD_MEMBERSHIP = 1


class TimedHandler(fa.Handler):
    """The fake API server's handler, noting when chosen writes happen."""

    def chunk(self, data):
        srv, t = self.server, time.monotonic()
        super().chunk(data)
        key = srv.pending
        if key and data.startswith(b'{"type": "MODIFIED"') and key in data \
                and key not in srv.written:
            srv.written[key] = t

    def list(self, kind, ns, q):
        ret = super().list(kind, ns, q)
        self.server.last_list = time.monotonic()
        return ret


def start_apiserver(d):
    """The fake API server on a thread: (server, store)."""
    os.makedirs(d, exist_ok=True)
    crt, key = fa.make_certs(d)
    store = fa.Store("bench-token")
    store.token_file = os.path.join(d, "token")
    fa.write_file(store.token_file, "bench-token")
    srv = fa.Server(("127.0.0.1", 0), TimedHandler)
    srv.store, srv.verbose, srv.bookmark_interval = store, False, 5.0
    srv.pending, srv.written, srv.last_list = None, {}, 0.0
    ctx = fa.ssl.SSLContext(fa.ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    fa.write_file(os.path.join(d, "kubeconfig"), json.dumps(
        fa.kubeconfig(d, srv.server_address[1], "127.0.0.1")))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, store


def vip(i):
    a, b = divmod(i, 250)
    return "10.%d.%d.%d" % (100 + a // 250, a % 250, b + 1)


def service(i, health=False):
    # Its Pods do not exist: health checks (TCP by default) would probe
    # 10 addresses nobody has per Service every 5 s and, failing, drain
    # and undrain dests under the measured changes.  Off unless --health.
    ann = {} if health else {"podvs.io/health-check": "none"}
    return {"kind": "Service", "metadata": {"name": "s%d" % i,
                                            "namespace": "bench",
                                            "annotations": ann},
            "spec": {"type": "LoadBalancer",
                     "loadBalancerClass": "podvs.io/direct",
                     "ports": [{"name": "http", "port": 80,
                                "targetPort": 8080}]},
            "status": {"loadBalancer": {"ingress": [{"ip": vip(i)}]}}}


def pod_ip(k):
    """The k-th Pod address: 172.16.0.1 onwards."""
    return "172.%d.%d.%d" % (16 + k // 62500 % 16, k // 250 % 250,
                             k % 250 + 1)


def slice_(i, m, bad=None):
    """Service i's slice of m endpoints, endpoint bad (if any) unready."""
    eps = [{"addresses": [pod_ip(i * m + j)],
            "conditions": {"ready": j != bad}}
           for j in range(m)]
    return {"kind": "EndpointSlice",
            "metadata": {"name": "s%d-x" % i, "namespace": "bench",
                         "labels": {"kubernetes.io/service-name": "s%d" % i}},
            "addressType": "IPv4",
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": eps}


def metrics(port, timeout=10):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                timeout=timeout) as r:
        out = {}
        for line in r.read().decode().splitlines():
            if line and not line.startswith("#"):
                k, v = line.rsplit(" ", 1)
                out[k] = float(v)
        return out


def try_metrics(port):
    try:
        return metrics(port)
    except OSError:
        return {}


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def mem_available_kib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    return 0


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, len(v) * p // 100)]


class Kernel:
    """The podvs module of this netns: dest count, NOTIFYs, one service."""

    def __init__(self):
        self.ng = ng
        self.g = ng.Genl()
        self.mc = ng.Genl(rcvbuf=1 << 16)
        self.mc.sock.setsockopt(ng.SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
                                self.g.groups["changes"])
        self.mc.sock.setblocking(False)

    def dests(self):
        i = self.ng.info(self.g)
        return self.ng.get_u32(i[self.ng.INFO_DESTS])

    def drain_notifies(self):
        while True:
            try:
                self.mc.sock.recv(1 << 16)
            except BlockingIOError:
                return
            except OSError:		# ENOBUFS: we missed some, fine
                continue

    def wait_notify(self, timeout):
        """The time of the next NOTIFY, None after timeout seconds."""
        r, _, _ = select.select([self.mc.sock], [], [], timeout)
        if not r:
            return None
        t = time.monotonic()
        self.drain_notifies()
        return t

    def dests_of(self, svc_vip):
        """{(addr, port): attrs} of the dests of TCP svc_vip:80."""
        ng, out = self.ng, {}
        for _, body in self.g.cmd(ng.CMD_GET_DEST, ng.service(svc_vip, 80),
                                  dump=True):
            d = ng.parse_attrs(ng.parse_attrs(body)[ng.A_DEST])
            out[(socket.inet_ntop(socket.AF_INET, d[ng.DEST_ADDR]),
                 struct.unpack(">H", d[ng.DEST_PORT])[0])] = d
        return out

    def takes_new_flows(self, svc_vip, addr):
        ng = self.ng
        a = self.dests_of(svc_vip).get((addr, 8080))
        if a is None:
            return False
        flags = ng.get_u32(a[ng.DEST_FLAGS]) if ng.DEST_FLAGS in a else 0
        weight = ng.get_u32(a[ng.DEST_WEIGHT]) if ng.DEST_WEIGHT in a else 1
        return not flags & ng.DEST_F_DRAIN and weight > 0


class Bench:
    def __init__(self, a):
        self.a = a
        self.d = a.dir or tempfile.mkdtemp(prefix="podvsd-bench-")
        self.srv, self.st = start_apiserver(self.d)
        self.kernel = None if a.dry_run else Kernel()
        self.pd = None
        self.bad = {}		# service -> its unready endpoint

    def podvsd(self):
        args = [self.a.podvsd, "--kubeconfig",
                os.path.join(self.d, "kubeconfig"),
                "--metrics-address", "127.0.0.1:%d" % self.a.metrics_port,
                "--no-vip-link", "--node-name", "bench", "--log-level",
                "warn", "--drain-timeout", "0"]
        if self.a.dry_run:
            args.append("--dry-run")
        with open(os.path.join(self.d, "podvsd.log"), "a") as log:
            return subprocess.Popen(args, stderr=log)

    def stop(self):
        if self.pd:
            self.pd.send_signal(signal.SIGTERM)
            self.pd.wait()
            self.pd = None

    def rss_empty(self):
        """podvsd's RSS once ready with nothing to do."""
        self.pd = self.podvsd()
        while try_metrics(self.a.metrics_port).get("podvsd_ready", 0) < 1:
            time.sleep(0.05)
        time.sleep(1)
        rss = rss_kib(self.pd.pid)
        self.stop()
        return rss

    def load(self):
        with self.st.lock:
            for i in range(self.a.services):
                self.st.put(service(i, self.a.health))
                self.st.put(slice_(i, self.a.endpoints))
            self.st.compact()	# watches start after this; no history scans

    def programmed(self):
        if self.kernel:
            return self.kernel.dests()
        return try_metrics(self.a.metrics_port).get(
            "podvsd_programmed_dests", 0)

    def full_sync(self, want):
        self.mem0 = mem_available_kib()
        t0 = time.monotonic()
        self.pd = self.podvsd()
        while self.programmed() < want:
            self.alive("during the full sync")
            time.sleep(0.05)
        t1 = time.monotonic()
        return t1 - t0, t1 - self.srv.last_list

    def change(self, n):
        """One slice change: the next endpoint of a service turns unready,
        the one before (if any) ready again; (ms to the kernel, podvsd's
        own ms)."""
        m = self.a.endpoints
        i = (n * 7919) % self.a.services
        bad = (self.bad.get(i, -1) + 1) % m
        self.bad[i] = bad
        addr = pod_ip(i * m + bad)
        if self.kernel:
            self.kernel.drain_notifies()
        else:
            before = metrics(self.a.metrics_port)["podvsd_operations_total"]
        with self.st.lock:
            obj = self.st.put(slice_(i, m, bad))
            key = b'"resourceVersion": "%s"' % \
                obj["metadata"]["resourceVersion"].encode()
            self.srv.pending = key
        t = self.wait_kernel(i, addr) if self.kernel else \
            self.wait_metrics(before)
        w = self.srv.written.get(key)
        if w is None:		# podvsd got it by a list, not the watch
            return None
        m = metrics(self.a.metrics_port, 120)
        return (t - w) * 1000, \
            m["podvsd_last_change_to_kernel_seconds"] * 1000, \
            m["podvsd_last_sync_duration_seconds"] * 1000

    def alive(self, what):
        """Fail with podvsd's log tail when podvsd has exited."""
        rc = self.pd.poll()
        if rc is None:
            return
        with open(os.path.join(self.d, "podvsd.log")) as f:
            sys.stderr.writelines(f.readlines()[-20:])
        self.pd = None
        raise SystemExit("bench_podvsd: podvsd exited (%s) %s" %
                         ("signal %d" % -rc if rc < 0 else "status %d" % rc,
                          what))

    def wait_kernel(self, i, addr):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.alive("waiting for service %d's change" % i)
            t = self.kernel.wait_notify(1)
            if t and not self.kernel.takes_new_flows(vip(i), addr):
                return t
        raise SystemExit("service %d: dest %s still takes new flows after "
                         "60 s" % (i, addr))

    def wait_metrics(self, before):
        while True:
            m = metrics(self.a.metrics_port)
            if m["podvsd_operations_total"] != before:
                return time.monotonic()
            time.sleep(0.001)

    def explain(self, missed):
        """Some changes reached the kernel with no watch event written for
        them (podvsd relisted?): say so, with podvsd's warnings."""
        sys.stderr.write("bench_podvsd: %d of %d changes reached the kernel "
                         "without their watch event; left out.  podvsd's "
                         "log:\n" % (missed, self.a.changes))
        with open(os.path.join(self.d, "podvsd.log")) as f:
            sys.stderr.writelines(f.readlines()[-20:])
        if missed > self.a.changes // 2:
            raise SystemExit("bench_podvsd: too many changes without a "
                             "watch event")

    def run(self):
        a = self.a
        want = a.services * a.endpoints
        rss0 = self.rss_empty()
        self.load()
        full, after_list = self.full_sync(want)
        time.sleep(1)
        rss = rss_kib(self.pd.pid)
        mem = self.mem0 - mem_available_kib()
        lat, own, sync, missed = [], [], [], 0
        for n in range(a.changes):
            r = self.change(n)
            if r is None:
                missed += 1
            else:
                lat.append(r[0])
                own.append(r[1])
                sync.append(r[2])
            time.sleep(0.02)
        if missed:
            self.explain(missed)
        self.alive("after the changes")
        print("services %d" % a.services)
        print("endpoints %d" % want)
        print("dry_run %d" % a.dry_run)
        print("changes %d" % a.changes)
        print("changes_without_watch_event %d" % missed)
        print("full_sync_seconds %.2f" % full)
        print("after_list_seconds %.2f" % after_list)
        print("change_ms_p50 %.2f" % pct(lat, 50))
        print("change_ms_p99 %.2f" % pct(lat, 99))
        print("podvsd_ms_p50 %.2f" % pct(own, 50))
        print("podvsd_ms_p99 %.2f" % pct(own, 99))
        print("sync_ms_p50 %.2f" % pct(sync, 50))
        print("sync_ms_p99 %.2f" % pct(sync, 99))
        print("rss_kib %d" % rss)
        print("rss_empty_kib %d" % rss0)
        print("bytes_per_endpoint %d" % ((rss - rss0) * 1024 // want))
        print("sync_mem_kib %d" % mem)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--podvsd", required=True)
    p.add_argument("--services", type=int, default=10000)
    p.add_argument("--endpoints", type=int, default=10)
    p.add_argument("--changes", type=int, default=200)
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--health", action="store_true",
                   help="leave podvsd's default TCP health checks on")
    p.add_argument("--dir")
    p.add_argument("--metrics-port", type=int, default=19743)
    b = Bench(p.parse_args())
    try:
        b.run()
    finally:
        b.stop()
        b.srv.shutdown()


if __name__ == "__main__":
    main()
