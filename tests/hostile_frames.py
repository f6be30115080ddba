"""hostile_frames.py: send malformed Ethernet frames at a guest.

Run in the peer namespace of a test LAN (tests/lan.py), as root:

    python3 hostile_frames.py IFACE DST_MAC DST_IP SRC_IP CATEGORY COUNT SEED

Sends COUNT frames of one CATEGORY (see FRAMES) from IFACE through a raw
packet socket and prints "sent N". Frames are built from a seeded random
generator, so a run can be repeated exactly. Part of the test harness.
"""

import random
import socket
import struct
import sys


def cksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


def ip_bytes(a):
    return socket.inet_aton(a)


def ipv4(src, dst, payload, proto=1, ttl=64, ihl=5, version=4, flags_frag=0x4000,
         total=None, good_sum=True, options=b""):
    hlen = ihl * 4
    total = hlen + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, total, 0x1234, flags_frag,
                    ttl, proto, 0, src, dst) + options
    h = h[:hlen].ljust(hlen, b"\0") if hlen >= 20 else h
    s = cksum(h[:max(hlen, 20)])
    if not good_sum:
        s ^= 0x5555
    h = h[:10] + struct.pack("!H", s) + h[12:]
    return h + payload


def icmp_echo(ident, seq, data=b"hostile", good_sum=True):
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    s = cksum(m)
    if not good_sum:
        s ^= 0x00FF
    return m[:2] + struct.pack("!H", s) + m[4:]


def frames(category, dst_mac, my_mac, src, dst, rng, n):
    eth_ip = dst_mac + my_mac + b"\x08\x00"
    bcast = b"\xff" * 6
    for i in range(n):
        if category == "unbound-type":
            yield dst_mac + my_mac + b"\x88\xb5" + bytes(rng.randrange(256) for _ in range(46))
        elif category == "checksum":
            yield eth_ip + ipv4(src, dst, icmp_echo(7, i), good_sum=False)
        elif category == "version":
            yield eth_ip + ipv4(src, dst, icmp_echo(7, i), version=6)
        elif category == "header-length":
            yield eth_ip + ipv4(src, dst, icmp_echo(7, i), ihl=3)
        elif category == "total-length":
            yield eth_ip + ipv4(src, dst, icmp_echo(7, i), total=1400)
        elif category == "ttl":
            yield eth_ip + ipv4(src, dst, icmp_echo(7, i), ttl=0)
        elif category == "fragment":
            yield eth_ip + ipv4(src, dst, icmp_echo(7, i), flags_frag=0x2000 | (i % 8))
        elif category == "not-for-us":
            yield eth_ip + ipv4(src, ip_bytes("10.10.0.77"), icmp_echo(7, i))
        elif category == "icmp-malformed":
            yield eth_ip + ipv4(src, dst, icmp_echo(7, i, good_sum=False))
        elif category == "ip-options":
            # a valid echo request with 4 bytes of options (NOPs): answered
            yield eth_ip + ipv4(src, dst, icmp_echo(9, i), ihl=6, options=b"\x01\x01\x01\x00")
        elif category == "arp-malformed":
            arp = struct.pack("!HHBBH", 1, 0x0800, 7, 4, 1) + bytes(21)
            yield bcast + my_mac + b"\x08\x06" + arp
        elif category == "arp-storm":
            arp = (struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + my_mac + src + bytes(6)
                   + ip_bytes("10.10.0.%d" % (150 + i % 50)))
            yield bcast + my_mac + b"\x08\x06" + arp
        elif category == "wrong-mac":
            yield b"\x52\x54\x00\x99\x99\x99" + my_mac + b"\x08\x00" + ipv4(src, dst, icmp_echo(7, i))
        elif category == "random":
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(46, 1500)))
            yield eth_ip + body
        else:
            raise SystemExit("unknown category %s" % category)


def main():
    iface, dst_mac, dst_ip, src_ip, category, count, seed = sys.argv[1:8]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    my_mac = s.getsockname()[4]
    rng = random.Random(int(seed))
    n = 0
    for f in frames(category, mac_bytes(dst_mac), my_mac, ip_bytes(src_ip), ip_bytes(dst_ip),
                    rng, int(count)):
        s.send(f)
        n += 1
    print("sent %d" % n)


if __name__ == "__main__":
    main()
