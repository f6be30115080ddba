#!/usr/bin/env python3
"""fish_classic.py: an original ("classic") FiSh node, simulated on Linux.

Part of the FiSh tests (tests/test_fish.py runs it in the LAN's peer
namespace). It speaks only the original Xinu format (docs/fish.md):
7-byte file names, one 256-byte block per file, no checksums, and it
fills padding with non-zero bytes the way the original code may. Uses
a raw packet socket (needs root); standard library only.

    fish_classic.py IFACE serve NAME SECONDS FILE=TEXT...
        answer PING, DIRASK and GETFILE for SECONDS; prints "ready"
    fish_classic.py IFACE client DSTMAC FILE
        PING (padding 1..45), DIRASK and GETFILE FILE to DSTMAC; prints
        "announce NAME MAC cap=0|1", "dirlist N1 N2 ...", and
        "havefile NAME HEX" or "nofile NAME" or "noanswer"
    fish_classic.py IFACE hostile DSTMAC KIND COUNT [SEED]
        send malformed or malicious frames (see KINDS), then print every
        reply as "reply OP NAME DATALEN DATAHEX"
    fish_classic.py IFACE liar NAME SECONDS TOTAL SIZE
        not classic: an extended node that lies. It announces the
        capability marker, answers every XDIRASK with one entry of a
        listing TOTAL long ("nSTART 1") and every XGETFILE with a size of
        SIZE and CRC 0; prints "ready", then "quiet PAGES" each time no
        XDIRASK came for a second after some did
"""

import os
import random
import select
import socket
import struct
import sys
import time
import zlib

TYPE = 0x3250
ANNOUNCE, PING, DIRASK, DIRLIST, GETFILE, HAVEFILE, NOFILE = range(1, 8)
XDIRASK, XDIRLIST, XGETFILE, XINFO, XREAD, XDATA = range(0x11, 0x17)
BCAST = b"\xff" * 6
FNAMLEN, BLOCK, MAXNAME, DIRENTRIES, MINPAY = 7, 256, 25, 9, 46


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b)


class Link:
    def __init__(self, iface):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(TYPE))
        self.s.bind((iface, TYPE))
        self.me = self.s.getsockname()[4]

    def send(self, dst, payload, pad=0x5a, src=None):
        if len(payload) < MINPAY:
            payload = payload + bytes([pad]) * (MINPAY - len(payload))
        self.s.send(dst + (src or self.me) + struct.pack("!H", TYPE) + payload)

    def recv(self, timeout):
        """(src, payload) or None after timeout seconds."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return None
            f = self.s.recv(2048)
            if len(f) < 15 or f[6:12] == self.me:
                continue
            if f[0:6] != self.me and f[0:6] != BCAST:
                continue
            return f[6:12], f[14:]


def fname(name):
    b = name.encode()[:FNAMLEN]
    return b + b"\0" * (FNAMLEN - len(b))


def fname_get(b):
    return b[:FNAMLEN].split(b"\0", 1)[0].decode("latin-1")


def serve(link, name, seconds, files):
    print("ready", flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        got = link.recv(end - time.monotonic())
        if got is None:
            break
        src, p = got
        op = p[0]
        if op == PING:
            nm = name.encode()[:MAXNAME - 1]
            # name, its NUL, then non-zero padding (never the marker)
            link.send(src, bytes([ANNOUNCE]) + nm + b"\0" + b"\x33" * (MAXNAME - 1 - len(nm)))
        elif op == DIRASK:
            names = [n for n in files if len(n) <= FNAMLEN][:DIRENTRIES]
            body = b"".join(fname(n) for n in names) + b"\0" * FNAMLEN * (DIRENTRIES - len(names))
            link.send(src, bytes([DIRLIST]) + body)
        elif op == GETFILE:
            want = fname_get(p[1:8])
            if want in files:
                data = files[want][:BLOCK]
                link.send(src, bytes([HAVEFILE]) + fname(want) + data + b"\0" * (BLOCK - len(data)))
            else:
                link.send(src, bytes([NOFILE]) + fname(want))
        print("served %d from %s" % (op, mac_str(src)), flush=True)


def client(link, dst, want):
    # PING with the original's padding: bytes 1..45
    link.send(BCAST, bytes([PING]) + bytes(range(1, 46)))
    end = time.monotonic() + 1.5
    while True:
        got = link.recv(end - time.monotonic())
        if got is None:
            break
        src, p = got
        if p[0] == ANNOUNCE:
            nm = p[1:MAXNAME + 1].split(b"\0", 1)[0].decode("latin-1")
            cap = int(p[26:31] == b"FiShX")
            print("announce %s %s cap=%d" % (nm, mac_str(src), cap), flush=True)
    for attempt in range(3):
        link.send(dst, bytes([DIRASK]) + bytes(range(1, 46)))
        got = link.recv(2)
        while got and (got[0] != dst or got[1][0] != DIRLIST):
            got = link.recv(2)
        if got:
            p = got[1]
            names = [fname_get(p[1 + i * FNAMLEN:]) for i in range(DIRENTRIES)]
            print("dirlist " + " ".join(n for n in names if n), flush=True)
            break
    for attempt in range(3):
        link.send(dst, bytes([GETFILE]) + fname(want))
        got = link.recv(2)
        while got and (got[0] != dst or got[1][0] not in (HAVEFILE, NOFILE)):
            got = link.recv(2)
        if got:
            p = got[1]
            if p[0] == HAVEFILE and len(p) >= 1 + FNAMLEN + BLOCK:
                print("havefile %s %s" % (fname_get(p[1:]), p[8:8 + BLOCK].hex()), flush=True)
            else:
                print("nofile %s" % fname_get(p[1:]), flush=True)
            return
    print("noanswer", flush=True)


def xframe(op, reqid, body, version=1, badcrc=False, length=None):
    n = 8 + len(body) + 4 if length is None else length
    head = struct.pack("!BBHI", op, version, n, reqid) + body
    crc = zlib.crc32(head) & 0xffffffff
    if badcrc:
        crc ^= 0x1
    return head + struct.pack("!I", crc)


def xname(s):
    b = s.encode("latin-1")
    return bytes([len(b) & 0xff]) + b


# Names that must never reach a file outside the share.
TRAVERSALS = ["../etc/rc", "/etc/rc", "..", ".", "", "a/b", "../../README", "/README",
              "x" * 31, "x" * 200, "..\x00hello", "hello/", "bin/sh"]
CLASSIC_TRAVERSALS = ["/etc/rc", "../rc", "..", ".", "", "/README", "a/b", "/bin/sh"]


def hostile(link, dst, kind, count, seed):
    rnd = random.Random(seed)
    sent = 0
    for i in range(count):
        if kind == "traversal":
            # classic GETFILE and extended XGETFILE/XREAD with bad names
            n = CLASSIC_TRAVERSALS[i % len(CLASSIC_TRAVERSALS)]
            link.send(dst, bytes([GETFILE]) + fname(n), pad=0)
            x = TRAVERSALS[i % len(TRAVERSALS)]
            link.send(dst, xframe(XGETFILE, 1000 + i, xname(x)))
            link.send(dst, xframe(XREAD, 2000 + i,
                                  struct.pack("!QQH", 0, 0xffffffff, 1472) + xname(x)))
            sent += 3
        elif kind == "short":
            # frames too short for their opcode (real length in ext header)
            op = rnd.choice([DIRLIST, HAVEFILE, XDIRLIST, XINFO, XREAD, XDATA, XGETFILE])
            if op in (DIRLIST, HAVEFILE):
                link.send(dst, bytes([op]) + bytes(rnd.randrange(45, 60)))
            else:
                # bodies shorter than the opcode's fields (XGETFILE: none)
                body = b"" if op == XGETFILE else bytes(rnd.randrange(0, 3))
                link.send(dst, xframe(op, i, body))
            sent += 1
        elif kind == "badlen":
            link.send(dst, xframe(XGETFILE, i, xname("hello"), length=rnd.choice([0, 3, 11, 1499])))
            sent += 1
        elif kind == "badcrc":
            link.send(dst, xframe(XGETFILE, i, xname("hello"), badcrc=True))
            sent += 1
        elif kind == "unknown":
            op = rnd.choice([0, 8, 9, 0x10, 0x17, 0x40, 0x7f, 0x80, 0xff])
            link.send(dst, bytes([op]) + bytes(rnd.randrange(256) for _ in range(rnd.randrange(45, 200))))
            sent += 1
        elif kind == "empty":
            link.s.send(dst + link.me + struct.pack("!H", TYPE))   # no payload at all
            sent += 1
        elif kind == "flood":
            # forged ANNOUNCEs, each from a different made-up address
            src = bytes([0x02, 0x66, rnd.randrange(256), rnd.randrange(256),
                         rnd.randrange(256), rnd.randrange(256)])
            nm = ("forged%d" % i).encode()
            link.send(BCAST, bytes([ANNOUNCE]) + nm + b"\0", pad=0, src=src)
            sent += 1
        elif kind == "multicast-src":
            src = bytes([0x01, 0x00, 0x5e, 0, 0, i & 0xff])
            link.send(dst, bytes([PING]), src=src)
            sent += 1
        elif kind == "random":
            n = rnd.randrange(0, 1500)
            link.s.send(dst + link.me + struct.pack("!H", TYPE) +
                        bytes(rnd.randrange(256) for _ in range(n)))
            sent += 1
        else:
            raise SystemExit("unknown kind " + kind)
    print("sent %d" % sent, flush=True)
    # every reply within a second of the last frame
    while True:
        got = link.recv(1.5)
        if got is None:
            break
        src, p = got
        op = p[0]
        if op in (HAVEFILE, NOFILE, GETFILE):
            name, data = fname_get(p[1:]), p[8:8 + BLOCK] if op == HAVEFILE else b""
        elif op in (XINFO, XDATA, XDIRLIST) and len(p) >= 12:
            name = "reqid=%d" % struct.unpack("!I", p[4:8])[0]
            data = p[8:struct.unpack("!H", p[2:4])[0] - 4]
        else:
            name, data = "-", p[1:]
        print("reply %d %s %d %s" % (op, name or "-", len(data), data.hex()[:64]), flush=True)
    print("end", flush=True)


def liar(link, name, seconds, total, size):
    print("ready", flush=True)
    end = time.monotonic() + seconds
    pages, last, said = 0, None, True
    while time.monotonic() < end:
        got = link.recv(min(0.2, max(0.0, end - time.monotonic())))
        if got is None:
            if not said and time.monotonic() - last >= 1.0:
                print("quiet %d" % pages, flush=True)
                said = True
            continue
        src, p = got
        op = p[0]
        reqid = struct.unpack("!I", p[4:8])[0] if len(p) >= 8 else 0
        if op == PING:
            nm = name.encode()[:MAXNAME - 1]
            link.send(src, bytes([ANNOUNCE]) + nm + b"\0" * (MAXNAME - len(nm)) +
                      b"FiShX\x01", pad=0)
        elif op == XDIRASK and len(p) >= 16:
            start = struct.unpack("!I", p[8:12])[0]
            entry = xname("n%d" % start) + struct.pack("!I", 1)
            link.send(src, xframe(XDIRLIST, reqid, struct.pack("!IIH", start, total, 1) + entry))
            pages += 1
            last, said = time.monotonic(), False
        elif op == XGETFILE and len(p) >= 13:
            nm = p[9:9 + p[8]]
            link.send(src, xframe(XINFO, reqid, struct.pack("!BQI", 0, size, 0) +
                                  bytes([len(nm)]) + nm))


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    link = Link(sys.argv[1])
    cmd = sys.argv[2]
    if cmd == "serve":
        files = {}
        for spec in sys.argv[5:]:
            k, v = spec.split("=", 1)
            files[k] = v.encode()
        serve(link, sys.argv[3], float(sys.argv[4]), files)
    elif cmd == "client":
        client(link, mac_bytes(sys.argv[3]), sys.argv[4])
    elif cmd == "liar":
        liar(link, sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
    elif cmd == "hostile":
        seed = int(sys.argv[6]) if len(sys.argv) > 6 else 1
        hostile(link, mac_bytes(sys.argv[3]), sys.argv[4], int(sys.argv[5]), seed)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
