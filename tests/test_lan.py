"""test_lan.py: the link and network layers on a real LAN (issue: e1000,
eth, arp, ip). Guests get 10.10.0.N; with root, Linux in a namespace is a
peer at 10.10.0.100 and tshark watches the bridge (see tests/lan.py).

Without root only the guest-to-guest tests run (QEMU multicast LAN); the
others are skipped with the reason printed.
"""

import os
import re
import subprocess
import sys
import tempfile

import deps
import lan as lanlib
import leakcheck

BOOT = False       # these tests boot their own guests
REPO = lanlib.qemu.REPO
HOSTILE = os.path.join(REPO, "tests", "hostile_frames.py")

# One LAN for the whole module; tests/run.py calls teardown after its last test.
_shared_lan = lanlib.ModuleLan()
the_lan = _shared_lan.get
teardown = _shared_lan.close


def guest(n, extra_boot=""):
    l = the_lan()
    m = l.machines.get(n)
    if m is None or not m.alive:
        m = l.guest(n, extra_boot)
        m.baseline = leakcheck.read(m)
    return m


def need_root(h):
    l = the_lan()
    if not l.root:
        h.skip("Linux peer unavailable: " + l.why_not_root)
    return l


def run_ok(m, cmd, timeout=60):
    r = m.run(cmd, timeout=timeout)
    assert r.status == 0, "%r exited %d: %s" % (cmd, r.status, r.output.strip()[-400:])
    return r.output


def peer_mac(l):
    return l.peer_run(["cat", "/sys/class/net/eth0/address"], check=True).stdout.strip()


def test_first_ping_after_boot(h):
    """The first packet waits behind ARP and is sent once the reply comes."""
    l = need_root(h)
    m = guest(1)
    out = run_ok(m, "ping -c 1 -W 3000 10.10.0.100")
    assert "1 packets transmitted, 1 received" in out, out


def test_linux_pings_guest(h):
    l = need_root(h)
    guest(1)
    p = l.peer_run(["ping", "-c", "20", "-i", "0.05", "-W", "2", lanlib.guest_addr(1)],
                   timeout=60)
    assert " 0% packet loss" in p.stdout, p.stdout


def test_guest_pings_linux(h):
    l = need_root(h)
    m = guest(1)
    out = run_ok(m, "ping -c 5 -i 100 10.10.0.100")
    assert "5 packets transmitted, 5 received" in out, out


def test_neighbour_tables(h):
    """Each side's ARP cache holds the other's hardware address."""
    l = need_root(h)
    m = guest(1)
    run_ok(m, "ping -c 1 10.10.0.100")
    out = run_ok(m, "cat /dev/arp")
    mac = peer_mac(l)
    assert re.search(r"^10\.10\.0\.100 %s " % re.escape(mac), out, re.M), out
    p = l.peer_run(["ip", "neigh", "show", lanlib.guest_addr(1)], check=True)
    assert lanlib.guest_mac(1) in p.stdout.lower(), p.stdout


def test_tshark_decodes_our_frames(h):
    """A fresh guest's gratuitous ARP, ARP request and ICMP, seen on the
    bridge, decode as valid ARP/IPv4/ICMP with correct checksums."""
    l = need_root(h)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "lan.pcap")
        os.chmod(d, 0o777)
        cap = l.capture(path)
        m = guest(2)
        run_ok(m, "ping -c 3 -i 100 10.10.0.100")
        mac = lanlib.guest_mac(2)
        cap.wait_for("icmp and eth.dst == %s" % mac, 3)
        cap.stop()
        rows = lanlib.tshark_fields(
            path, ["eth.src", "arp.opcode", "arp.src.proto_ipv4", "ip.checksum.status",
                   "icmp.type", "icmp.checksum.status", "_ws.expert.severity"],
            display_filter="eth.src == %s" % mac,
            extra=["-o", "ip.check_checksum:TRUE"])
    arp = [r for r in rows if r[1]]
    icmp = [r for r in rows if r[4]]
    h.check("arp_seen", len(arp) >= 2, "ARP frames from the guest: %r" % arp)
    h.check("arp_sender", all(r[2] == lanlib.guest_addr(2) for r in arp), repr(arp))
    h.check("icmp_requests", sum(1 for r in icmp if r[4] == "8") == 3, repr(icmp))
    h.check("ip_checksums_good", icmp and all(r[3] == "1" for r in icmp), repr(icmp))
    h.check("icmp_checksums_good", icmp and all(r[5] == "1" for r in icmp), repr(icmp))
    h.check("no_expert_warnings", not any(r[6] for r in rows), repr(rows))


def test_echo_through_fault_dup(h):
    """The fault module duplicates every frame coming up (dupmsg: both
    copies share one buffer). Each echo request from Linux then arrives
    twice and gets two correct replies: ip answers in a buffer of its own
    and does not turn the shared one into a reply before the duplicate
    reaches it. Seen by ping (DUP!) and by tshark on the bridge."""
    l = need_root(h)
    deps.need(h, "iputils-ping")
    deps.need(h, "tshark")
    m = guest(7, "fault=1")
    run_ok(m, "netctl /dev/eth fault up dup every 1")
    mac = lanlib.guest_mac(7)
    n = 10
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "dup.pcap")
        os.chmod(d, 0o777)
        cap = l.capture(path, filt="icmp")
        # tshark may miss the first frames after it says it captures: a
        # first ping, repeated until the capture holds its replies
        for _ in range(10):
            l.peer_run(["ping", "-c", "1", "-W", "2", lanlib.guest_addr(7)], timeout=30)
            if cap.wait_for("icmp.type == 0 and eth.src == %s" % mac, 1, timeout=5):
                break
        p = l.peer_run(["ping", "-c", str(n), "-i", "0.2", "-W", "2", lanlib.guest_addr(7)],
                       timeout=60)
        cap.wait_for("icmp.type == 0 and eth.src == %s and icmp.seq == %d" % (mac, n), 2)
        cap.stop()
        rows = lanlib.tshark_fields(
            path, ["eth.src", "icmp.type", "icmp.seq", "icmp.checksum.status",
                   "ip.checksum.status", "icmp.ident"],
            extra=["-o", "ip.check_checksum:TRUE"])
    stats = run_ok(m, "netctl /dev/eth fault stats")
    run_ok(m, "netctl /dev/eth fault reset")
    # ping stops at its last answer, so the last duplicate may come after
    # it is gone: tshark below counts exactly
    pd = re.search(r"%d packets transmitted, %d received, \+(\d+) duplicates" % (n, n), p.stdout)
    h.check("ping_dups", pd is not None and int(pd.group(1)) >= n - 1, p.stdout[-200:])
    dup = re.search(r"up passed \d+ dropped \d+ corrupted \d+ duplicated (\d+)", stats)
    h.check("fault_duplicated", dup is not None and int(dup.group(1)) >= n, stats)
    ours = [r for r in rows if r[0] == mac]
    # the counted run: the ident of its requests (the first ping has only seq 1)
    ident = [r[5] for r in rows if r[0] != mac and r[1] == "8" and r[2] == str(n)]
    replies = {}
    for r in ours:
        if not ident or r[5] != ident[0]:
            continue
        if r[1] == "0":
            replies[r[2]] = replies.get(r[2], 0) + 1
    h.check("two_replies_each", len(replies) == n and all(c == 2 for c in replies.values()),
            "replies per sequence number: %r" % replies)
    h.check("guest_sends_only_replies", all(r[1] == "0" for r in ours),
            "ICMP from the guest that is not a reply: %r" % [r for r in ours if r[1] != "0"])
    h.check("checksums_good", ours and all(r[3] == "1" and r[4] == "1" for r in ours),
            repr(ours))


def test_three_guests_pairwise(h):
    """Works with or without root (multicast LAN without)."""
    nodes = (1, 2, 3)
    ms = {n: guest(n) for n in nodes}
    for a in nodes:
        for b in nodes:
            if a != b:
                out = run_ok(ms[a], "ping -c 2 -i 100 -W 3000 %s" % lanlib.guest_addr(b))
                h.check("%d_to_%d" % (a, b), "2 received" in out, out)


def counters(m):
    ip = lanlib.parse_counters(run_ok(m, "netctl /dev/ip show"))
    eth = lanlib.parse_counters(run_ok(m, "netctl /dev/eth stats"))
    arp_line = run_ok(m, "cat /dev/arp").splitlines()[0]
    arp = {k: int(v.split("/")[-1]) for k, v in
           re.findall(r"(bad|requests|replies) (\d+(?:/\d+)?)", arp_line)}
    arp["requests_in"] = int(re.search(r"requests \d+/(\d+)", arp_line).group(1))
    c = dict(("ip " + k, v) for k, v in ip.items())
    c.update(("eth " + k, v) for k, v in eth.items())
    c.update(("arp " + k, v) for k, v in arp.items())
    return c


# category -> (frames, counters that must grow by exactly that many)
CATEGORIES = [
    ("unbound-type", 300, ["eth if0 drop-unbound-type"]),
    ("checksum", 300, ["ip drop checksum"]),
    ("version", 200, ["ip drop version"]),
    ("header-length", 200, ["ip drop header-length"]),
    ("total-length", 200, ["ip drop total-length"]),
    ("ttl", 200, ["ip drop ttl"]),
    ("fragment", 200, ["ip drop fragment"]),
    ("not-for-us", 200, ["ip drop not-for-us"]),
    ("icmp-malformed", 200, ["ip drop icmp-malformed"]),
    ("ip-options", 100, ["ip echo-replied"]),
    ("arp-malformed", 200, ["arp bad"]),
    ("arp-storm", 2000, ["arp requests_in"]),
    ("wrong-mac", 200, []),                 # filtered by the card itself
    ("random", 500, None),                  # some IPv4 drop, summed below
]

IP_DROPS = ["short", "version", "header-length", "checksum", "total-length", "ttl",
            "fragment", "not-for-us", "unbound-protocol", "icmp-malformed"]


def wait_counters(m, want, timeout=30):
    """Poll until every counter in `want` reached its value; returns the last."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        c = counters(m)
        if all(c.get(k, 0) >= v for k, v in want.items()) or time.monotonic() > deadline:
            return c
        time.sleep(0.2)   # between polls of a condition, not as synchronisation


BATCH = 200   # frames sent before waiting for the guest to count them


def test_hostile_frames(h):
    """Thousands of malformed frames: no panic or hang, pings still work,
    and each kind lands in the drop counter that names it. Frames go in
    batches, each waited for, so no frame is lost in host queues before
    the guest can see (and count) it."""
    import time
    l = need_root(h)
    m = guest(1)
    run_ok(m, "ping -c 1 10.10.0.100")

    def random_total(c):
        return (sum(c.get("ip drop " + k, 0) for k in IP_DROPS) +
                c.get("ip echo-replied", 0) + c.get("ip delivered", 0))

    for cat, n, keys in CATEGORIES:
        start = counters(m)
        sent = 0
        seed = 7
        while sent < n:
            k = min(BATCH, n - sent)
            p = l.peer_run([sys.executable, HOSTILE, "eth0", lanlib.guest_mac(1),
                            lanlib.guest_addr(1), lanlib.PEER_ADDR, cat, str(k), str(seed)],
                           timeout=120, check=True)
            assert ("sent %d" % k) in p.stdout, p.stdout
            sent += k
            seed += 1
            if keys is None:
                deadline = time.monotonic() + 30
                while random_total(counters(m)) < random_total(start) + sent and \
                        time.monotonic() < deadline:
                    time.sleep(0.2)   # polling a condition, not synchronising
            elif keys:
                wait_counters(m, {key: start.get(key, 0) + sent for key in keys})
        after = counters(m)
        if keys is None:
            got = random_total(after) - random_total(start)
            h.check(cat, got == n, "accounted %d of %d random frames" % (got, n))
        elif not keys:
            # the card filters these in hardware: only survival is observable
            h.check(cat, m.alive)
        for key in keys or []:
            grew = after.get(key, 0) - start.get(key, 0)
            h.check("%s/%s" % (cat, key.replace(" ", "_")), grew == n,
                    "%s grew by %d, sent %d" % (key, grew, n))
    p = l.peer_run(["ping", "-c", "5", "-i", "0.1", "-W", "2", lanlib.guest_addr(1)], timeout=60)
    h.check("pings_after", " 0% packet loss" in p.stdout, p.stdout)


def test_counters_back_at_boot_values(h):
    """After pings, neighbour tables, pairwise traffic and thousands of
    hostile frames, the module's guests have given everything back: their
    counters are as they were after boot."""
    leakcheck.check_guests(h, {"node%d" % n: m for n, m in the_lan().machines.items()})


def test_two_cards_in_one_guest(h):
    """Card 0 on QEMU user networking (plumbed at boot), card 1 on the LAN,
    plumbed by hand with netup: both work at once, each its own interface."""
    l = need_root(h)
    tap = l._tap(9)
    args = ["-netdev", "user,id=u0",
            "-device", "e1000,netdev=u0,bus=pcie.0,romfile=,mac=52:54:00:12:34:56",
            "-netdev", "tap,id=n0,ifname=%s,script=no,downscript=no" % tap,
            "-device", "e1000,netdev=n0,bus=pcie.0,romfile=,mac=%s" % lanlib.guest_mac(9),
            "-append", "net=user"]
    m = lanlib.NsMachine(l.lan_ns, smp=h.smp, extra_args=args)
    try:
        out = run_ok(m, "ls /dev/e1000")
        assert re.search(r"\b0\b", out) and re.search(r"\b1\b", out), out
        run_ok(m, "netup -d /dev/e1000/1 -a 10.10.0.9/24")
        out = run_ok(m, "ifconfig")
        assert "if0 10.0.2.15/24" in out and "if1 10.10.0.9/24" in out, out
        assert "if1 addr %s" % lanlib.guest_mac(9) in out, out
        h.check("lan_card", "1 received" in run_ok(m, "ping -c 1 -W 3000 10.10.0.100"))
        h.check("user_card", "1 received" in run_ok(m, "ping -c 1 -W 3000 10.0.2.2"))
    finally:
        m.close()


def test_filter_dump_records_the_link(h):
    """QEMU's filter-dump keeps a pcap of a guest's link (scripts/lan.py
    uses it); tshark reads our frames from it."""
    with tempfile.TemporaryDirectory() as d:
        l = lanlib.Lan(smp=h.smp, pcap_dir=d)
        try:
            m = l.guest(4)
            other = l.guest(5)
            run_ok(m, "ping -c 2 -i 100 10.10.0.5")
            m.close()
            other.close()
            rows = lanlib.tshark_fields(l.pcap_path(4), ["eth.src", "icmp.type", "arp.opcode"])
        finally:
            l.close()
    ours = [r for r in rows if r[0] == lanlib.guest_mac(4)]
    h.check("arp_request", any(r[2] == "1" for r in ours), repr(rows))
    h.check("echo_requests", sum(1 for r in ours if r[1] == "8") == 2, repr(rows))
    h.check("echo_replies_in", sum(1 for r in rows if r[1] == "0") == 2, repr(rows))
