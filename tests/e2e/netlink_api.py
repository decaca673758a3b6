#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""podvs generic netlink API scenarios, one per argument name.

Run by tests/e2e/20-netlink-api.sh inside the guest, with podvs loaded.
Each scenario asserts what the kernel tables hold afterwards (dumps,
GET_INFO), not only the return codes.  Exit 0: pass; 1: fail (message on
stderr).
"""
import errno
import select
import socket
import struct
import sys

from netlink_genl import *  # noqa: F401,F403 pylint: disable=wildcard-import,unused-wildcard-import


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def expect_err(fn, err, text=None):
    """fn() must fail with errno err and an extack message containing text."""
    try:
        fn()
    except NetlinkError as e:
        check(e.errno == err, "expected %s, got %s: %s" %
              (errno.errorcode[err], errno.errorcode.get(e.errno), e.msg))
        check(text is None or text in e.msg,
              "message %r does not contain %r" % (e.msg, text))
        print("# rejected as expected: %s" % e.msg)
        return e
    raise AssertionError("no error, expected %s" % errno.errorcode[err])


def services(g):
    """{(vip bytes, port): attrs} from a full GET_SERVICE dump."""
    out = {}
    for _, body in g.cmd(CMD_GET_SERVICE, dump=True):
        s = parse_attrs(parse_attrs(body)[A_SERVICE])
        out[(s[SVC_ADDR], struct.unpack(">H", s[SVC_PORT])[0],
             s[SVC_PROTOCOL][0])] = s
    return out


def dests(g, vip, port, proto=IPPROTO_TCP):
    out = {}
    for _, body in g.cmd(CMD_GET_DEST, service(vip, port, proto), dump=True):
        d = parse_attrs(parse_attrs(body)[A_DEST])
        out[(socket.inet_ntop(socket.AF_INET6 if len(d[DEST_ADDR]) == 16 else
                              socket.AF_INET, d[DEST_ADDR]),
             struct.unpack(">H", d[DEST_PORT])[0])] = d
    return out


def new_svc(g, vip, port, *extra, proto=IPPROTO_TCP):
    g.cmd(CMD_NEW_SERVICE, service(vip, port, proto, *extra))


def scn_info(g):
    i = info(g)
    for a in (INFO_VERSION, INFO_ABI, INFO_SERVICES, INFO_DESTS, INFO_CONNS,
              INFO_SVC_BUCKETS, INFO_CONN_BUCKETS, INFO_CONN_MAX,
              INFO_GENERATION, INFO_DROPS, INFO_SCHEDULERS):
        check(a in i, "GET_INFO lacks attribute %d" % a)
    check(get_u32(i[INFO_ABI]) == 1, "ABI version")
    scheds = i[INFO_SCHEDULERS].rstrip(b"\0").decode().split()
    check(sorted(scheds) == ["lc", "mh", "rr", "sh", "wrr"], "schedulers %s" % scheds)
    drops = parse_attrs(i[INFO_DROPS])
    check(all(t in drops for t in range(1, 8)), "drop counters")
    check(get_u32(i[INFO_CONN_MAX]) == 1048576, "conn_max default")


def scn_service(g):
    new_svc(g, "192.0.2.1", 80)
    s = services(g)[(socket.inet_aton("192.0.2.1"), 80, IPPROTO_TCP)]
    check(s[SVC_SCHED].rstrip(b"\0") == b"mh", "default scheduler mh")
    check(get_u32(s[SVC_MH_TABLE_SIZE]) == 65537, "default mh table size")
    check(get_u32(s[SVC_TIMEOUT]) == 300, "default persistence timeout")
    expect_err(lambda: new_svc(g, "192.0.2.1", 80), errno.EEXIST,
               "service TCP 192.0.2.1:80 already exists")
    g.cmd(CMD_SET_SERVICE, service("192.0.2.1", 80, IPPROTO_TCP,
                                   string(SVC_SCHED, "wrr"),
                                   u32(SVC_FLAGS, SVC_F_PERSISTENT),
                                   u32(SVC_TIMEOUT, 60),
                                   string(SVC_OWNER, "podvsd")))
    s = parse_attrs(parse_attrs(g.cmd(CMD_GET_SERVICE, service("192.0.2.1", 80))[0][1])[A_SERVICE])
    check(s[SVC_SCHED].rstrip(b"\0") == b"wrr", "SET changed the scheduler")
    check(get_u32(s[SVC_FLAGS]) == SVC_F_PERSISTENT, "SET changed flags")
    check(get_u32(s[SVC_TIMEOUT]) == 60, "SET changed the timeout")
    check(s[SVC_OWNER].rstrip(b"\0") == b"podvsd", "owner")
    new_svc(g, "2001:db8::1", 53, proto=IPPROTO_UDP)
    check(len(services(g)) == 2, "two services")
    g.cmd(CMD_DEL_SERVICE, service("192.0.2.1", 80))
    expect_err(lambda: g.cmd(CMD_GET_SERVICE, service("192.0.2.1", 80)),
               errno.ENOENT, "service TCP 192.0.2.1:80 does not exist")
    expect_err(lambda: g.cmd(CMD_DEL_SERVICE, service("2001:db8::1", 53)),
               errno.ENOENT, "service TCP [2001:db8::1]:53 does not exist")
    g.cmd(CMD_DEL_SERVICE, service("2001:db8::1", 53, IPPROTO_UDP))
    check(not services(g), "no service left")


def scn_dest(g):
    new_svc(g, "192.0.2.1", 80)
    for i in range(3):
        g.cmd(CMD_NEW_DEST, service("192.0.2.1", 80),
              dest("10.0.0.%d" % (i + 5), 8080, u32(DEST_WEIGHT, i + 1)))
    expect_err(lambda: g.cmd(CMD_NEW_DEST, service("192.0.2.1", 80), dest("10.0.0.5", 8080)),
               errno.EEXIST, "dest 10.0.0.5:8080 already exists in TCP 192.0.2.1:80")
    expect_err(lambda: g.cmd(CMD_NEW_DEST, service("192.0.2.9", 80), dest("10.0.0.5", 8080)),
               errno.ENOENT, "service TCP 192.0.2.9:80 does not exist")
    expect_err(lambda: g.cmd(CMD_NEW_DEST, service("192.0.2.1", 80), dest("2001:db8::5", 80)),
               errno.EINVAL, "dest address is 16 bytes, AF_INET needs 4")
    d = dests(g, "192.0.2.1", 80)
    check(sorted(d) == [("10.0.0.5", 8080), ("10.0.0.6", 8080), ("10.0.0.7", 8080)],
          "dests %s" % sorted(d))
    check(get_u32(d[("10.0.0.7", 8080)][DEST_WEIGHT]) == 3, "weight")
    g.cmd(CMD_SET_DEST, service("192.0.2.1", 80),
          dest("10.0.0.6", 8080, u32(DEST_FLAGS, DEST_F_DRAIN)))
    check(get_u32(dests(g, "192.0.2.1", 80)[("10.0.0.6", 8080)][DEST_FLAGS]) == DEST_F_DRAIN,
          "drain flag set")
    g.cmd(CMD_DEL_DEST, service("192.0.2.1", 80), dest("10.0.0.6", 8080))
    expect_err(lambda: g.cmd(CMD_DEL_DEST, service("192.0.2.1", 80), dest("10.0.0.6", 8080)),
               errno.ENOENT, "dest 10.0.0.6:8080 does not exist in TCP 192.0.2.1:80")
    check(len(dests(g, "192.0.2.1", 80)) == 2, "two dests left")
    s = services(g)[(socket.inet_aton("192.0.2.1"), 80, IPPROTO_TCP)]
    check(get_u32(s[SVC_DESTS]) == 2, "service counts 2 dests")
    check(get_u32(info(g)[INFO_DESTS]) == 2, "GET_INFO counts 2 dests")
    g.cmd(CMD_FLUSH)
    check(get_u32(info(g)[INFO_DESTS]) == 0, "flush removed the dests")


def scn_validation(g):
    key = svc_key("192.0.2.1", 80)
    E, R = errno.EINVAL, errno.ERANGE
    cases = [
        ("port 0", key[:3] + [be16(SVC_PORT, 0)], R, None),
        ("missing port", key[:3], E, "service needs port"),
        ("v4 with 16 bytes", key[:2] + [addr(SVC_ADDR, "2001:db8::1")] + key[3:], E,
         "service address is 16 bytes, AF_INET needs 4"),
        ("family 3", [u16(SVC_AF, 3)] + key[1:], errno.EAFNOSUPPORT,
         "address family 3 not supported"),
        ("family 44", [u16(SVC_AF, 44)] + key[1:], R, None),
        ("sctp", [key[0], u8(SVC_PROTOCOL, 132)] + key[2:], R, None),
        ("protocol 7", [key[0], u8(SVC_PROTOCOL, 7)] + key[2:], errno.EPROTONOSUPPORT,
         "protocol 7 not supported"),
        ("unknown flag", key + [u32(SVC_FLAGS, 8)], E, None),
        ("not prime", key + [u32(SVC_MH_TABLE_SIZE, 65535)], E,
         "mh table size 65535 is not a prime"),
        ("too small", key + [u32(SVC_MH_TABLE_SIZE, 7)], R, None),
        ("reply-only stats", key + [attr(SVC_STATS, b"")], E, "attribute only in replies"),
        ("reply-only stats nest", key + [nest(SVC_STATS)], E, None),
        ("unknown scheduler", key + [string(SVC_SCHED, "fancy")], errno.ENOENT,
         'scheduler "fancy" unknown'),
        ("netmask 33 on v4", key + [u8(SVC_NETMASK, 33)], E, "netmask /33"),
        ("timeout 0", key + [u32(SVC_TIMEOUT, 0)], R, None),
        ("unknown attribute", key + [u32(40, 1)], E, None),
        ("mask without flags", key + [u32(SVC_FLAGS_MASK, 1)], E,
         "flags mask given without flags"),
        ("short u16", [attr(SVC_AF, b"\x02")] + key[1:], E, None),
    ]
    for name, attrs, err, text in cases:
        print("# case:", name)
        expect_err(lambda: g.cmd(CMD_NEW_SERVICE, nest(A_SERVICE, *attrs)), err, text)
    # nests without NLA_F_NESTED are rejected by strict validation
    expect_err(lambda: g.cmd(CMD_NEW_SERVICE, attr(A_SERVICE, b"".join(key))), errno.EINVAL)
    # only the key in a delete
    expect_err(lambda: g.cmd(CMD_DEL_SERVICE, nest(A_SERVICE, *key, string(SVC_SCHED, "rr"))),
               errno.EINVAL, "only the service key")
    # a dest weight above 65535
    new_svc(g, "192.0.2.1", 80)
    expect_err(lambda: g.cmd(CMD_NEW_DEST, service("192.0.2.1", 80),
                             dest("10.0.0.1", 80, u32(DEST_WEIGHT, 65536))), errno.ERANGE)
    expect_err(lambda: g.cmd(CMD_NEW_DEST, service("192.0.2.1", 80),
                             dest("10.0.0.1", 80, u32(DEST_FLAGS, 2))), errno.EINVAL)
    expect_err(lambda: g.cmd(CMD_NEW_DEST, service("192.0.2.1", 80)), errno.EINVAL,
               "dest command without dest")
    check(not dests(g, "192.0.2.1", 80), "no dest was added")
    check(len(services(g)) == 1, "only the valid service exists")
    g.cmd(CMD_FLUSH)


def batch(g, ops):
    return g.request(g.family, CMD_BATCH, b"".join(ops))


def table(g):
    """The whole configuration as comparable data."""
    out = {}
    for k, s in services(g).items():
        vip = socket.inet_ntop(socket.AF_INET6 if len(k[0]) == 16 else socket.AF_INET, k[0])
        out[k] = (s[SVC_SCHED], s[SVC_FLAGS],
                  sorted((d, get_u32(a[DEST_WEIGHT]), get_u32(a[DEST_FLAGS]))
                         for d, a in dests(g, vip, k[1], k[2]).items()))
    return out


def scn_batch(g):
    k1, k2 = svc_key("192.0.2.1", 80), svc_key("192.0.2.2", 443)
    batch(g, [op(CMD_NEW_SERVICE, k1 + [string(SVC_SCHED, "rr")]),
              op(CMD_NEW_DEST, k1, [addr(DEST_ADDR, "10.0.0.1"), be16(DEST_PORT, 80)]),
              op(CMD_NEW_DEST, k1, [addr(DEST_ADDR, "10.0.0.2"), be16(DEST_PORT, 80)])])
    before = table(g)
    check(len(before[(socket.inet_aton("192.0.2.1"), 80, 6)][2]) == 2, "batch added 2 dests")
    ops = [op(CMD_NEW_SERVICE, k2),
           op(CMD_NEW_DEST, k2, [addr(DEST_ADDR, "10.0.0.3"), be16(DEST_PORT, 443)]),
           op(CMD_SET_DEST, k1, [addr(DEST_ADDR, "10.0.0.1"), be16(DEST_PORT, 80),
                                 u32(DEST_WEIGHT, 7)]),
           op(CMD_DEL_DEST, k1, [addr(DEST_ADDR, "10.0.0.2"), be16(DEST_PORT, 80)]),
           op(CMD_DEL_SERVICE, k1),
           op(CMD_NEW_DEST, k2, [addr(DEST_ADDR, "10.0.0.3"), be16(DEST_PORT, 443)])]
    e = expect_err(lambda: batch(g, ops), errno.EEXIST,
                   "op 5: dest 10.0.0.3:443 already exists in TCP 192.0.2.2:443")
    off = 16 + 4 + sum(len(o) for o in ops[:5])
    check(e.offset == off, "extack offset %s, op 5 is at %d" % (e.offset, off))
    check(table(g) == before, "failed batch changed the table")
    # a service deleted and re-added in one batch; a dest likewise
    batch(g, [op(CMD_DEL_SERVICE, k1), op(CMD_NEW_SERVICE, k1 + [string(SVC_SCHED, "lc")]),
              op(CMD_NEW_DEST, k1, [addr(DEST_ADDR, "10.0.0.9"), be16(DEST_PORT, 80)]),
              op(CMD_DEL_DEST, k1, [addr(DEST_ADDR, "10.0.0.9"), be16(DEST_PORT, 80)]),
              op(CMD_NEW_DEST, k1, [addr(DEST_ADDR, "10.0.0.9"), be16(DEST_PORT, 80),
                                    u32(DEST_WEIGHT, 4)])])
    t = table(g)[(socket.inet_aton("192.0.2.1"), 80, 6)]
    check(t[0].rstrip(b"\0") == b"lc" and t[2] == [(("10.0.0.9", 80), 4, 0)],
          "re-added service: %s" % (t,))
    # the same, failing at the end: the old service comes back intact
    before = table(g)
    expect_err(lambda: batch(g, [op(CMD_DEL_SERVICE, k1), op(CMD_NEW_SERVICE, k1),
                                 op(CMD_NEW_SERVICE, k1)]), errno.EEXIST, "op 2: service")
    check(table(g) == before, "failed replace changed the table")
    expect_err(lambda: batch(g, [op(CMD_GET_SERVICE, k1)]), errno.EOPNOTSUPP, "op 0:")
    expect_err(lambda: batch(g, []), errno.EINVAL, "batch without any op")
    g.cmd(CMD_FLUSH)


def scn_batch_large(g):
    nsvc, ndest = 1000, 99
    ops = []
    for s in range(nsvc):
        k = svc_key("198.51.100.%d" % (s % 250 + 1), 1000 + s)
        ops.append(op(CMD_NEW_SERVICE, k + [string(SVC_SCHED, "rr")]))
        for d in range(ndest):
            ops.append(op(CMD_NEW_DEST, k, [addr(DEST_ADDR, "10.%d.%d.%d" % (s // 250, s % 250, d + 1)),
                                            be16(DEST_PORT, 8080)]))
    msg = b"".join(ops)
    print("# %d ops, %d bytes" % (len(ops), len(msg)))
    batch(g, ops)
    i = info(g)
    check(get_u32(i[INFO_SERVICES]) == nsvc, "services %d" % get_u32(i[INFO_SERVICES]))
    check(get_u32(i[INFO_DESTS]) == nsvc * ndest, "dests %d" % get_u32(i[INFO_DESTS]))
    check(len(services(g)) == nsvc, "dump lists every service")
    # the same batch again fails on op 0 and changes nothing
    expect_err(lambda: batch(g, ops), errno.EEXIST, "op 0: service TCP 198.51.100.1:1000")
    check(get_u32(info(g)[INFO_DESTS]) == nsvc * ndest, "failed batch changed nothing")
    dels = [op(CMD_DEL_SERVICE, svc_key("198.51.100.%d" % (s % 250 + 1), 1000 + s))
            for s in range(nsvc)]
    batch(g, dels)
    i = info(g)
    check(get_u32(i[INFO_SERVICES]) == 0 and get_u32(i[INFO_DESTS]) == 0, "all deleted")


def scn_dump(g):
    n = 3000
    for s in range(0, n, 500):
        batch(g, [op(CMD_NEW_SERVICE, svc_key("203.0.113.%d" % (i % 200 + 1), 1 + i) +
                     [string(SVC_SCHED, "rr")]) for i in range(s, s + 500)])
    got = services(g)
    check(len(got) == n, "dump returned %d of %d" % (len(got), n))
    # a change during a dump flags it NLM_F_DUMP_INTR
    g.sock.send(g.build(g.family, CMD_GET_SERVICE, b"", NLM_F_REQUEST | NLM_F_DUMP))
    other = Genl()
    first = g.sock.recv(1 << 16)
    other.cmd(CMD_NEW_SERVICE, service("203.0.113.250", 9))
    intr = False
    msgs = g.recv()
    for m in msgs:
        if m[0] == "done":
            intr |= bool(m[1] & NLM_F_DUMP_INTR)
        else:
            intr |= bool(m[0] & NLM_F_DUMP_INTR)
    check(len(first) > 0 and intr, "no NLM_F_DUMP_INTR after a change mid-dump")
    g.cmd(CMD_FLUSH)


def scn_notify(g):
    listener = Genl()
    listener.sock.setsockopt(SOL_NETLINK, 1, g.groups["changes"])  # ADD_MEMBERSHIP
    new_svc(g, "192.0.2.1", 80)
    r, _, _ = select.select([listener.sock], [], [], 5)
    check(r, "no NOTIFY within 5 s")
    data = listener.sock.recv(65536)
    cmd = data[16]
    a = parse_attrs(parse_attrs(data[20:])[A_INFO])
    check(cmd == CMD_NOTIFY, "multicast command %d" % cmd)
    check(get_u32(a[INFO_GENERATION]) == get_u32(info(g)[INFO_GENERATION]),
          "NOTIFY carries the current generation")
    gen = get_u32(info(g)[INFO_GENERATION])
    expect_err(lambda: new_svc(g, "192.0.2.1", 80), errno.EEXIST)
    check(get_u32(info(g)[INFO_GENERATION]) == gen, "a failed write bumped the generation")
    g.cmd(CMD_FLUSH)
    check(get_u32(info(g)[INFO_GENERATION]) != gen, "FLUSH did not bump the generation")


def cfg(g):
    return {t: get_u32(v) for t, v in
            parse_attrs(parse_attrs(g.cmd(CMD_GET_CONFIG)[0][1])[A_CONFIG]).items()}


def scn_config(g):
    c = cfg(g)
    check(c == {CFG_TCP_TIMEOUT: 900, CFG_TCPFIN_TIMEOUT: 120, CFG_UDP_TIMEOUT: 300,
                CFG_SYNRECV_TIMEOUT: 60, CFG_CLOSE_TIMEOUT: 10, CFG_CONN_MAX: 1048576},
          "defaults %s" % c)
    g.cmd(CMD_SET_CONFIG, nest(A_CONFIG, u32(CFG_TCP_TIMEOUT, 100), u32(CFG_UDP_TIMEOUT, 0)))
    c = cfg(g)
    check(c[CFG_TCP_TIMEOUT] == 100 and c[CFG_UDP_TIMEOUT] == 300, "SET_CONFIG %s" % c)
    expect_err(lambda: g.cmd(CMD_SET_CONFIG, nest(A_CONFIG, u32(CFG_TCP_TIMEOUT, 1 << 31))),
               errno.ERANGE)
    expect_err(lambda: g.cmd(CMD_SET_CONFIG), errno.EINVAL, "SET_CONFIG needs")
    g.cmd(CMD_SET_CONFIG, nest(A_CONFIG, u32(CFG_TCP_TIMEOUT, 900)))


def scn_zero(g):
    expect_err(lambda: g.cmd(CMD_ZERO, service("192.0.2.77", 80)), errno.ENOENT,
               "service TCP 192.0.2.77:80 does not exist")
    new_svc(g, "192.0.2.77", 80)
    g.cmd(CMD_ZERO, service("192.0.2.77", 80))
    g.cmd(CMD_ZERO)
    g.cmd(CMD_FLUSH)


def scn_header(g):
    # reserved genlmsghdr bits and unknown nlmsg flags are refused
    data = bytearray(g.build(g.family, CMD_GET_INFO, b"", NLM_F_REQUEST | NLM_F_ACK))
    data[18] = 1
    g.sock.send(bytes(data))
    r = g.recv(check=False)
    check(r and r[0][0] == "error" and r[0][1] == errno.EINVAL, "reserved field accepted")
    expect_err(lambda: g.request(g.family, 99), errno.EOPNOTSUPP)
    expect_err(lambda: g.request(g.family, CMD_NOTIFY), errno.EOPNOTSUPP)
    expect_err(lambda: g.cmd(CMD_GET_INFO, u32(A_SERVICE, 1)), errno.EINVAL)


def scn_unprivileged_setup(g):
    new_svc(g, "192.0.2.1", 80)


def scn_unprivileged(g):
    """Run as nobody: reads work, every write is refused."""
    check(get_u32(info(g)[INFO_SERVICES]) == 1, "nobody reads GET_INFO")
    check(len(services(g)) == 1, "nobody dumps services")
    writes = [(CMD_NEW_SERVICE, service("192.0.2.2", 80)),
              (CMD_DEL_SERVICE, service("192.0.2.1", 80)),
              (CMD_SET_SERVICE, service("192.0.2.1", 80, IPPROTO_TCP, string(SVC_SCHED, "rr"))),
              (CMD_NEW_DEST, service("192.0.2.1", 80) + dest("10.0.0.1", 80)),
              (CMD_FLUSH, b""), (CMD_ZERO, b""),
              (CMD_SET_CONFIG, nest(A_CONFIG, u32(CFG_TCP_TIMEOUT, 5))),
              (CMD_BATCH, op(CMD_DEL_SERVICE, svc_key("192.0.2.1", 80)))]
    for c, payload in writes:
        expect_err(lambda: g.request(g.family, c, payload), errno.EPERM)


def scn_unprivileged_check(g):
    s = services(g)
    check(list(s) == [(socket.inet_aton("192.0.2.1"), 80, IPPROTO_TCP)],
          "the table changed: %d services" % len(s))
    check(not dests(g, "192.0.2.1", 80), "a dest was added")
    check(cfg(g)[CFG_TCP_TIMEOUT] == 900, "the config changed")


def scn_service_in_init_only_setup(g):
    g.cmd(CMD_FLUSH)
    new_svc(g, "192.0.2.2", 80)


def scn_other_netns(g):
    """In a fresh namespace: nothing of the init namespace is visible."""
    check(get_u32(info(g)[INFO_SERVICES]) == 0, "a new namespace has services")
    new_svc(g, "192.0.2.1", 80)
    check(len(services(g)) == 1, "service in the other namespace")


def scn_service_in_init_only_check(g):
    s = services(g)
    check(list(s) == [(socket.inet_aton("192.0.2.2"), 80, IPPROTO_TCP)],
          "init namespace sees %d services, not just 192.0.2.2:80" % len(s))
    g.cmd(CMD_FLUSH)
    new_svc(g, "192.0.2.3", 80)  # left for unload with services


def main():
    g = Genl()
    fn = globals()["scn_" + sys.argv[1]]
    try:
        if not sys.argv[1].endswith("_check") and sys.argv[1] not in ("unprivileged",
                                                                      "other_netns"):
            g.cmd(CMD_FLUSH)  # each scenario starts from an empty table
        fn(g)
    except (AssertionError, NetlinkError) as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
