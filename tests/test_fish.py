"""test_fish.py: FiSh, the Xinu file-sharing protocol (docs/fish.md), on
the test LAN of tests/lan.py.

Guests 1..8 boot with "net=lan node=N", so fishd calls them nodeN. With
root, Linux in the peer namespace plays an original ("classic") FiSh node
(tests/fish_classic.py, raw packet socket), sends hostile frames, and
tshark decodes captures with our dissector (tools/fish.lua). Without
root the guests share a QEMU multicast LAN: the guest-to-guest tests
still run and the rest are skipped, saying why.
"""

import hashlib
import os
import re
import select
import subprocess
import sys
import tempfile
import time

import harness
import lan as lanlib
import leakcheck
import qemu

BOOT = False       # these tests boot their own guests
REPO = qemu.REPO
CLASSIC = os.path.join(REPO, "tests", "fish_classic.py")
DISSECTOR = os.path.join(REPO, "tools", "fish.lua")
LOSSY = "fault=drop:0.05,dup:0.05,reorder:0.05,corrupt:0.01,seed:%d"

# One LAN for the whole module; tests/run.py calls teardown after its last test.
_shared_lan = lanlib.ModuleLan()
the_lan = _shared_lan.get
teardown = _shared_lan.close


def guest(n, extra_boot=""):
    """Guest n, booted (again if it died) and with fishd serving."""
    l = the_lan()
    m = l.machines.get(n)
    if m is None or not m.alive:
        m = l.guest(n, extra_boot=extra_boot)
        m.wait_for("fishd: node%d " % n, 20, start=0, what="fishd to start")
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


def sha_of(m, path, timeout=60):
    out = run_ok(m, "sha256sum %s" % path, timeout)
    return out.split()[0]


def share_file(name):
    with open(os.path.join(REPO, "configs", "share", name), "rb") as f:
        return f.read()


def ping_rows(m):
    out = run_ok(m, "cat /dev/fish/ping", 30)
    return [tuple(l.split()) for l in out.splitlines() if l.strip()]


def fish_ctl(m):
    return lanlib.parse_counters(run_ok(m, "fish ctl"))


def test_three_guests_ping(h):
    """`cat /dev/fish/ping` on each of three guests lists all three (a node
    answers its own broadcast too), each with its card's address."""
    ms = {n: guest(n) for n in (1, 2, 3)}
    want = sorted(("node%d" % n, lanlib.guest_mac(n)) for n in ms)
    for n, m in ms.items():
        rows = sorted(ping_rows(m))
        h.check("ping_from_node%d" % n, rows == want, "got %r, want %r" % (rows, want))
    out = run_ok(ms[1], "fish ping")
    h.check("fish_ping", all(name in out for name, _ in want), out)
    school = run_ok(ms[1], "cat /dev/fish/school")
    h.check("school_ext", all(re.search(r"^node%d \S+ ext \d+$" % n, school, re.M)
                              for n in ms), school)


def test_list(h):
    """`fish list` and /dev/fish/NODE/dir show the remote /share; the
    listing makes /dev/fish/NODE/files/NAME for each name."""
    m1, m2 = guest(1), guest(2)
    ping_rows(m1)
    out = run_ok(m1, "fish list node2")
    h.check("fish_list", "hello 100" in out and "block 256" in out, out)
    out = run_ok(m1, "cat /dev/fish/node2/dir")
    h.check("dir_file", "hello 100" in out and "block 256" in out, out)
    out = run_ok(m1, "ls /dev/fish/node2/files")
    h.check("file_nodes", "hello" in out.split() and "block" in out.split(), out)


def test_get_small(h):
    """A 100-byte and a 256-byte file, by `fish get` and by `cat` of the
    device file, arrive exactly (sha256)."""
    m1 = guest(1)
    guest(2)
    ping_rows(m1)
    run_ok(m1, "cat /dev/fish/node2/dir")
    for name, size in (("hello", 100), ("block", 256)):
        want = hashlib.sha256(share_file(name)).hexdigest()
        out = run_ok(m1, "fish get node2 %s /%s.got" % (name, name))
        h.check("%s_reported" % name, "%d bytes" % size in out, out)
        h.check("%s_sha" % name, sha_of(m1, "/%s.got" % name) == want)
        run_ok(m1, "cat /dev/fish/node2/files/%s > /%s.cat" % (name, name))
        h.check("%s_cat_sha" % name, sha_of(m1, "/%s.cat" % name) == want)


def test_get_big(h):
    """A 300 KiB and an 8 MiB file made in the serving guest arrive intact."""
    m1, m2 = guest(1), guest(2)
    run_ok(m2, "genfile 300k 11 > /share/mid")
    run_ok(m2, "genfile 8m 12 > /share/big", 180)
    for name in ("mid", "big"):
        want = sha_of(m2, "/share/" + name)
        t0 = time.monotonic()
        out = run_ok(m1, "fish get node2 %s" % name, 180)
        h.check("%s_done" % name, "fish: got %s from node2" % name in out, out)
        h.check("%s_sha" % name, sha_of(m1, name) == want,
                "sha256 differs (%.1f s)" % (time.monotonic() - t0))
    c = fish_ctl(m1)
    h.check("no_checksum_drops", c.get("drop checksum", 0) == 0, repr(c))


def test_get_errors(h):
    """A missing file, an unknown node and a bad name fail with exit
    status 1 and leave no file behind."""
    m1 = guest(1)
    guest(2)
    r = m1.run("fish get node2 nosuch")
    h.check("nofile_status", r.status == 1, repr(r))
    h.check("nofile_message", "no such file" in r.output, r.output)
    r = m1.run("fish get node99 hello", timeout=30)
    h.check("unknown_node", r.status == 1 and "unknown node" in r.output, repr(r))
    r = m1.run("fish list node99", timeout=30)
    h.check("unknown_node_list", r.status == 1, repr(r))
    r = m1.run("fish get node2 " + "x" * 40)
    h.check("long_name", r.status == 1, repr(r))
    out = run_ok(m1, "ls /")
    h.check("nothing_left", "nosuch" not in out and ".fish." not in out, out)


def test_classic_node(h):
    """An original node on Linux (7-character names, one 256-byte block,
    non-zero padding) is announced, listed and fetched from, and fetches
    from us; it never sees an extended frame."""
    l = need_root(h)
    m1 = guest(1)
    peer_mac = l.peer_run(["cat", "/sys/class/net/eth0/address"], check=True).stdout.strip()
    readme = "An original Xinu node.\nIt shares two files.\n"
    srv = l.peer_popen([sys.executable, CLASSIC, "eth0", "serve", "oldxinu", "60",
                        "readme=" + readme, "notes=seven bytes max"],
                       stdout=subprocess.PIPE, text=True)
    try:
        assert srv.stdout.readline().strip() == "ready"
        rows = ping_rows(m1)
        h.check("announced", ("oldxinu", peer_mac) in rows, repr(rows))
        school = run_ok(m1, "cat /dev/fish/school")
        h.check("seen_as_classic", re.search(r"^oldxinu \S+ classic ", school, re.M), school)
        out = run_ok(m1, "fish list oldxinu")
        h.check("listed", out.split() == ["readme", "notes"], out)
        run_ok(m1, "fish get oldxinu readme /readme.old")
        got = run_ok(m1, "cat /readme.old")
        h.check("fetched", got == readme, repr(got))
        r = m1.run("fish get oldxinu longername")
        h.check("long_name_refused", r.status == 1 and "7 characters" in r.output, repr(r))
        r = m1.run("fish get oldxinu nothere")
        h.check("classic_nofile", r.status == 1 and "no such file" in r.output, repr(r))
    finally:
        srv.kill()
        srv.wait()

    # the other way: the classic node asks us
    p = l.peer_run([sys.executable, CLASSIC, "eth0", "client", lanlib.guest_mac(1), "hello"],
                   timeout=60, check=True)
    out = p.stdout
    h.check("we_announce", re.search(r"^announce node1 %s cap=1$" % lanlib.guest_mac(1),
                                     out, re.M), out)
    m = re.search(r"^dirlist (.*)$", out, re.M)
    names = m.group(1).split() if m else []
    h.check("we_list", "hello" in names and "block" in names, out)
    m = re.search(r"^havefile hello ([0-9a-f]+)$", out, re.M)
    block = bytes.fromhex(m.group(1)) if m else b""
    hello = share_file("hello")
    h.check("we_send", block == hello + bytes(256 - len(hello)), out)
    # a file over one block cannot travel classically: NOFILE, not a part
    run_ok(m1, "genfile 300 3 > /share/b300")
    p = l.peer_run([sys.executable, CLASSIC, "eth0", "client", lanlib.guest_mac(1), "b300"],
                   timeout=60, check=True)
    run_ok(m1, "rm /share/b300")
    h.check("too_big_for_classic", "nofile b300" in p.stdout, p.stdout)


def hostile(l, kind, count, seed=1):
    p = l.peer_run([sys.executable, CLASSIC, "eth0", "hostile", lanlib.guest_mac(1),
                    kind, str(count), str(seed)], timeout=120, check=True)
    assert "sent" in p.stdout and "end" in p.stdout, p.stdout
    return [line.split() for line in p.stdout.splitlines() if line.startswith("reply ")]


def test_hostile_frames(h):
    """Path traversal, over-long and empty names, frames too short for
    their opcode, bad lengths and checksums, unknown opcodes, multicast
    sources and forged ANNOUNCE floods: answered "no such file" or dropped
    and counted as documented, no panic, nothing outside /share sent."""
    l = need_root(h)
    m1 = guest(1)
    guest(2)
    guest(3)
    before = fish_ctl(m1)
    replies = hostile(l, "traversal", 26)
    ops = sorted(set(r[1] for r in replies))
    # classic GETFILE -> NOFILE (7); XGETFILE -> XINFO (0x14 = 20) status 1;
    # XREAD for such names -> nothing at all
    h.check("traversal_answers", set(ops) <= {"7", "20"} and "7" in ops and "20" in ops,
            repr(replies[:5]))
    h.check("traversal_nofile", all(r[4].startswith("01") for r in replies if r[1] == "20"),
            repr([r for r in replies if r[1] == "20"][:5]))
    h.check("no_data_sent", not any(r[1] in ("6", "22") for r in replies), repr(replies[:5]))

    expect = [("short", 200, ["drop short"]), ("badlen", 100, ["drop short"]),
              ("badcrc", 100, ["drop checksum"]), ("unknown", 200, ["drop unknown-opcode"]),
              ("multicast-src", 50, None), ("empty", 20, None),
              ("random", 300, None)]
    for kind, n, keys in expect:
        start = fish_ctl(m1)
        replies = hostile(l, kind, n)
        after = fish_ctl(m1)
        if keys:
            for k in keys:
                grew = after.get(k, 0) - start.get(k, 0)
                h.check("%s/%s" % (kind, k.replace(" ", "_")), grew == n,
                        "%s grew by %d, sent %d" % (k, grew, n))
        h.check("%s_no_data" % kind, not any(r[1] in ("6", "22") for r in replies),
                repr(replies[:5]))
        h.check("%s_alive" % kind, m1.alive)

    # A flood of forged ANNOUNCEs fills the school but cannot grow it; the
    # real nodes come back with the next ping.
    hostile(l, "flood", 300)
    c = fish_ctl(m1)
    school = run_ok(m1, "fish ctl | grep school")
    h.check("school_bounded", re.search(r"school (\d+)/32", school) and
            int(re.search(r"school (\d+)/", school).group(1)) <= 32, school)
    h.check("evictions_counted", c.get("evictions", 0) >= 300 - 32, repr(c))
    rows = ping_rows(m1)
    names = [r[0] for r in rows]
    h.check("real_nodes_back", all("node%d" % n in names for n in (1, 2, 3)), repr(rows))
    out = run_ok(m1, "ls /dev/fish")
    h.check("device_dirs_bounded", len(out.split()) <= 2 + 5 + 32, out)
    h.check("pings_after", run_ok(m1, "ping -c 1 -W 3000 10.10.0.100").count("1 received") == 1)


def console_search(m, pattern, start, timeout):
    """The first match of pattern in m's console after start, waiting up
    to timeout seconds; None if it never came (the guest stays up, unlike
    wait_for: a missing line is a failed check, not a dead machine)."""
    deadline = time.monotonic() + timeout
    while True:
        found = re.compile(pattern).search(m.console, start)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)     # polling the console for a condition


def test_evicted_node_files(h):
    """A node evicted from the school by forged ANNOUNCEs takes nothing of
    the slot's next node along: a file of it opened before the flood ends
    with ENXIO, and fishd removes /dev/fish/NODE, so opening its dir or
    files again fails with ENOENT."""
    l = need_root(h)
    m1 = guest(1)
    srv = l.peer_popen([sys.executable, CLASSIC, "eth0", "serve", "alice", "60",
                        "readme=alice's own words"], stdout=subprocess.PIPE, text=True)
    try:
        assert srv.stdout.readline().strip() == "ready"
        rows = ping_rows(m1)
        h.check("alice_announced", any(r[0] == "alice" for r in rows), repr(rows))
        out = run_ok(m1, "cat /dev/fish/alice/dir")
        h.check("alice_listed", out.split() == ["readme"], out)
        out = run_ok(m1, "cat /dev/fish/alice/files/readme")
        h.check("alice_file", out == "alice's own words", repr(out))
    finally:
        srv.kill()
        srv.wait()
    # alice is silent now: a request to her is under way when the flood
    # comes (a long timeout, so that it can only end by the eviction)
    run_ok(m1, "fish ctl timeout 30000")
    try:
        before = fish_ctl(m1).get("retransmits", 0)
        start = len(m1.console)
        m1.send("cat /dev/fish/alice/files/readme &\n")
        deadline = time.monotonic() + harness.scaled(10)
        while fish_ctl(m1).get("retransmits", 0) == before and time.monotonic() < deadline:
            pass        # each fish_ctl is a guest round trip: a poll with a deadline
        hostile(l, "flood", 300)
        old = console_search(m1, r"cat: /dev/fish/alice/files/readme: ([^\n]*)\n", start,
                             harness.scaled(15))
        h.check("old_open_enxio", old and old.group(1) == "no such device or address",
                old.group(0) if old else m1.console[start:][-400:])
        deadline = time.monotonic() + harness.scaled(15)
        while True:
            names = run_ok(m1, "ls /dev/fish").split()
            if "alice" not in names or time.monotonic() > deadline:
                break
        h.check("alice_dir_removed", "alice" not in names, repr(names))
        for path in ("/dev/fish/alice/dir", "/dev/fish/alice/files/readme"):
            r = m1.run("cat " + path, timeout=60)
            h.check("fresh_open_enoent" + path.replace("/", "_"), r.status == 1 and
                    "%s: no such file or directory" % path in r.output, repr(r))
    finally:
        run_ok(m1, "fish ctl timeout 4000")
        ping_rows(m1)


def liar(l, total, size):
    """An extended node on Linux that lies (tests/fish_classic.py liar)."""
    srv = l.peer_popen([sys.executable, CLASSIC, "eth0", "liar", "liar", "120", str(total),
                        str(size)], stdout=subprocess.PIPE, text=True)
    assert srv.stdout.readline().strip() == "ready"
    return srv


def peer_line(srv, prefix, timeout):
    """The next line of srv's output that starts with prefix, or None
    after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([srv.stdout], [], [], left)[0]:
            return None
        line = srv.stdout.readline()
        if not line:
            return None
        if line.startswith(prefix):
            return line


def test_lying_node(h):
    """A node that announces a listing of 65536 names, one a page, to a
    reader that reads nothing: the driver stops asking, and the guest's
    message and data block counters stay bounded and come back when the
    reader goes. A size near 2^64 is refused (EFBIG, no file), and so is a
    listing of 0xffffffff names (E2BIG)."""
    l = need_root(h)
    m1 = guest(1)
    srv = liar(l, 65536, 2 ** 64 - 1)
    try:
        rows = ping_rows(m1)
        h.check("liar_announced", any(r[0] == "liar" for r in rows), repr(rows))
        r = m1.run("fish get liar big /liarbig", timeout=60)
        h.check("huge_size_refused", r.status == 1 and "file too large" in r.output, repr(r))
        out = run_ok(m1, "ls /")
        h.check("no_file_left", "liarbig" not in out and ".fish." not in out, out)
        base = leakcheck.read(m1)
        start = len(m1.console)
        m1.send("sleep 600000 < /dev/fish/liar/dir &\n")
        pid = m1.wait_for(re.compile(r"\[(\d+)\]\n"), 10, start=start,
                          what="the background reader's pid")
        m1.wait_for(qemu.PROMPT, 10, start=pid.end() - 1)
        m1._mark = len(m1.console)
        out = m1.console[start:]
        quiet = peer_line(srv, "quiet ", harness.scaled(30))
        now = leakcheck.read(m1)
        grew = {k: now.get(k, 0) - base.get(k, 0) for k in ("mblks", "dblks")}
        print("# a reader that does not read: %s; block counters grew by %r"
              % ((quiet or "no quiet line").strip(), grew), flush=True)
        h.check("stops_asking", quiet and int(quiet.split()[1]) < 4000, repr(quiet))
        h.check("blocks_bounded", grew["mblks"] <= 64 and grew["dblks"] <= 64, repr(grew))
        if pid:
            run_ok(m1, "kill " + pid.group(1))
        d, _ = leakcheck.wait_back(m1, base, harness.scaled(30))
        h.check("blocks_back", pid and not d, "; ".join(d) or out)
    finally:
        srv.kill()
        srv.wait()
    srv = liar(l, 2 ** 32 - 1, 100)
    try:
        r = m1.run("fish list liar", timeout=60)
        h.check("endless_listing_refused", r.status == 1 and "listing too long" in r.output,
                repr(r)[-400:])
    finally:
        srv.kill()
        srv.wait()


def test_lossy_link(h):
    """With 5% loss, duplication and reordering (and 1% corruption) on
    both guests' cards, an 8 MiB transfer is intact."""
    l = the_lan()
    try:
        ma = guest(4, extra_boot=LOSSY % 4)
        mb = guest(5, extra_boot=LOSSY % 5)
        run_ok(mb, "genfile 8m 21 > /share/big", 180)
        want = sha_of(mb, "/share/big")
        ping_rows(ma)
        t0 = time.monotonic()
        out = run_ok(ma, "fish get node5 big", 300)
        h.check("done", "fish: got big from node5: 8388608 bytes" in out, out)
        h.check("sha", sha_of(ma, "big") == want, "after %.1f s" % (time.monotonic() - t0))
        c = fish_ctl(ma)
        h.check("faults_seen", c.get("retransmits", 0) > 0 and c.get("drop checksum", 0) > 0,
                repr(c))
    finally:
        # later tests want these two on a clean link
        for n in (4, 5):
            m = l.machines.pop(n, None)
            if m is not None:
                m.close()


def test_server_killed(h):
    """The serving node dies mid-transfer: the client reports failure
    (exit status 1) and leaves no file, not even a partial one."""
    m1 = guest(1)
    m6 = guest(6)
    run_ok(m6, "genfile 8m 31 > /share/big", 180)
    ping_rows(m1)
    run_ok(m1, "fish ctl timeout 3000")
    run_ok(m1, "mkdir /k")
    start = len(m1.console)
    m1.send("cd /k; fish get -v node6 big; echo __KILLED=$?__; cd /\n")
    m1.wait_for(re.compile(r"big: [1-9]\d{6,} bytes so far\n"), 60, start=start,
                what="the transfer to be under way")
    m6.close()
    m = m1.wait_for(re.compile(r"__KILLED=(\d+)__"), 60, start=start)
    m1.wait_for(qemu.PROMPT, 10, start=m.end() - 1)
    m1._mark = len(m1.console)
    h.check("status", m.group(1) == "1", m.group(0))
    tail = m1.console[-600:]
    h.check("reported", "no answer" in tail, tail)
    out = run_ok(m1, "ls /k")
    h.check("no_partial_file", out.split() == [".", ".."], out)
    run_ok(m1, "fish ctl timeout 4000")


def test_dissector(h):
    """tshark with tools/fish.lua names the opcodes and nodes of a ping,
    a listing and a transfer seen on the bridge."""
    l = need_root(h)
    m1 = guest(1)
    guest(2)
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o777)
        path = os.path.join(d, "fish.pcap")
        cap = l.capture(path, filt="ether proto 0x3250")
        ping_rows(m1)
        run_ok(m1, "fish list node2")
        run_ok(m1, "fish get node2 hello /h2")
        cap.wait_for("eth.type == 0x3250", 10)
        cap.stop()
        rows = lanlib.tshark_fields(path, ["fish.opname", "fish.node", "fish.file",
                                           "fish.crc.status", "_ws.col.Protocol"],
                                    extra=["-X", "lua_script:" + DISSECTOR])
    ops = set(r[0] for r in rows)
    for op in ("PING", "ANNOUNCE", "XDIRASK", "XDIRLIST", "XGETFILE", "XINFO", "XREAD", "XDATA"):
        h.check("op_" + op, op in ops, repr(sorted(ops)))
    h.check("node_names", any(r[1] == "node2" for r in rows), repr(rows[:6]))
    h.check("file_names", any(r[2] == "hello" for r in rows), repr(rows[:10]))
    ext = [r for r in rows if r[0].startswith("X")]
    h.check("crcs_good", ext and all(r[3] == "good" for r in ext), repr(ext[:5]))
    h.check("protocol_column", all(r[4] == "FiSh" for r in rows), repr(rows[:3]))


def test_eight_guests(h):
    """Eight guests on one LAN: a ping lists all eight."""
    t0 = time.monotonic()
    ms = {n: guest(n) for n in range(1, 9)}
    boot = time.monotonic() - t0
    want = sorted("node%d" % n for n in ms)
    for n in (1, 8):
        t1 = time.monotonic()
        names = sorted(r[0] for r in ping_rows(ms[n]))
        h.check("ping_from_node%d" % n, names == want,
                "got %r (boots %.1f s, ping %.1f s)" % (names, boot, time.monotonic() - t1))


def test_counters_back_at_boot_values(h):
    """The last test: every guest still up (the eight of the test above)
    has given back all it took for the module's transfers, pings and
    hostile frames: its counters are as they were after boot."""
    leakcheck.check_guests(h, {"node%d" % n: m for n, m in the_lan().machines.items()})
