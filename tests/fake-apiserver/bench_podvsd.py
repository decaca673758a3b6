#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""podvsd control-plane benchmark against the fake API server.

  bench_podvsd.py --podvsd PATH [--services 10000] [--endpoints 10]
                  [--changes 200] [--dry-run] [--dir DIR]

Loads N Services x M endpoints into a fake API server, starts podvsd, and
reports:
  * full sync: seconds from podvsd's start to every dest programmed;
  * one EndpointSlice change, p50 / p99 over --changes changes:
    change_ms: from before the write request to this script seeing
      podvsd_operations_total move (includes the HTTPS write and the
      /metrics polling of this script, every millisecond);
    podvsd_ms: podvsd's own podvsd_last_change_to_kernel_seconds, from
      the watch event's arrival to the ack of the batch applying it;
  * podvsd's resident memory after the full sync, and per endpoint.
With --dry-run podvsd applies to its in-memory table instead of the
kernel (no module needed: measures podvsd itself); without it, podvsd
programs the podvs module of the current network namespace.
Prints one "key value" line per figure.
"""

import argparse
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FA = os.path.join(HERE, "fake_apiserver.py")


def ctl(d, method, path, body=None):
    port = int(open(os.path.join(d, "port")).read())
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request("https://127.0.0.1:%d%s" % (port, path),
                                 data=data, method=method)
    with urllib.request.urlopen(req, context=ctx, timeout=600) as r:
        return json.loads(r.read())


def service(i):
    a, b = divmod(i, 250)
    return {"kind": "Service", "metadata": {"name": "s%d" % i,
                                            "namespace": "bench"},
            "spec": {"type": "LoadBalancer",
                     "loadBalancerClass": "podvs.io/direct",
                     "ports": [{"name": "http", "port": 80,
                                "targetPort": 8080}]},
            "status": {"loadBalancer": {"ingress": [
                {"ip": "10.%d.%d.%d" % (100 + a // 250, a % 250, b + 1)}]}}}


def pod_ip(k):
    """The k-th Pod address: 172.16.0.1 onwards."""
    return "172.%d.%d.%d" % (16 + k // 62500 % 16, k // 250 % 250,
                             k % 250 + 1)


def slice_(i, m, gen=0):
    """Service i's slice; generation gen > 0 marks one endpoint unready."""
    eps = [{"addresses": [pod_ip(i * m + j)],
            "conditions": {"ready": gen == 0 or (j + gen) % m != 0}}
           for j in range(m)]
    return {"kind": "EndpointSlice",
            "metadata": {"name": "s%d-x" % i, "namespace": "bench",
                         "labels": {"kubernetes.io/service-name": "s%d" % i}},
            "addressType": "IPv4",
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": eps}


def metrics(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                timeout=10) as r:
        out = {}
        for line in r.read().decode().splitlines():
            if line and not line.startswith("#"):
                k, v = line.rsplit(" ", 1)
                out[k] = float(v)
        return out


def rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--podvsd", required=True)
    p.add_argument("--services", type=int, default=10000)
    p.add_argument("--endpoints", type=int, default=10)
    p.add_argument("--changes", type=int, default=200)
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--dir")
    p.add_argument("--metrics-port", type=int, default=19743)
    a = p.parse_args()
    d = a.dir or tempfile.mkdtemp(prefix="podvsd-bench-")
    fa = subprocess.Popen([sys.executable, FA, "serve", "--dir", d,
                           "--bookmark-interval", "5"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pd = None
    try:
        while not os.path.exists(os.path.join(d, "port")):
            time.sleep(0.05)
        items = []
        for i in range(a.services):
            items += [service(i), slice_(i, a.endpoints)]
        ctl(d, "POST", "/fake/objects", {"kind": "List", "items": items})
        want = a.services * a.endpoints
        args = [a.podvsd, "--kubeconfig", os.path.join(d, "kubeconfig"),
                "--metrics-address", "127.0.0.1:%d" % a.metrics_port,
                "--no-vip-link", "--node-name", "bench", "--log-level",
                "warn", "--drain-timeout", "0"]
        if a.dry_run:
            args.append("--dry-run")
        t0 = time.monotonic()
        pd = subprocess.Popen(args, stderr=subprocess.DEVNULL)
        while True:
            time.sleep(0.01)
            try:
                m = metrics(a.metrics_port)
            except OSError:
                continue
            if m.get("podvsd_programmed_dests", 0) >= want:
                break
        full = time.monotonic() - t0
        rss = rss_kib(pd.pid)
        lat, own = [], []
        for n in range(a.changes):
            before = metrics(a.metrics_port)["podvsd_operations_total"]
            i = (n * 7919) % a.services
            t = time.monotonic()
            # the event is queued to the watch when this returns
            ctl(d, "POST", "/fake/objects", slice_(i, a.endpoints, n + 1))
            while True:
                m = metrics(a.metrics_port)
                if m["podvsd_operations_total"] != before:
                    break
                time.sleep(0.001)
            lat.append((time.monotonic() - t) * 1000)
            own.append(m["podvsd_last_change_to_kernel_seconds"] * 1000)
        lat.sort()
        own.sort()
        print("services %d" % a.services)
        print("endpoints %d" % want)
        print("dry_run %d" % a.dry_run)
        print("full_sync_seconds %.2f" % full)
        print("change_ms_p50 %.2f" % lat[len(lat) // 2])
        print("change_ms_p99 %.2f" % lat[min(len(lat) - 1,
                                              len(lat) * 99 // 100)])
        print("podvsd_ms_p50 %.3f" % own[len(own) // 2])
        print("podvsd_ms_p99 %.3f" % own[min(len(own) - 1,
                                              len(own) * 99 // 100)])
        print("rss_kib %d" % rss)
        print("bytes_per_endpoint %d" % (rss * 1024 // want))
    finally:
        if pd:
            pd.send_signal(signal.SIGTERM)
            pd.wait()
        fa.terminate()
        fa.wait()


if __name__ == "__main__":
    main()
