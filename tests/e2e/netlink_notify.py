#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The "changes" multicast group of the podvs genl family, one scenario per
argument name (run by tests/e2e/31-netlink-notify.sh, podvs loaded).

What include/uapi/linux/podvs.h documents: a PODVS_CMD_NOTIFY is sent on
the group after every committed change, carrying PODVS_A_INFO with
GENERATION.  So: exactly one NOTIFY per write command or BATCH that
commits (however many ops the batch holds), none for reads or refused
writes, each carrying the generation GET_INFO reports right after.

No timing: the kernel multicasts before it acks the request, so once the
ack is in, the NOTIFY is already queued on every listener; listeners read
what is queued without blocking.  Exit 0: pass; 1: fail (message on
stderr).
"""
import ctypes
import errno
import os
import socket
import struct
import subprocess
import sys

from netlink_genl import *  # noqa: F401,F403 pylint: disable=wildcard-import,unused-wildcard-import

NETLINK_ADD_MEMBERSHIP = 1
CLONE_NEWNET = 0x40000000
NOBODY = 65534


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Listener(Genl):
    """A genl socket joined to the "changes" group.  Not for requests: a
    request reads its socket up to the ack, NOTIFYs included."""

    def __init__(self):
        super().__init__()
        check("changes" in self.groups, "family podvs has no \"changes\" group: %s" %
              self.groups)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, self.groups["changes"])

    def queued(self):
        """Every message queued on the socket: [(header tuple, genl cmd,
        genl version, attrs bytes)]."""
        out = []
        while True:
            try:
                data = self.sock.recv(1 << 16, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return out
            off = 0
            while off + 20 <= len(data):
                hdr = struct.unpack_from("=IHHII", data, off)
                cmd, version = data[off + 16], data[off + 17]
                out.append((hdr, cmd, version, data[off + 20:off + hdr[0]]))
                off += (hdr[0] + 3) & ~3

    def notifies(self):
        """The generations carried by the queued NOTIFYs, checking that
        each is exactly what the ABI says."""
        gens = []
        for (mlen, mtype, _, seq, pid), cmd, version, body in self.queued():
            check(mtype == self.family, "message type %d, not the family %d" %
                  (mtype, self.family))
            check(cmd == CMD_NOTIFY, "multicast command %d, not NOTIFY" % cmd)
            check(version == PODVS_VERSION, "genl version %d" % version)
            check(seq == 0 and pid == 0, "NOTIFY with seq %d portid %d" % (seq, pid))
            top = parse_attrs(body)
            check(list(top) == [A_INFO], "NOTIFY attributes %s, not just A_INFO" %
                  sorted(top))
            inner = parse_attrs(top[A_INFO])
            check(list(inner) == [INFO_GENERATION],
                  "NOTIFY A_INFO holds %s, not just GENERATION" % sorted(inner))
            check(mlen == 20 + 4 + 8, "NOTIFY of %d bytes" % mlen)
            gens.append(get_u32(inner[INFO_GENERATION]))
        return gens


PODVS_VERSION = 1  # PODVS_GENL_VERSION


def generation(g):
    return get_u32(info(g)[INFO_GENERATION])


def expect_one(lis, g, what, gen):
    """Exactly one NOTIFY since the last call, for generation gen + 1, the
    one GET_INFO reports.  Returns it."""
    got = lis.notifies()
    now = generation(g)
    check(len(got) == 1, "%s: %d NOTIFYs (generations %s), expected one" % (what, len(got), got))
    check(got[0] == now, "%s: NOTIFY says generation %d, GET_INFO %d" % (what, got[0], now))
    check(now == gen + 1, "%s: generation %d -> %d, expected +1" % (what, gen, now))
    print("# %s: one NOTIFY, generation %d" % (what, now))
    return now


def expect_none(lis, g, what, gen):
    got = lis.notifies()
    check(not got, "%s: NOTIFYs %s, expected none" % (what, got))
    check(generation(g) == gen, "%s: generation moved %d -> %d" % (what, gen, generation(g)))


def svc_attrs(vip, port, *extra, proto=IPPROTO_TCP):
    return service(vip, port, proto, *extra)


# Each write command the ABI has, as a (name, command, payload) step.
WRITES = [
    ("NEW_SERVICE", CMD_NEW_SERVICE, svc_attrs("192.0.2.1", 80, string(SVC_SCHED, "rr"))),
    ("SET_SERVICE", CMD_SET_SERVICE, svc_attrs("192.0.2.1", 80, string(SVC_SCHED, "mh"))),
    ("NEW_DEST", CMD_NEW_DEST, svc_attrs("192.0.2.1", 80) + dest("10.0.0.1", 8080)),
    ("NEW_DEST v2", CMD_NEW_DEST, svc_attrs("192.0.2.1", 80) + dest("10.0.0.2", 8080)),
    ("SET_DEST (drain)", CMD_SET_DEST,
     svc_attrs("192.0.2.1", 80) + dest("10.0.0.1", 8080, u32(DEST_FLAGS, DEST_F_DRAIN))),
    ("DEL_DEST", CMD_DEL_DEST, svc_attrs("192.0.2.1", 80) + dest("10.0.0.2", 8080)),
    ("ZERO one service", CMD_ZERO, svc_attrs("192.0.2.1", 80)),
    ("ZERO", CMD_ZERO, b""),
    ("SET_CONFIG", CMD_SET_CONFIG, nest(A_CONFIG, u32(CFG_TCP_TIMEOUT, 900))),
    ("DEL_SERVICE", CMD_DEL_SERVICE, svc_attrs("192.0.2.1", 80)),
    ("FLUSH (empty table)", CMD_FLUSH, b""),
]


def scn_commands(g):
    """One NOTIFY per committed write command, each for its generation."""
    lis = Listener()
    gen = generation(g)
    for what, cmd, payload in WRITES:
        g.request(g.family, cmd, payload)
        gen = expect_one(lis, g, what, gen)
    g.cmd(CMD_NEW_SERVICE, svc_attrs("192.0.2.2", 53, proto=IPPROTO_UDP))
    gen = expect_one(lis, g, "NEW_SERVICE UDP", gen)
    g.cmd(CMD_FLUSH)
    expect_one(lis, g, "FLUSH", gen)


def scn_quiet(g):
    """Reads and refused writes send nothing and change no generation."""
    g.cmd(CMD_NEW_SERVICE, svc_attrs("192.0.2.1", 80))
    g.cmd(CMD_NEW_DEST, svc_attrs("192.0.2.1", 80) + dest("10.0.0.1", 8080))
    lis = Listener()
    gen = generation(g)
    g.cmd(CMD_GET_SERVICE, dump=True)
    g.cmd(CMD_GET_SERVICE, svc_attrs("192.0.2.1", 80))
    g.cmd(CMD_GET_DEST, svc_attrs("192.0.2.1", 80), dump=True)
    g.cmd(CMD_GET_CONFIG)
    g.cmd(CMD_GET_CONN, dump=True)
    expect_none(lis, g, "reads", gen)
    refused = [
        (CMD_NEW_SERVICE, svc_attrs("192.0.2.1", 80), errno.EEXIST),
        (CMD_DEL_SERVICE, svc_attrs("192.0.2.9", 80), errno.ENOENT),
        (CMD_NEW_DEST, svc_attrs("192.0.2.1", 80) + dest("10.0.0.1", 8080), errno.EEXIST),
        (CMD_SET_DEST, svc_attrs("192.0.2.1", 80) + dest("10.0.0.9", 8080), errno.ENOENT),
        (CMD_ZERO, svc_attrs("192.0.2.9", 80), errno.ENOENT),
        (CMD_SET_SERVICE, svc_attrs("192.0.2.1", 80, string(SVC_SCHED, "nope")), errno.ENOENT),
    ]
    for cmd, payload, err in refused:
        try:
            g.request(g.family, cmd, payload)
        except NetlinkError as e:
            check(e.errno == err, "command %d: %s, expected %s" %
                  (cmd, errno.errorcode.get(e.errno), errno.errorcode[err]))
        else:
            raise AssertionError("command %d was not refused" % cmd)
    expect_none(lis, g, "refused writes", gen)
    # a batch whose last op fails changes nothing and says nothing
    ops = [op(CMD_NEW_DEST, svc_key("192.0.2.1", 80), [addr(DEST_ADDR, "10.0.1.%d" % i),
                                                       be16(DEST_PORT, 80)])
           for i in range(1, 50)]
    ops.append(op(CMD_DEL_SERVICE, svc_key("192.0.2.9", 80)))
    try:
        g.cmd(CMD_BATCH, *ops)
    except NetlinkError as e:
        check(e.errno == errno.ENOENT and "op 49" in e.msg, "batch refusal: %s" % e)
    else:
        raise AssertionError("the failing batch was applied")
    expect_none(lis, g, "refused batch", gen)
    g.cmd(CMD_FLUSH)


def scn_batch(g):
    """One NOTIFY per committed BATCH, however many ops it holds."""
    lis = Listener()
    gen = generation(g)
    ops = [op(CMD_NEW_SERVICE, svc_key("192.0.2.%d" % (1 + i // 50), 80 + i % 50))
           for i in range(500)]
    g.cmd(CMD_BATCH, *ops)
    gen = expect_one(lis, g, "BATCH of 500 NEW_SERVICE", gen)
    check(get_u32(info(g)[INFO_SERVICES]) == 500, "the batch made 500 services")
    ops = [op(CMD_NEW_DEST, svc_key("192.0.2.1", 80),
              [addr(DEST_ADDR, "10.0.%d.%d" % (i // 200, 1 + i % 200)), be16(DEST_PORT, 80)])
           for i in range(1000)]
    ops += [op(CMD_DEL_SERVICE, svc_key("192.0.2.2", 80 + i)) for i in range(50)]
    g.cmd(CMD_BATCH, *ops)
    gen = expect_one(lis, g, "BATCH of 1,000 NEW_DEST and 50 DEL_SERVICE", gen)
    i = info(g)
    check(get_u32(i[INFO_SERVICES]) == 450 and get_u32(i[INFO_DESTS]) == 1000,
          "after the second batch: %d services, %d dests" %
          (get_u32(i[INFO_SERVICES]), get_u32(i[INFO_DESTS])))
    g.cmd(CMD_BATCH, op(CMD_DEL_SERVICE, svc_key("192.0.2.1", 80)))
    gen = expect_one(lis, g, "BATCH of one DEL_SERVICE with 1,000 dests", gen)
    g.cmd(CMD_FLUSH)
    expect_one(lis, g, "FLUSH of 449 services", gen)


def adm(*args, stdin=None):
    r = subprocess.run([os.environ["PODVSADM"], *args], input=stdin, text=True,
                       capture_output=True, check=False)
    check(r.returncode == 0, "podvsadm %s exited %d: %s" % (" ".join(args), r.returncode,
                                                             r.stderr.strip()))
    return r.stdout


ADM_STEPS = [
    ["-A", "-t", "192.0.2.1:80", "-s", "rr"],
    ["-a", "-t", "192.0.2.1:80", "-r", "10.0.0.1:8080", "-m", "-w", "3"],
    ["-a", "-t", "192.0.2.1:80", "-r", "10.0.0.2:8080", "-m"],
    ["-e", "-t", "192.0.2.1:80", "-r", "10.0.0.2:8080", "-m", "-w", "4"],
    ["--drain", "-t", "192.0.2.1:80", "-r", "10.0.0.1:8080"],
    ["--undrain", "-t", "192.0.2.1:80", "-r", "10.0.0.1:8080"],
    ["-d", "-t", "192.0.2.1:80", "-r", "10.0.0.1:8080"],
    ["-E", "-t", "192.0.2.1:80", "-s", "mh", "-p", "600"],
    ["-A", "-u", "[2001:db8::1]:53", "-s", "sh"],
    ["-Z"],
    ["-Z", "-t", "192.0.2.1:80"],
    ["--set", "900", "120", "300"],
    ["-D", "-u", "[2001:db8::1]:53"],
    ["-C"],
]


def scn_podvsadm(g):
    """podvsadm: one NOTIFY per command that changes the table, none for
    listings, one for a whole --restore (one batch)."""
    lis = Listener()
    gen = generation(g)
    for args in ADM_STEPS:
        adm(*args)
        gen = expect_one(lis, g, "podvsadm " + " ".join(args), gen)
    for args in (["-Ln"], ["-Sn"], ["-L", "-n", "-c"], ["-L", "-n", "--stats"],
                 ["-L", "--timeout"]):
        adm(*args)
    expect_none(lis, g, "podvsadm listings", gen)
    lines = ["-A -t 192.0.2.%d:80 -s rr" % s for s in range(1, 21)]
    lines += ["-a -t 192.0.2.%d:80 -r 10.0.%d.%d:8080 -m -w 1" % (s, s, d)
              for s in range(1, 21) for d in range(1, 11)]
    adm("-R", stdin="\n".join(lines) + "\n")
    gen = expect_one(lis, g, "podvsadm -R of 20 services x 10 dests", gen)
    # -C inside a restore: the deletions and the new table in one batch
    adm("-R", stdin="-C\n-A -t 192.0.2.99:80 -s rr\n"
        "-a -t 192.0.2.99:80 -r 10.0.0.9:80 -m -w 1\n")
    gen = expect_one(lis, g, "podvsadm -R with -C", gen)
    check(get_u32(info(g)[INFO_SERVICES]) == 1, "-R with -C left %d services" %
          get_u32(info(g)[INFO_SERVICES]))
    adm("-C")
    expect_one(lis, g, "podvsadm -C", gen)


def child(fn):
    """Run fn() in a child process; returns (pipe to it, pid).  The child
    exits 0 if fn returns, 1 (message on stderr) if it raises."""
    r, w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        rc = 0
        try:
            fn(os.fdopen(r, "rb", buffering=0))
        except (AssertionError, NetlinkError, OSError) as e:
            print("FAIL (child): %s" % e, file=sys.stderr)
            rc = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc)
    os.close(r)
    return os.fdopen(w, "wb", buffering=0), pid


def wait_child(pid, what):
    _, status = os.waitpid(pid, 0)
    check(os.waitstatus_to_exitcode(status) == 0, "%s failed" % what)


def ready_pipe():
    r, w = os.pipe()
    return os.fdopen(r, "rb", buffering=0), os.fdopen(w, "wb", buffering=0)


def drop_privileges():
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    os.setresuid(NOBODY, NOBODY, NOBODY)
    check(os.geteuid() == NOBODY, "still uid %d" % os.geteuid())


def scn_unprivileged(g):
    """Joining the group is a read, as GET_* are: a process without
    CAP_NET_ADMIN (uid nobody) may join and gets every NOTIFY, while its
    writes are refused."""
    rd, wr = ready_pipe()

    def listen(go):
        drop_privileges()
        lis, req = Listener(), Genl()
        try:
            req.cmd(CMD_NEW_SERVICE, svc_attrs("192.0.2.50", 80))
        except NetlinkError as e:
            check(e.errno == errno.EPERM, "nobody's write: %s" % e)
        else:
            raise AssertionError("nobody could add a service")
        check(not lis.notifies(), "NOTIFY for a refused write")
        wr.write(b"r")
        check(go.read(1) == b"g", "no go from the parent")
        gens, now = lis.notifies(), generation(req)
        check(gens == [now - 1, now],
              "nobody got NOTIFYs %s, expected the last two generations %d, %d" %
              (gens, now - 1, now))
        print("# nobody joined \"changes\" and got generations %s" % gens)

    go, pid = child(listen)
    wr.close()  # the child's copy is the only writer: its death is EOF
    if rd.read(1) != b"r":
        wait_child(pid, "the unprivileged listener")
        raise AssertionError("the unprivileged listener ended before it was ready")
    g.cmd(CMD_NEW_SERVICE, svc_attrs("192.0.2.1", 80))
    g.cmd(CMD_BATCH, op(CMD_NEW_DEST, svc_key("192.0.2.1", 80),
                        [addr(DEST_ADDR, "10.0.0.1"), be16(DEST_PORT, 80)]))
    go.write(b"g")
    wait_child(pid, "the unprivileged listener")
    g.cmd(CMD_FLUSH)


def setns(name):
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/run/netns/" + name, "rb") as f:
        if libc.setns(f.fileno(), CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + name)


def scn_netns(g):
    """NOTIFYs stay in their namespace: a listener in namespace "other"
    hears nothing of the init namespace's changes, and its own change is
    heard there and not here."""
    other = sys.argv[2]
    rd, wr = ready_pipe()
    lis = Listener()
    gen = generation(g)

    def listen(go):
        setns(other)
        own, req = Listener(), Genl()  # a requester reads up to its ack
        wr.write(b"r")
        check(go.read(1) == b"g", "no go from the parent")
        check(not own.queued(), "the other namespace got the init namespace's NOTIFY")
        ogen = generation(req)
        req.cmd(CMD_NEW_SERVICE, svc_attrs("192.0.2.1", 80))
        expect_one(own, req, "NEW_SERVICE in the other namespace", ogen)
        req.cmd(CMD_FLUSH)
        wr.write(b"d")

    go, pid = child(listen)
    wr.close()  # the child's copy is the only writer: its death is EOF
    if rd.read(1) != b"r":
        wait_child(pid, "the other namespace's listener")
        raise AssertionError("the other namespace's listener ended before it was ready")
    g.cmd(CMD_NEW_SERVICE, svc_attrs("192.0.2.7", 80))
    gen = expect_one(lis, g, "NEW_SERVICE in the init namespace", gen)
    go.write(b"g")
    rd.read(1)  # "d", or EOF if it failed
    wait_child(pid, "the other namespace's listener")
    expect_none(lis, g, "changes in the other namespace, seen from init", gen)
    g.cmd(CMD_FLUSH)


def main():
    g = Genl()
    fn = globals()["scn_" + sys.argv[1]]
    try:
        g.cmd(CMD_FLUSH)  # each scenario starts from an empty table
        fn(g)
    except (AssertionError, NetlinkError) as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
