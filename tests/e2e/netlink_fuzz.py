#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Throw random and malformed generic netlink messages at podvs.

    netlink_fuzz.py [--seed N] [--count N] check|fuzz

fuzz: send COUNT messages built from a seeded generator (the seed is
printed; the same seed replays the same messages): random commands and
attribute trees, valid requests with bytes flipped, truncated or
lengthened attributes, nests without NLA_F_NESTED, wrong family ids,
nlmsg lengths that lie, batches with thousands of ops, dumps with garbage
filters.  Valid requests are mixed in so that deletes and sets meet real
objects.  Every few hundred messages, and at the end, check that the
module still answers and that its tables are consistent.

check: only the consistency check.
"""
import argparse
import errno
import random
import signal
import socket
import struct
import sys
import time

from netlink_genl import *  # noqa: F401,F403 pylint: disable=wildcard-import,unused-wildcard-import

MAX_TYPE = 20


# One message and its replies taking longer than this is a hang, reported
# with the message's bytes so that it can be replayed.
STUCK_SECONDS = 120


class Stuck(Exception):
    pass


def on_alarm(signum, frame):
    raise Stuck()


class Fuzzer:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.g = Genl()
        self.sent = 0
        self.errors = {}

    # building blocks -------------------------------------------------

    def rbytes(self, n):
        return bytes(self.r.getrandbits(8) for _ in range(n))

    def rvalue(self):
        c = self.r.randrange(8)
        if c == 0:
            return b""
        if c == 1:
            return struct.pack("=B", self.r.getrandbits(8))
        if c == 2:
            return struct.pack("=H", self.r.getrandbits(16))
        if c == 3:
            return struct.pack("=I", self.r.choice([0, 1, 2, 10, 6, 17, 251, 65537,
                                                    65535, 1 << 31, 0xffffffff]))
        if c == 4:
            return struct.pack("=Q", self.r.getrandbits(64))
        if c == 5:
            return self.rbytes(self.r.choice([3, 4, 5, 15, 16, 17, 32, 33]))
        if c == 6:
            return self.r.choice([b"mh\0", b"rr\0", b"wrr\0", b"x" * 40 + b"\0", b"sh",
                                  b"\0", b"lc\0garbage"])
        return self.rbytes(self.r.randrange(64))

    def rattrs(self, depth=0):
        out = b""
        for _ in range(self.r.randrange(6)):
            t = self.r.randrange(MAX_TYPE)
            if depth < 3 and self.r.random() < 0.4:
                payload = self.rattrs(depth + 1)
                t |= NLA_F_NESTED if self.r.random() < 0.8 else 0
            else:
                payload = self.rvalue()
                if self.r.random() < 0.05:
                    t |= NLA_F_NESTED
            out += attr(t, payload)
        return out

    def rkey(self):
        v6 = self.r.random() < 0.3
        vip = ("2001:db8::%x" % self.r.randrange(1, 8)) if v6 else \
            ("192.0.2.%d" % self.r.randrange(1, 8))
        return svc_key(vip, self.r.choice([80, 443, 53]),
                       self.r.choice([IPPROTO_TCP, IPPROTO_UDP])), v6

    def rdest(self, v6):
        ip = ("2001:db8:1::%x" % self.r.randrange(1, 16)) if v6 else \
            ("10.0.0.%d" % self.r.randrange(1, 16))
        extra = []
        if self.r.random() < 0.3:
            extra.append(u32(DEST_WEIGHT, self.r.choice([0, 1, 5, 65535])))
        if self.r.random() < 0.2:
            extra.append(u32(DEST_FLAGS, self.r.choice([0, DEST_F_DRAIN])))
        return [addr(DEST_ADDR, ip), be16(DEST_PORT, self.r.choice([80, 8080]))] + extra

    def rsvc_extra(self):
        extra = []
        if self.r.random() < 0.5:
            extra.append(string(SVC_SCHED, self.r.choice(["mh", "sh", "rr", "wrr", "lc"])))
        # small Maglev tables mostly: a debug guest builds 65537 slowly
        if self.r.random() < 0.9:
            extra.append(u32(SVC_MH_TABLE_SIZE, self.r.choice([251, 257, 4093, 65537])))
        if self.r.random() < 0.2:
            extra.append(u32(SVC_FLAGS, self.r.randrange(8)))
        return extra

    def valid(self):
        """A well-formed request (it may still fail: EEXIST, ENOENT)."""
        cmd = self.r.choice([CMD_NEW_SERVICE, CMD_NEW_SERVICE, CMD_SET_SERVICE,
                             CMD_DEL_SERVICE, CMD_NEW_DEST, CMD_NEW_DEST, CMD_NEW_DEST,
                             CMD_SET_DEST, CMD_DEL_DEST, CMD_GET_SERVICE, CMD_ZERO])
        key, v6 = self.rkey()
        if cmd in (CMD_NEW_SERVICE, CMD_SET_SERVICE):
            return cmd, nest(A_SERVICE, *key, *self.rsvc_extra())
        if cmd in (CMD_NEW_DEST, CMD_SET_DEST, CMD_DEL_DEST):
            d = self.rdest(v6)
            if cmd == CMD_DEL_DEST:
                d = d[:2]
            return cmd, nest(A_SERVICE, *key) + nest(A_DEST, *d)
        return cmd, nest(A_SERVICE, *key)

    def valid_batch(self, n):
        ops = []
        for _ in range(n):
            key, v6 = self.rkey()
            c = self.r.choice([CMD_NEW_SERVICE, CMD_NEW_DEST, CMD_NEW_DEST, CMD_SET_DEST,
                               CMD_DEL_DEST, CMD_DEL_SERVICE, CMD_SET_SERVICE])
            if c in (CMD_NEW_SERVICE, CMD_SET_SERVICE):
                ops.append(op(c, key + self.rsvc_extra()))
            elif c == CMD_DEL_SERVICE:
                ops.append(op(c, key))
            else:
                d = self.rdest(v6)
                ops.append(op(c, key, d[:2] if c == CMD_DEL_DEST else d))
        return CMD_BATCH, b"".join(ops)

    # mutations -------------------------------------------------------

    def mutate(self, payload):
        p = bytearray(payload)
        if not p:
            return bytes(self.rbytes(self.r.randrange(16)))
        m = self.r.randrange(7)
        if m == 0:  # flip bytes
            for _ in range(self.r.randrange(1, 6)):
                p[self.r.randrange(len(p))] = self.r.getrandbits(8)
        elif m == 1:  # truncate
            p = p[:self.r.randrange(len(p))]
        elif m == 2:  # lie in an attribute length (first attribute)
            struct.pack_into("=H", p, 0, self.r.choice([0, 1, 3, 4, 5, len(p) + 4, 0xffff]))
        elif m == 3:  # drop NLA_F_NESTED everywhere it is set at top level
            off = 0
            while off + 4 <= len(p):
                alen, t = struct.unpack_from("=HH", p, off)
                struct.pack_into("=HH", p, off, alen, t & ~NLA_F_NESTED)
                if alen < 4:
                    break
                off += (alen + 3) & ~3
        elif m == 4:  # append garbage attributes
            p += self.rattrs()
        elif m == 5:  # duplicate
            p += bytes(p)
        else:  # insert random bytes
            i = self.r.randrange(len(p))
            p[i:i] = self.rbytes(self.r.randrange(1, 9))
        return bytes(p)

    def message(self):
        """(bytes, expect a reply)"""
        g, r = self.g, self.r
        kind = r.randrange(12)
        if kind == 7 and r.random() < 0.8:
            kind = 5  # big batches: 1 message in 60
        self.kind = kind
        flags = NLM_F_REQUEST | NLM_F_ACK
        ftype = g.family
        if kind == 0:
            cmd, payload = r.randrange(0, 24), self.rattrs()
        elif kind in (1, 2, 3):
            cmd, payload = self.valid()
        elif kind == 4:
            cmd, payload = self.valid()
            payload = self.mutate(payload)
        elif kind == 5:
            cmd, payload = self.valid_batch(r.randrange(1, 40))
        elif kind == 6:
            cmd, payload = self.valid_batch(r.randrange(1, 40))
            payload = self.mutate(payload)
        elif kind == 7:  # a big batch
            cmd, payload = self.valid_batch(r.choice([300, 1000]))
        elif kind == 8:  # dumps with or without garbage
            cmd = r.choice([CMD_GET_SERVICE, CMD_GET_DEST, CMD_GET_CONN, CMD_GET_INFO])
            payload = r.choice([b"", self.rattrs(), self.valid()[1]])
            flags |= NLM_F_DUMP
        elif kind == 9:  # odd header flags / version / reserved
            cmd, payload = self.valid()
            flags |= r.choice([0x8, 0x20, 0x100, 0x200, 0x400, 0x800])
        elif kind == 10:  # another family id
            cmd, payload = self.valid()
            ftype = r.choice([0, 1, 15, 16, g.family + 1, 0xffff])
        else:  # config
            cmd = r.choice([CMD_SET_CONFIG, CMD_GET_CONFIG])
            payload = nest(A_CONFIG, *[u32(t, r.choice([0, 1, 900, 1 << 31]))
                                      for t in r.sample(range(1, 8), r.randrange(4))])
            if r.random() < 0.3:
                payload = self.mutate(payload)
        data = bytearray(g.build(ftype, cmd, payload, flags, version=r.choice([1, 1, 0, 7])))
        if r.random() < 0.03:  # nlmsg_len lies
            struct.pack_into("=I", data, 0, r.choice([0, 15, 19, len(data) + 8]))
        if r.random() < 0.02:
            data[18] = 1  # genlmsghdr.reserved
        return bytes(data)

    def drain(self):
        """Read replies until the socket is quiet."""
        s = self.g.sock
        while True:
            try:
                data = s.recv(1 << 20, socket.MSG_DONTWAIT)
            except (BlockingIOError, TimeoutError):
                return
            except OSError as e:  # ENOBUFS after a big dump: keep going
                self.errors[e.errno] = self.errors.get(e.errno, 0) + 1
                continue
            off = 0
            while off + 16 <= len(data):
                mlen, mtype = struct.unpack_from("=IH", data, off)
                if mtype == NLMSG_ERROR and off + 20 <= len(data):
                    err = -struct.unpack_from("=i", data, off + 16)[0]
                    self.errors[err] = self.errors.get(err, 0) + 1
                if mlen < 16:
                    break
                off += (mlen + 3) & ~3

    def run(self, count, check_every, seconds):
        """Send count messages, or fewer when seconds run out first."""
        t0 = time.monotonic()
        for i in range(count):
            if seconds and time.monotonic() - t0 > seconds:
                print("# time budget of %d s spent after %d messages" % (seconds, i),
                      flush=True)
                break
            data = self.message()
            signal.alarm(STUCK_SECONDS)
            try:
                self.g.sock.send(data)
            except OSError as e:
                self.errors[e.errno] = self.errors.get(e.errno, 0) + 1
            except Stuck:
                raise AssertionError("message %d (kind %d) sent for %d s: %s" %
                                     (i, self.kind, STUCK_SECONDS, data.hex())) from None
            self.sent += 1
            try:
                self.drain()
            except Stuck:
                raise AssertionError("replies to message %d (kind %d) still coming after "
                                     "%d s: %s" % (i, self.kind, STUCK_SECONDS, data.hex())) \
                    from None
            signal.alarm(0)
            if (i + 1) % 50 == 0:
                print("# %d messages, %.0f s" % (i + 1, time.monotonic() - t0), flush=True)
            if (i + 1) % check_every == 0:
                n = consistent(Genl())
                print("# %d messages, %.0f s, %d services, %d dests, consistent" %
                      ((i + 1, time.monotonic() - t0) + n), flush=True)
        self.drain()


def consistent(g):
    """GET_INFO answers and agrees with the dumps."""
    i = info(g)
    nsvc, ndest = get_u32(i[INFO_SERVICES]), get_u32(i[INFO_DESTS])
    svcs = [parse_attrs(parse_attrs(b)[A_SERVICE]) for _, b in g.cmd(CMD_GET_SERVICE, dump=True)]
    if len(svcs) != nsvc:
        raise AssertionError("GET_INFO says %d services, the dump has %d" % (nsvc, len(svcs)))
    total = 0
    for s in svcs:
        key = nest(A_SERVICE, attr(SVC_AF, s[SVC_AF]), attr(SVC_PROTOCOL, s[SVC_PROTOCOL]),
                   attr(SVC_ADDR, s[SVC_ADDR]), attr(SVC_PORT, s[SVC_PORT]))
        n = len(g.cmd(CMD_GET_DEST, key, dump=True))
        if n != get_u32(s[SVC_DESTS]):
            raise AssertionError("service says %d dests, the dump has %d" %
                                 (get_u32(s[SVC_DESTS]), n))
        total += n
    if total != ndest:
        raise AssertionError("GET_INFO says %d dests, the dumps have %d" % (ndest, total))
    return nsvc, ndest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--check-every", type=int, default=250)
    ap.add_argument("--seconds", type=int, default=0,
                    help="stop sending after this long (0: no limit)")
    ap.add_argument("what", choices=["fuzz", "check"])
    a = ap.parse_args()
    try:
        if a.what == "check":
            print("# %d services, %d dests, consistent" % consistent(Genl()))
            return
        seed = a.seed if a.seed is not None else random.SystemRandom().randrange(1 << 32)
        print("# seed %d (replay: --seed %d --count %d)" % (seed, seed, a.count), flush=True)
        signal.signal(signal.SIGALRM, on_alarm)
        f = Fuzzer(seed)
        f.run(a.count, a.check_every, a.seconds)
        summary = ", ".join("%s %d" % (errno.errorcode.get(e, e) if e else "ok", n)
                            for e, n in sorted(f.errors.items()))
        print("# sent %d; replies: %s" % (f.sent, summary))
        consistent(Genl())
    except (AssertionError, NetlinkError, OSError) as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
