#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Minimal generic netlink client for podvs tests (Python 3 stdlib only).

Builds and parses raw netlink messages so that tests can also send what a
well-behaved library never would (wrong lengths, garbage nests, bad
flags).  Constants mirror include/uapi/linux/podvs.h.
"""
import errno
import os
import socket
import struct

NETLINK_GENERIC = 16
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
SOL_NETLINK = 270
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 1, 2, 4
NLM_F_DUMP = 0x300
NLM_F_DUMP_INTR = 0x10
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2

# enum podvs_cmd
(CMD_GET_INFO, CMD_NEW_SERVICE, CMD_SET_SERVICE, CMD_DEL_SERVICE,
 CMD_GET_SERVICE, CMD_NEW_DEST, CMD_SET_DEST, CMD_DEL_DEST, CMD_GET_DEST,
 CMD_GET_CONFIG, CMD_SET_CONFIG, CMD_FLUSH, CMD_ZERO, CMD_GET_CONN,
 CMD_BATCH, CMD_NOTIFY) = range(1, 17)
CMD_GET_ANNOUNCE, CMD_SET_ANNOUNCE = 17, 18
# enum podvs_attr
A_INFO, A_SERVICE, A_DEST, A_CONFIG, A_CONN, A_OP = range(1, 7)
A_ANNOUNCE = 7
# enum podvs_ann_attr
(ANN_HOLD, ANN_READY, ANN_DECOMMISSIONED, ANN_UP, ANN_REMAINING_MS,
 ANN_EXPIRIES, ANN_LINKS) = range(1, 8)
# enum podvs_info_attr
(INFO_VERSION, INFO_ABI, INFO_SERVICES, INFO_DESTS, INFO_CONNS,
 INFO_SVC_BUCKETS, INFO_CONN_BUCKETS, INFO_CONN_MAX, INFO_GENERATION,
 INFO_DROPS, INFO_SCHEDULERS, INFO_PAD) = range(1, 13)
# enum podvs_svc_attr
(SVC_AF, SVC_PROTOCOL, SVC_ADDR, SVC_PORT, SVC_SCHED, SVC_FLAGS,
 SVC_FLAGS_MASK, SVC_TIMEOUT, SVC_NETMASK, SVC_MH_TABLE_SIZE, SVC_OWNER,
 SVC_STATS, SVC_DESTS, SVC_PAD) = range(1, 15)
# enum podvs_dest_attr
(DEST_ADDR, DEST_PORT, DEST_WEIGHT, DEST_FLAGS, DEST_FLAGS_MASK, DEST_FWD,
 DEST_OWNER, DEST_ACTIVE_CONNS, DEST_INACTIVE_CONNS, DEST_PERSIST_CONNS,
 DEST_STATS, DEST_PAD) = range(1, 13)
# enum podvs_cfg_attr
(CFG_TCP_TIMEOUT, CFG_TCPFIN_TIMEOUT, CFG_UDP_TIMEOUT, CFG_SYNRECV_TIMEOUT,
 CFG_CLOSE_TIMEOUT, CFG_CONN_MAX) = range(1, 7)
# enum podvs_conn_attr
(CONN_AF, CONN_PROTOCOL, CONN_CADDR, CONN_CPORT, CONN_VADDR, CONN_VPORT,
 CONN_DADDR, CONN_DPORT, CONN_STATE, CONN_EXPIRES) = range(1, 11)
# enum podvs_op_attr
OP_CMD, OP_SERVICE, OP_DEST = range(1, 4)
SVC_F_PERSISTENT, SVC_F_HASH_PORT, SVC_F_HASH_FALLBACK = 1, 2, 4
DEST_F_DRAIN = 1
IPPROTO_TCP, IPPROTO_UDP = 6, 17


def attr(atype, payload):
    """One attribute, padded to 4 bytes."""
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def nest(atype, *children):
    return attr(atype | NLA_F_NESTED, b"".join(children))


def u8(t, v):
    return attr(t, struct.pack("=B", v))


def u16(t, v):
    return attr(t, struct.pack("=H", v))


def u32(t, v):
    return attr(t, struct.pack("=I", v))


def be16(t, v):
    return attr(t, struct.pack(">H", v))


def string(t, s):
    return attr(t, s.encode() + b"\0")


def addr(t, text):
    fam = socket.AF_INET6 if ":" in text else socket.AF_INET
    return attr(t, socket.inet_pton(fam, text))


def parse_attrs(buf):
    """{type: payload} of a flat attribute stream (last one wins)."""
    out, off = {}, 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4:
            break
        out[atype & 0x3fff] = buf[off + 4:off + alen]
        off += (alen + 3) & ~3
    return out


def get_u32(b):
    return struct.unpack("=I", b[:4])[0]


def get_u64(b):
    return struct.unpack("=Q", b[:8])[0]


class NetlinkError(Exception):
    def __init__(self, err, msg, offset):
        super().__init__("%s: %s (offset %s)" % (errno.errorcode.get(err, err), msg, offset))
        self.errno, self.msg, self.offset = err, msg, offset


class Genl:
    """A socket talking to one generic netlink family."""

    def __init__(self, name="podvs", rcvbuf=1 << 22, sndbuf=1 << 24):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, 32, sndbuf)  # SO_SNDBUFFORCE
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        # an error ack must not echo a multi-megabyte batch back
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 1
        self.family, self.groups = self.resolve(name)

    def resolve(self, name):
        msgs = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                            string(CTRL_ATTR_FAMILY_NAME, name), version=1)
        a = parse_attrs(msgs[0][1])
        groups = {}
        for g in parse_attrs(a.get(CTRL_ATTR_MCAST_GROUPS, b"")).values():
            ga = parse_attrs(g)
            groups[ga[1].rstrip(b"\0").decode()] = get_u32(ga[2])
        return struct.unpack("=H", a[CTRL_ATTR_FAMILY_ID][:2])[0], groups

    def raw(self, data):
        """Send bytes as they are; return the replies (see recv)."""
        self.sock.send(data)

    def build(self, ftype, cmd, payload, flags, version=1, seq=None):
        seq = self.seq if seq is None else seq
        self.seq += 1
        hdr = struct.pack("=IHHII", 16 + 4 + len(payload), ftype, flags, seq, 0)
        return hdr + struct.pack("=BBH", cmd, version, 0) + payload

    def recv(self, check=True):
        """Messages up to the ack or NLMSG_DONE: [(flags, attrs bytes)].
        Raises NetlinkError on an error ack when check is set."""
        out = []
        while True:
            data = self.sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, mflags, _, _ = struct.unpack_from("=IHHII", data, off)
                body = data[off + 16:off + mlen]
                off += (mlen + 3) & ~3
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", body)[0]
                    if err == 0 or not check:
                        if err:
                            out.append(("error", err, self.extack(body, mflags)))
                        return out
                    msg, offs = self.extack(body, mflags)
                    raise NetlinkError(err, msg, offs)
                if mtype == NLMSG_DONE:
                    err = -struct.unpack_from("=i", body)[0] if len(body) >= 4 else 0
                    if err and check:
                        msg, offs = self.extack(body, mflags, done=True)
                        raise NetlinkError(err, msg, offs)
                    out.append(("done", mflags, None))
                    return out
                out.append((mflags, body[4:]))
                if not mflags & NLM_F_MULTI:
                    pass

    @staticmethod
    def extack(body, flags, done=False):
        if done:
            tlv = body[4:]
        else:
            mlen = struct.unpack_from("=I", body, 4)[0]
            tlv = body[4 + (16 if flags & 0x100 else mlen):]  # NLM_F_CAPPED
        a = parse_attrs(tlv)
        msg = a.get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode(errors="replace")
        offs = get_u32(a[NLMSGERR_ATTR_OFFS]) if NLMSGERR_ATTR_OFFS in a else None
        return msg, offs

    def request(self, ftype, cmd, payload=b"", dump=False, version=1):
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        self.sock.send(self.build(ftype, cmd, payload, flags, version))
        msgs = self.recv()
        return [m for m in msgs if m[0] != "done"]

    def cmd(self, cmd, *attrs, dump=False):
        return self.request(self.family, cmd, b"".join(attrs), dump=dump)


def svc_key(vip, port, proto=IPPROTO_TCP):
    fam = socket.AF_INET6 if ":" in vip else socket.AF_INET
    return [u16(SVC_AF, fam), u8(SVC_PROTOCOL, proto), addr(SVC_ADDR, vip),
            be16(SVC_PORT, port)]


def service(vip, port, proto=IPPROTO_TCP, *extra):
    return nest(A_SERVICE, *svc_key(vip, port, proto), *extra)


def dest(ip, port, *extra):
    return nest(A_DEST, addr(DEST_ADDR, ip), be16(DEST_PORT, port), *extra)


def op(cmd, svc_attrs, dest_attrs=None):
    parts = [u8(OP_CMD, cmd), nest(OP_SERVICE, *svc_attrs)]
    if dest_attrs is not None:
        parts.append(nest(OP_DEST, *dest_attrs))
    return nest(A_OP, *parts)


def info(g):
    msgs = g.cmd(CMD_GET_INFO)
    return parse_attrs(parse_attrs(msgs[0][1])[A_INFO])


if __name__ == "__main__":
    g = Genl()
    i = info(g)
    print("family", g.family, "groups", g.groups, "version",
          i[INFO_VERSION].rstrip(b"\0").decode(), "services", get_u32(i[INFO_SERVICES]),
          "uid", os.getuid())
