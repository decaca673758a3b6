#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the RAW/NOTE lines of tests/bench/guest.sh into the ratio table.

    report.py GUEST-OUTPUT

Every figure is the median of its samples (rounds).  Rates: podvs/X above
1 means podvs did more.  Times and latencies: podvs/X below 1 means podvs
took less; the "x faster" next to it is X/podvs.  Absolute values appear
only in the raw section: they are TCG-VM figures on a shared host,
meaningful only relative to each other within one boot.
"""
import statistics
import sys
from collections import defaultdict

SETUP_NAMES = {"podvs": "podvs", "ipvs": "IPVS", "iptables": "iptables",
               "nft": "nft", "routed": "routed", "routed-podvs": "routed-podvs"}


def parse(path):
    data, notes = defaultdict(list), []
    with open(path, errors="replace") as f:
        for line in f:
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


class Report:
    def __init__(self, data, notes):
        self.data, self.notes, self.lines = data, notes, []

    def med(self, sec, metric, setup, level):
        v = self.data.get((sec, metric, setup, level))
        return statistics.median(v) if v else None

    def out(self, s=""):
        self.lines.append(s)

    def levels(self, sec, metric, setup):
        return sorted({k[3] for k in self.data if k[:3] == (sec, metric, setup)})

    @staticmethod
    def rate_ratio(a, b):
        return f"{a / b:.2f}" if a and b else "n/a"

    @staticmethod
    def time_ratio(a, b):
        if not a or not b:
            return "n/a"
        return f"{a / b:.3f} ({b / a:.1f}x faster)" if a <= b else \
            f"{a / b:.2f} ({a / b:.1f}x slower)"

    def table(self, head, rows):
        w = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
        fmt = "  ".join(f"{{:<{n}}}" for n in w)
        self.out("  " + fmt.format(*head).rstrip())
        for r in rows:
            self.out("  " + fmt.format(*r).rstrip())
        self.out()

    # ---- sections ----

    def dataplane(self):
        if not any(k[0] == "dp" for k in self.data):
            return
        self.out("(a) UDP packet rate through the gateway, (b) new TCP connections/s;")
        self.out("    1 service (one UDP, one TCP VIP), 2 Pods, rounds interleaved.")
        others = ["ipvs", "iptables", "nft", "routed"]
        head = ["metric"] + [f"podvs/{SETUP_NAMES[o]}" for o in others] + \
            ["routed-podvs/routed"]
        rows = []
        for metric, name in (("udp_pps", "(a) UDP packets/s"), ("tcp_cps", "(b) TCP conns/s")):
            p = self.med("dp", metric, "podvs", 1)
            rows.append([name] + [self.rate_ratio(p, self.med("dp", metric, o, 1))
                                  for o in others] +
                        [self.rate_ratio(self.med("idle", metric, "routed-podvs", 1),
                                         self.med("idle", metric, "routed", 1))])
        self.table(head, rows)
        self.out("  podvs.ko is loaded during all of them (it hooks every namespace).")
        self.out("  routed: no load balancer, straight to a Pod (the floor of this VM).")
        self.out("  routed-podvs/routed: that path with podvs.ko loaded vs not loaded,")
        self.out("  alternated: what the module costs traffic to no VIP.")
        self.out()

    def scale(self):
        if not any(k[0] == "scale" for k in self.data):
            return
        self.out("(c) the same with many services configured (the measured service in the")
        self.out("    middle of kube-proxy's chain; services added to the same gateways;")
        self.out("    the 1-service row is (a)/(b); '-': not loaded at that size).")
        setups = ["podvs", "ipvs", "iptables", "nft"]
        for metric, name in (("udp_pps", "UDP packets/s"), ("tcp_cps", "TCP conns/s")):
            levels = sorted({k[3] for k in self.data if k[0] == "scale" and k[1] == metric}
                            | {1})
            head = [name, "services"] + [f"{SETUP_NAMES[s]}(L)/{SETUP_NAMES[s]}(1)"
                                         for s in setups] + \
                   [f"podvs/{SETUP_NAMES[s]}" for s in setups[1:]]
            rows = []
            for lv in levels:
                row = ["", str(lv)]
                for s in setups:
                    v = self.med("scale", metric, s, lv)
                    v1 = self.med("scale", metric, s, 1) or self.med("dp", metric, s, 1)
                    if lv == 1:
                        v = v1
                    row.append(self.rate_ratio(v, v1) if v else "-")
                sec = "scale" if lv > 1 else "dp"
                p = self.med(sec, metric, "podvs", lv)
                for s in setups[1:]:
                    row.append(self.rate_ratio(p, self.med(sec, metric, s, lv)))
                rows.append(row)
            self.table(head, rows)

    def nodeport(self):
        if not any(k[0] == "np" for k in self.data):
            return
        self.out("(d) wrk against HTTP servers in the Pods, both through podvs on the gateway:")
        self.out("    direct to the Pods vs to a node netns doing kube-proxy NodePort DNAT +")
        self.out("    MASQUERADE, then to the Pods.  direct/nodeport:")
        rows = []
        conns = sorted({k[3] for k in self.data if k[0] == "np"})
        for c in conns:
            for metric, name, kind in (("lat_p50_us", "latency p50", "t"),
                                       ("lat_avg_us", "latency avg", "t"),
                                       ("lat_p99_us", "latency p99", "t"),
                                       ("rps", "requests/s", "r")):
                d, n = self.med("np", metric, "direct", c), self.med("np", metric, "nodeport", c)
                r = self.time_ratio(d, n) if kind == "t" else self.rate_ratio(d, n)
                rows.append([f"{name}, {c} connection{'s' if c > 1 else ''}", r])
        self.table(["metric", "direct/nodeport"], rows)

    def control(self):
        if not any(k[0] == "ctl" for k in self.data):
            return
        self.out("Control plane: N services x 10 dests (podvs and IPVS: mh, M=4093 both).")
        sizes = sorted({k[3] for k in self.data if k[0] == "ctl"})
        big = [n for n in sizes if n > 1]
        rows = []
        for n in big:
            p = self.med("ctl", "load_ms", "podvs", n)
            for o, name in (("ipvs", "ipvsadm -R"), ("iptables-nft", "iptables-nft-restore"),
                            ("iptables-legacy", "iptables-legacy-restore"),
                            ("nft", "nft -f")):
                rows.append([f"full load, {n} services", f"podvsadm -R / {name}",
                             self.time_ratio(p, self.med("ctl", "load_ms", o, n))])
            rows.append([f"full load, {n} services", "podvs M=65537 / podvs M=4093",
                         self.time_ratio(self.med("ctl", "load_ms", "podvs-m65537", n), p)])
        for n in big:
            p = self.med("ctl", "replace_ms", "podvs", n)
            for o, name in (("ipvs", "ipvsadm -R (2 lines)"),
                            ("iptables-nft", "iptables-nft-restore --noflush"),
                            ("iptables-legacy", "iptables-legacy-restore --noflush"),
                            ("nft", "nft -f (transaction)")):
                rows.append([f"replace 1 endpoint, {n} present", f"podvsadm -R (2 lines) / {name}",
                             self.time_ratio(p, self.med("ctl", "replace_ms", o, n))])
            p = self.med("ctl", "edit_ms", "podvs", n)
            rows.append([f"edit 1 weight, {n} present", "podvsadm -e / ipvsadm -e",
                         self.time_ratio(p, self.med("ctl", "edit_ms", "ipvs", n))])
        for n in big:
            for o in ("podvs", "ipvs", "iptables-nft", "iptables-legacy", "nft"):
                rows.append([f"replace 1 endpoint: {n} vs 1 present", f"{o}({n})/{o}(1)",
                             self.time_ratio(self.med("ctl", "replace_ms", o, n),
                                             self.med("ctl", "replace_ms", o, 1))])
            for o in ("podvs", "ipvs"):
                rows.append([f"edit 1 weight: {n} vs 1 present", f"{o}({n})/{o}(1)",
                             self.time_ratio(self.med("ctl", "edit_ms", o, n),
                                             self.med("ctl", "edit_ms", o, 1))])
        self.table(["operation", "ratio", "value"], rows)

    def raw(self):
        self.out("Raw figures (TCG VM on a shared host: meaningful only relative to each")
        self.out("other within this boot; medians, samples in brackets)")
        units = {"udp_pps": "packets/s", "tcp_cps": "conns/s", "load_ms": "ms",
                 "replace_ms": "ms", "edit_ms": "ms", "rps": "requests/s",
                 "lat_p50_us": "us", "lat_avg_us": "us", "lat_p99_us": "us"}
        rows = []
        for k in sorted(self.data, key=lambda k: (k[0], k[1], k[3], k[2])):
            if k[0] == "meta":
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
        self.out("under QEMU TCG (2 vCPUs), client netns -> gateway netns -> 2 Pod netns,")
        self.out("Pods routed back through the gateway (NAT, no SNAT).")
        if secs:
            self.out(f"Each figure: median of {rounds:.0f} rounds of {secs:.0f} s.  Rates: "
                     "podvs/X > 1 is better; times: < 1 is better.")
        self.out()
        for part in (self.dataplane, self.scale, self.nodeport, self.control):
            part()
        if self.notes:
            self.out("Notes from the run:")
            for n in self.notes:
                self.out(f"  - {n}")
            self.out()
        self.raw()
        return "\n".join(self.lines)


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    print(Report(*parse(sys.argv[1])).render())


if __name__ == "__main__":
    main()
