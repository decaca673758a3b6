#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the RAW/NOTE lines of tests/bench/guest.sh into the ratio table.

    report.py GUEST-OUTPUT...

Interleaved figures are compared round by round: the k-th figure of a
setup and the k-th of another come from the same round, a few seconds
apart, so their ratio is free of the host's slower drifts.  A ratio is the
median of those per-round ratios, followed by their interquartile range in
brackets (the spread a reader should trust it to).  Single figures (a full
control-plane load) are compared directly; repeated ones (a single
control-plane change) by their medians.

Rates: podvs/X above 1 means podvs did more.  Times and latencies: podvs/X
below 1 means podvs took less ("N.Nx faster" is X/podvs).  Absolute values
appear only in the raw section: TCG-VM figures on a shared host, meaningful
only relative to each other within one boot.
"""
import statistics
import sys
from collections import defaultdict

NAMES = {"ipvs": "IPVS", "iptables": "iptables", "nft": "nft", "routed": "routed"}


def parse(paths):
    """The RAW and NOTE lines of one or more guest outputs (sections of
    separate runs; a section should come from one run only)."""
    data, notes = defaultdict(list), []
    for line in lines(paths):
        line = line.strip()
        if line.startswith("RAW "):
            w = line.split()
            if len(w) != 6:
                continue
            try:
                data[(w[1], w[2], w[3], int(w[4]))].append(float(w[5]))
            except ValueError:
                continue
        elif line.startswith("NOTE "):
            notes.append(line[5:])
    return data, notes


def lines(paths):
    for path in paths:
        with open(path, errors="replace") as f:
            yield from f


def quartiles(v):
    if len(v) < 2:
        return None
    q = statistics.quantiles(v, n=4, method="inclusive")
    return q[0], q[2]


class Report:
    def __init__(self, data, notes):
        self.data, self.notes, self.lines = data, notes, []

    def out(self, s=""):
        self.lines.append(s)

    def has(self, sec):
        return any(k[0] == sec for k in self.data)

    def med(self, sec, metric, setup, level):
        v = self.data.get((sec, metric, setup, level))
        return statistics.median(v) if v else None

    def paired(self, sec, metric, a, b, level, lb=None):
        """Per-round ratios a/b at level (b at level lb if given)."""
        va = self.data.get((sec, metric, a, level), [])
        vb = self.data.get((sec, metric, b, level if lb is None else lb), [])
        return [x / y for x, y in zip(va, vb) if y]

    @staticmethod
    def fmt_rate(r):
        if not r:
            return "n/a"
        q = quartiles(r)
        m = statistics.median(r)
        return f"{m:.2f}" + (f" [{q[0]:.2f}-{q[1]:.2f}]" if q else "")

    @staticmethod
    def fmt_time(a, b):
        if not a or not b:
            return "n/a"
        r = a / b
        return f"{r:.3f} ({1 / r:.1f}x faster)" if r <= 1 else f"{r:.2f} ({r:.1f}x slower)"

    def fmt_time_paired(self, r):
        if not r:
            return "n/a"
        m = statistics.median(r)
        q = quartiles(r)
        s = self.fmt_time(m, 1)
        return s + (f" [{q[0]:.2f}-{q[1]:.2f}]" if q else "")

    def table(self, head, rows):
        w = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
        fmt = "  ".join(f"{{:<{n}}}" for n in w)
        self.out("  " + fmt.format(*head).rstrip())
        for r in rows:
            self.out("  " + fmt.format(*r).rstrip())
        self.out()

    # ---- sections ----

    def dataplane(self):
        if not self.has("dp"):
            return
        self.out("(a) UDP packet rate through the gateway (18-byte datagrams, 64 source")
        self.out("    ports on 8 addresses), (b) new TCP connections/s (SYN, SYN-ACK, ACK,")
        self.out("    RST; 32 in flight); 1 service, 2 Pods, each setup in its own chain.")
        others = ["ipvs", "iptables", "nft", "routed"]
        head = ["metric"] + [f"podvs/{NAMES[o]}" for o in others] + ["routed-podvs/routed"]
        rows = []
        for metric, name in (("udp_pps", "(a) UDP packets/s"), ("tcp_cps", "(b) TCP conns/s")):
            rows.append([name] + [self.fmt_rate(self.paired("dp", metric, "podvs", o, 1))
                                  for o in others] +
                        [self.fmt_rate(self.paired("idle", metric, "routed-podvs",
                                                   "routed", 1))])
        self.table(head, rows)
        self.out("  podvs.ko is loaded during (a) and (b) (it hooks every namespace).")
        self.out("  routed: no load balancer, straight to a Pod (the floor of this VM).")
        self.out("  routed-podvs/routed: that path with podvs.ko loaded vs unloaded,")
        self.out("  alternated, before any flow went through podvs: what the module costs")
        self.out("  traffic that is for no VIP.")
        self.out()

    def scale_levels(self, metric):
        return sorted({k[3] for k in self.data if k[0] == "scale" and k[1] == metric})

    def scale_ratio_to_one(self, metric, s, lv):
        if s in ("podvs", "ipvs"):
            return self.fmt_rate(self.paired("scale", metric, s, f"{s}-1", lv))
        v, v1 = self.med("scale", metric, s, lv), self.med("dp", metric, s, 1)
        return f"{v / v1:.2f}*" if v and v1 else "-"

    def scale(self):
        if not self.has("scale"):
            return
        self.out("(c) the same with many services configured.  podvs and IPVS grow in")
        self.out("    gateways of their own while the 1-service ones are measured in the")
        self.out("    same rounds; iptables and nft are reloaded at each size (the measured")
        self.out("    service in the middle of kube-proxy's KUBE-SERVICES chain).")
        setups = ["podvs", "ipvs", "iptables", "nft"]
        for metric, name in (("udp_pps", "UDP packets/s"), ("tcp_cps", "TCP conns/s")):
            head = [name, "services"] + [f"{s}(L)/{s}(1)".replace("ipvs", "IPVS")
                                         for s in setups] + \
                   [f"podvs/{NAMES[s]}" for s in setups[1:]]
            rows = []
            for lv in self.scale_levels(metric):
                row = ["", str(lv)]
                row += [self.scale_ratio_to_one(metric, s, lv)
                        if self.med("scale", metric, s, lv) else "-" for s in setups]
                row += [self.fmt_rate(self.paired("scale", metric, "podvs", s, lv))
                        for s in setups[1:]]
                rows.append(row)
            self.table(head, rows)
        self.out("  '-': not loaded at that size (see the notes); '*': against the")
        self.out("  1-service figure of (a)/(b), not paired by round.")
        self.out()

    def nodeport(self):
        if not self.has("np"):
            return
        self.out("(d) wrk against HTTP servers in the Pods, both through podvs on the")
        self.out("    gateway: direct to the Pods vs to a node netns doing kube-proxy")
        self.out("    NodePort DNAT + MASQUERADE, then to the Pods.  direct/nodeport:")
        rows = []
        for c in sorted({k[3] for k in self.data if k[0] == "np"}):
            cs = f"{c} connection{'s' if c > 1 else ''}"
            for metric, name in (("lat_p50_us", "latency p50"), ("lat_avg_us", "latency avg"),
                                 ("lat_p99_us", "latency p99")):
                rows.append([f"{name}, {cs}",
                             self.fmt_time_paired(self.paired("np", metric, "direct",
                                                              "nodeport", c))])
            rows.append([f"requests/s, {cs}",
                         self.fmt_rate(self.paired("np", "rps", "direct", "nodeport", c))])
        self.table(["metric", "direct/nodeport"], rows)

    def load_ratio(self, n, o):
        """podvs/o full load at n: per round when both ran in rounds."""
        r = self.paired("ctl", "load_ms", "podvs", o, n)
        if len(r) > 1:
            return self.fmt_time_paired(r) + f", {len(r)} rounds"
        return self.fmt_time(self.med("ctl", "load_ms", "podvs", n),
                             self.med("ctl", "load_ms", o, n))

    def control_loads(self, big, rows):
        for n in big:
            p = self.med("ctl", "load_ms", "podvs", n)
            for o, name in (("ipvs", "ipvsadm -R"), ("iptables-nft", "iptables-nft-restore"),
                            ("iptables-legacy", "iptables-legacy-restore"), ("nft", "nft -f")):
                if self.med("ctl", "load_ms", o, n):
                    rows.append([f"full load, {n} services", f"podvsadm -R / {name}",
                                 self.load_ratio(n, o)])
            if self.med("ctl", "load_ms", "podvs-m65537", n):
                rows.append([f"full load, {n} services", "podvs M=65537 / podvs M=4093",
                             self.fmt_time(self.med("ctl", "load_ms", "podvs-m65537", n), p)])
            pm, im = self.med("ctl", "mem_kb", "podvs", n), self.med("ctl", "mem_kb", "ipvs", n)
            if pm and im:
                rows.append([f"kernel memory, {n} services", "podvs / IPVS",
                             f"{pm / im:.2f}"])
            mm = self.med("ctl", "mem_kb", "podvs-m65537", n)
            if pm and mm:
                rows.append([f"kernel memory, {n} services", "podvs M=65537 / podvs M=4093",
                             f"{mm / pm:.2f}"])

    def control_changes(self, big, rows):
        for n in big:
            p = self.med("ctl", "replace_ms", "podvs", n)
            for o, name in (("ipvs", "ipvsadm -R (2 lines)"),
                            ("iptables-nft", "iptables-nft-restore --noflush"),
                            ("iptables-legacy", "iptables-legacy-restore --noflush"),
                            ("nft", "nft -f (transaction)")):
                if self.med("ctl", "replace_ms", o, n):
                    rows.append([f"replace 1 endpoint, {n} present",
                                 f"podvsadm -R (2 lines) / {name}",
                                 self.fmt_time(p, self.med("ctl", "replace_ms", o, n))])
            rows.append([f"edit 1 weight, {n} present", "podvsadm -e / ipvsadm -e",
                         self.fmt_time(self.med("ctl", "edit_ms", "podvs", n),
                                       self.med("ctl", "edit_ms", "ipvs", n))])
        for n in big:
            for o in ("podvs", "ipvs", "iptables-nft", "iptables-legacy", "nft"):
                if self.med("ctl", "replace_ms", o, n):
                    rows.append([f"replace 1 endpoint, {n} vs 1 present", f"{o}({n})/{o}(1)",
                                 self.fmt_time(self.med("ctl", "replace_ms", o, n),
                                               self.med("ctl", "replace_ms", o, 1))])
            for o in ("podvs", "ipvs"):
                rows.append([f"edit 1 weight, {n} vs 1 present", f"{o}({n})/{o}(1)",
                             self.fmt_time(self.med("ctl", "edit_ms", o, n),
                                           self.med("ctl", "edit_ms", o, 1))])

    def control_inproc(self, rows):
        """ctlbench: changes timed inside one process, N vs 1 per round."""
        levels = sorted({k[3] for k in self.data
                         if k[0] == "ctl" and k[1].startswith("inproc_")} - {1})
        for n in levels:
            for kind, name in (("edit", "edit 1 weight"), ("replace", "replace 1 endpoint")):
                for q in ("p50", "p99"):
                    m = f"inproc_{kind}_{q}_us"
                    for o, oname in (("podvs", "podvs"), ("ipvs", "IPVS")):
                        r = self.paired("ctl", m, o, o, n, lb=1)
                        if r:
                            rows.append([f"{name} in-process {q}, {n} vs 1",
                                         f"{oname}({n})/{oname}(1)", self.fmt_rate(r)])
                    r = self.paired("ctl", m, "podvs", "ipvs", n)
                    if r:
                        rows.append([f"{name} in-process {q}, {n} present", "podvs/IPVS",
                                     self.fmt_time_paired(r)])

    def control(self):
        if not self.has("ctl"):
            return
        self.out("Control plane: N services x 10 dests (podvs and IPVS: mh, M=4093 both;")
        self.out("podvs M=65537 is its default).  A single change as a tool run is one")
        self.out("process (median of its repetitions), which under TCG is mostly process")
        self.out("start.  In-process: tests/bench/ctlbench.c times the netlink round trips")
        self.out("alone (podvs: SET_DEST, or DEL+NEW_DEST in one batch; IPVS: SET_DEST, or")
        self.out("DEL_DEST then NEW_DEST as ipvsadm -R sends them), p50/p99 of its")
        self.out("repetitions; X(N)/X(1) is the median of per-round ratios [IQR], about")
        self.out("1.00 when the change does not grow with the table.")
        big = sorted({k[3] for k in self.data if k[0] == "ctl"} - {1})
        rows = []
        self.control_loads(big, rows)
        self.control_changes(big, rows)
        self.control_inproc(rows)
        self.table(["operation", "ratio", "value"], rows)

    def podvsd(self):
        if not self.has("podvsd"):
            return
        levels = sorted({k[3] for k in self.data if k[0] == "podvsd"})

        def v(key, n):
            return self.med("podvsd", key, "podvsd", n)

        self.out("podvsd programming the real module from the fake API server (Python,")
        self.out("in the guest) holding N Services x 10 endpoints, mh scheduler (M=65537,")
        self.out("podvs's default).  Absolute TCG figures, then the ratios across sizes.")
        head = ["services", "full sync", "after last list", "change p50", "change p99",
                "podvsd p50", "podvsd p99", "podvsd RSS", "bytes/endpoint", "guest mem"]
        rows = []
        for n in levels:
            if v("full_sync_seconds", n) is None:
                continue
            rows.append([str(n), f"{v('full_sync_seconds', n):.1f} s",
                         f"{v('after_list_seconds', n):.1f} s",
                         f"{v('change_ms_p50', n):.1f} ms", f"{v('change_ms_p99', n):.1f} ms",
                         f"{v('podvsd_ms_p50', n):.1f} ms", f"{v('podvsd_ms_p99', n):.1f} ms",
                         f"{v('rss_kib', n) / 1024:.1f} MiB",
                         f"{v('bytes_per_endpoint', n):.0f}",
                         f"{v('sync_mem_kib', n) / 1024:.0f} MiB"])
        self.table(head, rows)
        for n in levels:
            miss = v("changes_without_watch_event", n)
            if miss:
                self.out(f"  {n} services: {miss:.0f} of {v('changes', n):.0f} changes reached the "
                         "kernel with no watch event")
                self.out("  written for them (podvsd relisted); left out of the percentiles.")
        self.out("  full sync: podvsd's start to every dest in the kernel (GET_INFO).  after")
        self.out("  last list: from the API server's last list response to the same point.")
        self.out("  change: the next endpoint of one Service turns unready (the previous")
        self.out("  one ready again); from the start of the API server's write of the watch")
        self.out("  event into podvsd's stream to the module's NOTIFY of the commit after")
        self.out("  which that dest takes no new flows (the NOTIFY precedes the batch's ack")
        self.out("  by microseconds).  podvsd p50/p99: podvsd's own measure, event arrival")
        self.out("  to ack.  bytes/endpoint: podvsd RSS growth over an idle podvsd, per")
        self.out("  endpoint.  guest mem: MemAvailable drop over the sync (kernel tables")
        self.out("  + podvsd).")
        if len(levels) >= 2 and v("change_ms_p50", levels[0]) and v("change_ms_p50", levels[-1]):
            lo, hi = levels[0], levels[-1]
            rows = []
            for key, name in (("change_ms_p50", "change p50"), ("change_ms_p99", "change p99"),
                              ("full_sync_seconds", "full sync"),
                              ("after_list_seconds", "full sync after last list"),
                              ("bytes_per_endpoint", "bytes/endpoint")):
                a, b = v(key, hi), v(key, lo)
                rows.append([name, f"{a / b:.2f}" if a and b else "n/a"])
            self.out()
            self.table(["metric", f"{hi} services / {lo} services ({hi // lo}x the objects)"],
                       rows)
        self.out()

    def failover(self):
        if not self.has("failover"):
            return
        bfd = self.med("failover", "bfd_ms", "all", 0) or 100
        mult = self.med("failover", "bfd_mult", "all", 0) or 3
        self.out("Failover (one gateway of 3 killed under traffic; router ECMP + BFD "
                 f"{bfd:.0f} ms x {mult:.0f})")
        rows = []
        for e in ("podvs", "ipvs"):
            def v(k):
                return self.med("failover", k, e, 0)
            if v("long") is None:
                continue
            rec = v("recover_ms")
            rows.append([NAMES.get(e, e),
                         f"{v('long_broken'):.0f} of {v('long'):.0f}",
                         f"{v('new_failed'):.0f} of {v('new'):.0f}",
                         f"{rec:.0f} ms = {rec / bfd:.1f}x" if rec is not None else "n/a",
                         f"{v('udp_moved'):.0f} of {v('udp_flows'):.0f}, {v('udp_lost'):.0f} lost"])
        self.table(["setup", "long-lived broken", "new conns failed",
                    "recovery (x BFD interval)",
                    "UDP flows moved, queries lost"], rows)
        self.out("  podvs: podvsd per gateway, replies through any gateway (ECMP on the Pod")
        self.out("  side, reverse translation).  IPVS: NAT, mh, no sync daemon, masquerading")
        self.out("  to the gateway so replies return through it (without that it fails")
        self.out("  before any gateway does).  One failure each: counts, not ratios of")
        self.out("  rates.  recovery: from the failure to the first new connection that")
        self.out("  succeeded after the last failed one; 0 ms: no new connection failed.")
        self.out()

    def raw(self):
        self.out("Raw figures: TCG VM on a shared host, meaningful only relative to each")
        self.out("other within this boot (medians; samples in brackets, in round order)")
        units = {"inproc_edit_p50_us": "us", "inproc_edit_p99_us": "us",
                 "inproc_replace_p50_us": "us", "inproc_replace_p99_us": "us",
                 "udp_pps": "packets/s", "tcp_cps": "conns/s", "load_ms": "ms",
                 "replace_ms": "ms", "edit_ms": "ms", "rps": "requests/s", "mem_kb": "KiB",
                 "lat_p50_us": "us", "lat_avg_us": "us", "lat_p99_us": "us"}
        rows = []
        for k in sorted(self.data, key=lambda k: (k[0], k[1], k[3], k[2])):
            if k[0] in ("meta", "podvsd", "failover"):
                continue
            v = self.data[k]
            lvl = "conns" if k[0] == "np" else "services"
            rows.append([k[0], k[1], k[2], f"{k[3]} {lvl}",
                         f"{statistics.median(v):.0f} {units.get(k[1], '')}",
                         "[" + " ".join(f"{x:.0f}" for x in v) + "]"])
        self.table(["section", "metric", "setup", "level", "median", "samples"], rows)

    def render(self):
        secs = self.med("meta", "secs", "all", 0)
        rounds = self.med("meta", "rounds", "all", 0)
        self.out("podvs benchmark (make bench): ratios from one boot of the Debian-kernel VM")
        self.out("under QEMU TCG (2 vCPUs): client netns -> gateway netns -> 2 Pod netns,")
        self.out("Pods routed back through the gateway (NAT, no SNAT).")
        if secs:
            self.out(f"{rounds:.0f} interleaved rounds of {secs:.0f} s per figure; a ratio is the "
                     "median of the")
            self.out("per-round ratios [interquartile range].  Rates: podvs/X > 1 is better;")
            self.out("times: < 1 is better.  TCG makes some operations (indirect calls, atomics)")
            self.out("far dearer than hardware does: ratios, not absolute speeds.")
        self.out()
        for part in (self.dataplane, self.scale, self.nodeport, self.control, self.podvsd,
                     self.failover):
            part()
        if self.notes:
            self.out("Notes from the run:")
            for n in self.notes:
                self.out(f"  - {n}")
            self.out()
        self.raw()
        return "\n".join(self.lines)


def main():
    if len(sys.argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    print(Report(*parse(sys.argv[1:])).render())


if __name__ == "__main__":
    main()
