#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Generate the configuration files of the podvs benchmarks (on the host,
where it is fast; the guest only loads them).

    gen.py OUTDIR [--levels 1,1000,100000] [--rule-levels 1,1000,10000]
           [--ctl 10000x10] [--ctl-rules 1000x10] [--filler-dests 0|1]

Addresses (all inside the guest's own network namespaces):
  VIP 192.0.2.10: UDP 53 -> Pods :5353 (sink), TCP 80 -> Pods :8080
  (accept-close), TCP 8000 -> Pods :8000 (HTTP) -- the measured services.
  Pods 203.0.113.2 and 203.0.113.6.  Filler service i (the table entries
  that only cost memory and lookups): TCP 192.0.2.(1 + i/500):(1000 + i%500),
  endpoint 203.0.113.2:8080 (see below).  Control-plane service i: TCP
  192.0.2.(1 + i/100):(2000 + i%100) with dests 203.0.113.(2 + (10i+j)%250):8080.

Files:
  dp-adm-measured.txt        podvsadm/ipvsadm -R lines of the measured services
  dp-adm-fill-A-B.txt        filler services A..B-1 (rr; no dests unless
                             --filler-dests 1: lookups depend on the service
                             table only, and ipvsadm -R needs ~2 ms a line)
  dp-ipt-L.rules, dp-nft-L.nft  kube-proxy-style iptables-restore and nft -f
                             inputs with L services (one endpoint per filler)
  ctl-N-{podvs,podvs-m65537,ipvs}.txt  N services x D dests (podvs with
                             M=4093 as IPVS, and with its default M=65537)
  ctl-N-{ipt.rules,nft.nft}  the same as kube-proxy would write it
  ctl-N-{ipt,nft}-{change,revert}.*  one endpoint of service N/2 replaced
                             (and put back), written the way kube-proxy
                             writes an incremental sync
  ctl-N-change.env           that change for podvsadm/ipvsadm (CHG_VS,
                             CHG_OLD, CHG_NEW), and CHG_EDIT, the service's
                             last dest, whose weight the edit test changes
  np-node.rules              the NodePort node's kube-proxy-style rules
"""
import argparse
import base64
import hashlib
import os

VIP = "192.0.2.10"
PODS = ["203.0.113.2", "203.0.113.6"]
NODE = "203.0.113.66"
NODEPORT = 30080
# (proto, port, pod port): the measured services
MEASURED = [("udp", 53, 5353), ("tcp", 80, 8080)]
HTTP = ("tcp", 8000, 8000)
IPVS_MH_SIZE = 4093	# CONFIG_IP_VS_MH_TAB_INDEX=12, Debian's default


class Svc:
    """A service: name, proto, vip, port, [(addr, port)], scheduler."""

    def __init__(self, name, proto, vip, port, dests, sched):
        self.name, self.proto, self.vip, self.port = name, proto, vip, port
        self.dests, self.sched = dests, sched

    def hash(self, extra=""):
        h = hashlib.sha256(f"{self.name}/{self.proto}{extra}".encode()).digest()
        return base64.b32encode(h).decode()[:16]

    def svc_chain(self):
        return "KUBE-SVC-" + self.hash()

    def sep_chain(self, d):
        return "KUBE-SEP-" + self.hash(f"{d[0]}:{d[1]}")


def measured():
    return [Svc(f"bench/measured-{p}", p, VIP, port, [(a, pp) for a in PODS], "mh")
            for p, port, pp in MEASURED]


def filler(i):
    return Svc(f"fill/svc-{i}", "tcp", f"192.0.2.{1 + i // 500}", 1000 + i % 500,
               [(PODS[0], 8080)], "rr")


def ctl_svc(i, ndests):
    return Svc(f"ctl/svc-{i}", "tcp", f"192.0.2.{1 + i // 100}", 2000 + i % 100,
               [(f"203.0.113.{2 + (10 * i + j) % 250}", 8080) for j in range(ndests)],
               "mh")


# ---- podvsadm / ipvsadm restore lines ----

def adm_lines(svcs, mh_size=None):
    for s in svcs:
        flag = "-u" if s.proto == "udp" else "-t"
        vs = f"{s.vip}:{s.port}"
        extra = f" --mh-table-size {mh_size}" if mh_size and s.sched == "mh" else ""
        yield f"-A {flag} {vs} -s {s.sched}{extra}\n"
        for a, p in s.dests:
            yield f"-a {flag} {vs} -r {a}:{p} -m -w 1\n"


# ---- iptables (kube-proxy iptables mode, nat table only) ----

IPT_HEAD = [
    ":KUBE-SERVICES - [0:0]", ":KUBE-POSTROUTING - [0:0]", ":KUBE-MARK-MASQ - [0:0]",
]
IPT_FIXED = [
    "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000",
    "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
    "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000",
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT"'
    " -j MASQUERADE --random-fully",
]


def ipt_services_rule(s):
    return (f'-A KUBE-SERVICES -m comment --comment "{s.name}:{s.proto} cluster IP"'
            f" -d {s.vip}/32 -p {s.proto} -m {s.proto} --dport {s.port} -j {s.svc_chain()}")


def ipt_svc_rules(s):
    n = len(s.dests)
    for k, d in enumerate(s.dests):
        stat = ""
        if k < n - 1:
            stat = f" -m statistic --mode random --probability {1.0 / (n - k):.10f}"
        yield f'-A {s.svc_chain()} -m comment --comment "{s.name}:{s.proto}"{stat}' \
              f" -j {s.sep_chain(d)}"


def ipt_sep_rules(s, d):
    c = s.sep_chain(d)
    yield f'-A {c} -m comment --comment "{s.name}:{s.proto}" -s {d[0]}/32 -j KUBE-MARK-MASQ'
    yield f'-A {c} -m comment --comment "{s.name}:{s.proto}" -p {s.proto} -m {s.proto}' \
          f" -j DNAT --to-destination {d[0]}:{d[1]}"


IPT_BASE = [":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
            ":POSTROUTING ACCEPT [0:0]"]
IPT_JUMPS = ["-A PREROUTING -j KUBE-SERVICES", "-A POSTROUTING -j KUBE-POSTROUTING"]


def ipt_full(svcs):
    """A full sync into an empty nat table, with the jumps from the base
    chains (kube-proxy adds those once, then restores with --noflush)."""
    out = ["*nat"] + IPT_BASE + IPT_HEAD
    for s in svcs:
        out.append(f":{s.svc_chain()} - [0:0]")
        out += [f":{s.sep_chain(d)} - [0:0]" for d in s.dests]
    out += IPT_JUMPS + IPT_FIXED
    out += [ipt_services_rule(s) for s in svcs]
    for s in svcs:
        out += ipt_svc_rules(s)
        for d in s.dests:
            out += ipt_sep_rules(s, d)
    out.append("COMMIT")
    return "\n".join(out) + "\n"


def ipt_change(svcs, changed, old, new):
    """kube-proxy's minimal incremental sync after one endpoint of service
    @changed went from @old to @new: the top-level chains in full, the
    changed service chain, the new endpoint chain, the old one deleted."""
    before = Svc(changed.name, changed.proto, changed.vip, changed.port,
                 [old if d == new else d for d in changed.dests], changed.sched)
    out = ["*nat"] + IPT_HEAD
    out += [f":{changed.svc_chain()} - [0:0]", f":{changed.sep_chain(new)} - [0:0]",
            f":{before.sep_chain(old)} - [0:0]"]
    out += IPT_FIXED
    out += [ipt_services_rule(s) for s in svcs]
    out += ipt_svc_rules(changed)
    out += ipt_sep_rules(changed, new)
    out.append(f"-X {before.sep_chain(old)}")
    out.append("COMMIT")
    return "\n".join(out) + "\n"


# ---- nftables (kube-proxy nftables mode, its NAT part) ----

def nft_svc_chain(s):
    return "service-" + s.hash()[:8]


def nft_ep_chain(s, d):
    return "endpoint-" + s.hash(f"{d[0]}:{d[1]}")[:8]


def nft_svc_body(s):
    n = len(s.dests)
    vmap = ", ".join(f"{k} : goto {nft_ep_chain(s, d)}" for k, d in enumerate(s.dests))
    return f"numgen random mod {n} vmap {{ {vmap} }}"


def nft_ep_lines(s, d):
    c = nft_ep_chain(s, d)
    return [f"add chain ip kube-proxy {c}",
            f"add rule ip kube-proxy {c} ip saddr {d[0]} jump mark-for-masquerade",
            f"add rule ip kube-proxy {c} meta l4proto {s.proto} dnat to {d[0]}:{d[1]}"]


def nft_full(svcs):
    out = [
        "add table ip kube-proxy",
        "add chain ip kube-proxy mark-for-masquerade",
        "add rule ip kube-proxy mark-for-masquerade meta mark set meta mark or 0x4000",
        "add chain ip kube-proxy masquerading",
        "add rule ip kube-proxy masquerading meta mark & 0x4000 == 0 return",
        "add rule ip kube-proxy masquerading meta mark set meta mark xor 0x4000",
        "add rule ip kube-proxy masquerading masquerade fully-random",
        "add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service :"
        " verdict ; }",
        "add chain ip kube-proxy services",
        "add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips",
        "add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority dstnat ; }",
        "add rule ip kube-proxy nat-prerouting jump services",
        "add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority srcnat ; }",
        "add rule ip kube-proxy nat-postrouting jump masquerading",
    ]
    for s in svcs:
        for d in s.dests:
            out += nft_ep_lines(s, d)
        out.append(f"add chain ip kube-proxy {nft_svc_chain(s)}")
        out.append(f"add rule ip kube-proxy {nft_svc_chain(s)} {nft_svc_body(s)}")
        out.append(f"add element ip kube-proxy service-ips {{ {s.vip} . {s.proto} . {s.port}"
                   f" : goto {nft_svc_chain(s)} }}")
    return "\n".join(out) + "\n"


def nft_change(changed, old, new):
    """kube-proxy nftables mode's transaction for one replaced endpoint."""
    before = Svc(changed.name, changed.proto, changed.vip, changed.port,
                 [old if d == new else d for d in changed.dests], changed.sched)
    out = nft_ep_lines(changed, new)
    out.append(f"flush chain ip kube-proxy {nft_svc_chain(changed)}")
    out.append(f"add rule ip kube-proxy {nft_svc_chain(changed)} {nft_svc_body(changed)}")
    out.append(f"flush chain ip kube-proxy {nft_ep_chain(before, old)}")
    out.append(f"delete chain ip kube-proxy {nft_ep_chain(before, old)}")
    return "\n".join(out) + "\n"


# ---- the NodePort node (kube-proxy iptables mode: NodePort with SNAT) ----

def nodeport_rules():
    s = Svc("bench/http", "tcp", VIP, HTTP[1], [(a, HTTP[2]) for a in PODS], "mh")
    ext = "KUBE-EXT-" + s.hash()
    out = ["*nat"] + IPT_BASE + [":KUBE-NODEPORTS - [0:0]", f":{ext} - [0:0]"] + IPT_HEAD
    out.append(f":{s.svc_chain()} - [0:0]")
    out += [f":{s.sep_chain(d)} - [0:0]" for d in s.dests]
    out += IPT_JUMPS + IPT_FIXED
    out.append("-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")
    out.append(f"-A KUBE-NODEPORTS -p tcp -m tcp --dport {NODEPORT} -j {ext}")
    out += [f"-A {ext} -j KUBE-MARK-MASQ", f"-A {ext} -j {s.svc_chain()}"]
    out += ipt_svc_rules(s)
    for d in s.dests:
        out += ipt_sep_rules(s, d)
    out.append("COMMIT")
    return "\n".join(out) + "\n"


def write(outdir, name, text):
    with open(os.path.join(outdir, name), "w") as f:
        f.write(text if isinstance(text, str) else "".join(text))


def gen_dataplane(outdir, levels, rule_levels, filler_dests):
    def fillers(a, b):
        for i in range(a, b):
            f = filler(i)
            f.dests = f.dests[:filler_dests]
            yield f

    write(outdir, "dp-adm-measured.txt", adm_lines(measured()))
    prev = 0
    for level in levels:
        nfill = max(level - len(MEASURED), 0)
        if nfill > prev:
            write(outdir, f"dp-adm-fill-{prev}-{nfill}.txt", adm_lines(fillers(prev, nfill)))
            prev = nfill
    for level in rule_levels:
        # the measured services sit in the middle of KUBE-SERVICES: an
        # average service's place in kube-proxy's linear chain.  A rule
        # filler keeps its one endpoint: kube-proxy writes no chain
        # for a service without endpoints, only a REJECT in another table.
        nfill = max(level - len(MEASURED), 0)
        fill = [filler(i) for i in range(nfill)]
        svcs = fill[:nfill // 2] + measured() + fill[nfill // 2:]
        write(outdir, f"dp-ipt-{level}.rules", ipt_full(svcs))
        write(outdir, f"dp-nft-{level}.nft", nft_full(svcs))


def gen_control(outdir, nsvc, ndests, rules):
    """ctl-N-*: N services x ndests dests, and one endpoint change."""
    p = f"ctl-{nsvc}"
    svcs = [ctl_svc(i, ndests) for i in range(nsvc)]
    write(outdir, f"{p}-ipvs.txt", adm_lines(svcs))
    write(outdir, f"{p}-podvs.txt", adm_lines(svcs, IPVS_MH_SIZE))
    write(outdir, f"{p}-podvs-m65537.txt", adm_lines(svcs))
    k = nsvc // 2
    old, new = svcs[k].dests[0], ("203.0.113.254", 8081)
    edit = svcs[k].dests[-1]
    write(outdir, f"{p}-change.env",
          f"CHG_VS='-t {svcs[k].vip}:{svcs[k].port}'\n"
          f"CHG_OLD='{old[0]}:{old[1]}'\nCHG_NEW='{new[0]}:{new[1]}'\n"
          f"CHG_EDIT='{edit[0]}:{edit[1]}'\n")
    if not rules:
        return
    write(outdir, f"{p}-ipt.rules", ipt_full(svcs))
    write(outdir, f"{p}-nft.nft", nft_full(svcs))
    # the change, and its revert so that it can be repeated
    svcs[k].dests[0] = new
    write(outdir, f"{p}-ipt-change.rules", ipt_change(svcs, svcs[k], old, new))
    write(outdir, f"{p}-nft-change.nft", nft_change(svcs[k], old, new))
    svcs[k].dests[0] = old
    write(outdir, f"{p}-ipt-revert.rules", ipt_change(svcs, svcs[k], new, old))
    write(outdir, f"{p}-nft-revert.nft", nft_change(svcs[k], new, old))


def ints(s):
    return sorted(int(x) for x in s.split(",") if x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--levels", default="1,1000,100000",
                    help="service counts for podvs and IPVS")
    ap.add_argument("--rule-levels", default="1,1000,10000",
                    help="service counts for iptables and nft")
    ap.add_argument("--filler-dests", type=int, choices=(0, 1), default=0)
    ap.add_argument("--ctl", default="10000x10", help="control plane, podvs and IPVS")
    ap.add_argument("--ctl-rules", default="1000x10",
                    help="control plane, all four (iptables and nft too)")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    gen_dataplane(a.outdir, ints(a.levels), ints(a.rule_levels), a.filler_dests)
    sizes = {}
    for spec, rules in ((a.ctl, False), (a.ctl_rules, True), ("1x" + a.ctl.split("x")[1], True)):
        nsvc, ndests = (int(x) for x in spec.split("x"))
        sizes[(nsvc, ndests)] = sizes.get((nsvc, ndests), False) or rules
    for (nsvc, ndests), rules in sizes.items():
        gen_control(a.outdir, nsvc, ndests, rules)
    write(a.outdir, "np-node.rules", nodeport_rules())


if __name__ == "__main__":
    main()
