#!/usr/bin/env python3
"""soak.py: the soak test behind `make soak` (not part of `make test`).

Four guests on one test LAN (tests/lan.py; needs root for the network
namespaces, the bridge and the taps), the fault module on every guest's
link (seeded drops, duplicates, reordering, corruption and delay), and
for the whole run, all at the same time and over and over:

  * bulk TCP: `genfile SIZE SEED | nc` on one guest into
    `nc -l | sha256sum` on another, random pairs and sizes up to a few
    MiB; the digest the receiver computed must equal the digest of what
    the seeded generator produced (the host regenerates the same bytes);
  * FiSh: a file made with genfile in one guest's /share and fetched by
    another with `fish get`, its sha256 compared the same way;
  * chat: chatd on guest 1; the `chat` client on guests 2, 3 and 4, each
    typing lines that the Linux peer feeds it through `nc -l` and showing
    what it receives to the peer through a second nc; and an IRC client
    on the Linux peer. Every member sends numbered messages, and each
    message must reach every other member exactly once and in order.

Then the load stops, connections drain, and every guest's counters must
be back at the baseline taken after boot: those tests/leakcheck.py reads
from sysinfo (processes, open files, streams, message and data blocks,
links, TCP conversations and control blocks), inodes in use, and free
pages, allowing for what long-lived daemons grew by (chatd's heap keeps
its busiest size). Prints one line per check in the
style of tests/run.py (PASS name / FAIL name: why), then `N passed, M
failed`; exits 1 on any failure. The figures and results replace the
results section of docs/soak.md.

    python3 tests/soak.py --seconds 3600      # what `make soak` runs
    python3 tests/soak.py --seconds 120       # a short run

Run it as root, after `make`. Every wait is for a condition with a
deadline; the guests' consoles are shared by the workers one command at
a time, and everything that lasts runs in the guests' background with
its output in files, so the consoles only carry short commands.
"""

import argparse
import array
import datetime
import hashlib
import math
import os
import random
import re
import socket
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness                          # noqa: E402
import irc_load                         # noqa: E402
import lan as lanlib                    # noqa: E402
import leakcheck                        # noqa: E402
import qemu                             # noqa: E402
from test_chat import in_netns, wait_chatd   # noqa: E402

REPO = qemu.REPO
DOC = os.path.join(REPO, "docs", "soak.md")
NODES = (1, 2, 3, 4)
CHAT_NODE = 1                  # runs chatd; the others run chat clients
CHAN = "#soak"
FEED_PORT = 6701               # a guest's `nc -l` that types into its chat
SHOW_PORT = 6800               # where the guests' chat output goes (Linux peer)
TCP_PORTS = 7000               # bulk TCP listeners: 7000..7999, one per transfer
MIB = 1 << 20
# Per link, both directions; a path between two guests crosses two links,
# so it sees about twice these rates (test_tcp proves 2% loss on a path).
FAULT = "drop:0.01,dup:0.01,reorder:0.01,corrupt:0.002,delay:2"
# Beyond leakcheck's counters: inodes in use come back too.
EXACT = leakcheck.EXACT + ("ninode",)
CMD_TIMEOUT = 120              # one short console command; longer means a hung guest
# The fish driver gives a fetch up after 4 s without an answer. fishd
# serves one request at a time and computes a whole file's CRC when asked
# for its size, so a small fetch can wait behind a 4 MiB one; on a busy
# host that wait has gone past 4 s (once in 3,000 fetches of an hour). A
# server that stays silent for this long still fails the fetch.
FISH_GIVEUP_MS = 20000


def T(seconds):
    return harness.scaled(seconds)


class JobFailed(Exception):
    """One transfer (or the chat) went wrong; the soak goes on."""


class Aborted(Exception):
    """The soak is being abandoned (a guest died): stop at once."""


# ------------------------------------------------------------ test data

M64 = (1 << 64) - 1


def genfile_digest(size, seed):
    """sha256 of `genfile SIZE SEED`: the splitmix64 stream of
    user/lib/prng.c, each 64-bit output in little-endian byte order."""
    h = hashlib.sha256()
    state = seed & M64
    left = size
    while left > 0:
        words = array.array("Q")
        for _ in range(min(8192, (left + 7) // 8)):
            state = (state + 0x9e3779b97f4a7c15) & M64
            z = state
            z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
            z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
            words.append(z ^ (z >> 31))
        if sys.byteorder != "little":
            words.byteswap()
        b = words.tobytes()[:left]
        h.update(b)
        left -= len(b)
    return h.hexdigest()


def pick_size(rng, top):
    """Mostly spread evenly over the orders of magnitude from 4 KiB to
    `top`; one time in ten something tiny, empty included."""
    if rng.random() < 0.1:
        return rng.randrange(0, 4096)
    return int(math.exp(rng.uniform(math.log(4096), math.log(top))))


def size_text(n):
    if n >= MIB:
        return "%.1f MiB" % (n / MIB)
    if n >= 1024:
        return "%.1f KiB" % (n / 1024)
    return "%d B" % n


# ------------------------------------------------------------ guests

class Guest:
    """One guest. Its console is shared by every worker, one command at a
    time; lasting work runs in the guest's background with its output in
    files under /soak, and workers poll those files."""

    def __init__(self, soak, node, machine):
        self.soak = soak
        self.node = node
        self.m = machine
        self.lock = threading.Lock()
        self.name = "node%d" % node
        self.addr = lanlib.guest_addr(node)

    def run(self, cmd, timeout=CMD_TIMEOUT):
        if self.soak.abort.is_set():
            raise Aborted()
        with self.lock:
            try:
                return self.m.run(cmd, timeout=T(timeout))
            except qemu.GuestError as e:     # say which guest
                raise qemu.GuestError("%s: %s" % (self.name, e.what), e.tail)

    def ok(self, cmd, timeout=CMD_TIMEOUT):
        r = self.run(cmd, timeout)
        if r.status != 0:
            raise JobFailed("%s: %r exited %d: %s" % (self.name, cmd, r.status,
                                                       harness.one_line(r.output, 200)))
        return r.output

    def spawn(self, script, log):
        """Start one sh command line in the background, stdin /dev/null,
        stdout and stderr into `log`. (`& true`: run() appends `; echo`,
        and a line may not hold `&;`.)"""
        assert "'" not in script
        out = self.ok("sh -c '%s' < /dev/null > %s 2>&1 & true" % (script, log))
        m = re.search(r"^\[(\d+)\]$", out, re.M)      # the shell names the job's pid
        return int(m.group(1)) if m else None

    def end_job(self, pid):
        """After a failure, kill what is left of background job `pid` (its
        sh and the sh's children), so that one failure, already reported,
        does not also keep the counters off their baseline. Returns the
        names of what was killed."""
        if pid is None:
            return []
        left = [(p, name) for p, pp, name in re.findall(
            r"^\s*(\d+)\s+(\d+)\s+\S+\s+\d+\s+(\S+)\s*$", self.run("ps").output, re.M)
            if int(pp) == pid or int(p) == pid]
        if left:
            self.run("kill %s" % " ".join(p for p, _ in left))
        return [name for _, name in left]

    def read(self, path):
        r = self.run("cat %s" % path)
        return r.output if r.status == 0 else None

    def rc(self, path):
        """The `rc N` a background job leaves as its last act, or None."""
        m = re.search(r"^rc (\d+)$", self.read(path) or "", re.M)
        return int(m.group(1)) if m else None

    def wait_rc(self, path, timeout, what):
        """Wait for a background job's `rc N`; returns N."""
        box = []
        wait_until(self.soak, lambda: box.append(self.rc(path)) or box[-1] is not None,
                   timeout, "%s on %s" % (what, self.name))
        return box[-1]


def wait_until(soak, fn, timeout, what):
    """Poll fn() until it returns something true, and return that;
    JobFailed at the deadline, Aborted when the soak is abandoned."""
    deadline = time.monotonic() + timeout
    pause = 0.3
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise JobFailed("timeout after %.0f s waiting for %s" % (timeout, what))
        if soak.abort.wait(pause):         # between polls of a condition
            raise Aborted()
        pause = min(pause * 1.5, 2.0)


def job_timeout(size):
    """Generous: under fault, with the host busy, TCP has been seen to
    move as little as 30 KB/s while other transfers share the guests."""
    return T(240 + size / 4096)


class Tally:
    """Counts of one kind of job, shared by its workers."""

    def __init__(self, kind):
        self.kind = kind
        self.lock = threading.Lock()
        self.done = self.bytes = self.largest = 0
        self.seconds = 0.0
        self.failures = []

    def ok(self, size, seconds):
        with self.lock:
            self.done += 1
            self.bytes += size
            self.largest = max(self.largest, size)
            self.seconds += seconds

    def fail(self, why):
        with self.lock:
            self.failures.append(why)


# ------------------------------------------------------------ bulk TCP

def tcp_job(soak, rng, jid):
    src, dst = rng.sample(soak.guests, 2)
    size = pick_size(rng, soak.max_size)
    seed = rng.randrange(1, 1 << 31)
    port = TCP_PORTS + jid % 1000
    tag = "/soak/t%d" % jid
    what = "TCP %d: %s %s -> %s (seed %d)" % (jid, size_text(size), src.name, dst.name, seed)
    rx = tx = None
    try:
        # nc -l reads /dev/loop, which never has data: its own side stays
        # open until the sender's FIN, so the sender never sees an early
        # end (nc stops when the peer closes)
        rx = dst.spawn("nc -l -v %d < /dev/loop | sha256sum > %s.sha; echo rc $? > %s.rc"
                       % (port, tag, tag), tag + ".log")
        wait_until(soak, lambda: "listening on %d" % port in (dst.read(tag + ".log") or ""),
                   T(60), "nc -l on %s" % dst.name)
        t0 = time.monotonic()
        tx = src.spawn("genfile %d %d | nc %s %d; echo rc $? > %s.rc"
                       % (size, seed, dst.addr, port, tag), tag + ".log")
        want = genfile_digest(size, seed)
        limit = job_timeout(size)
        rc = src.wait_rc(tag + ".rc", limit, "the sender")
        # after a failed send nothing more is coming: the receiver should
        # be done soon, or never
        dst.wait_rc(tag + ".rc", limit if rc == 0 else T(60), "the receiver")
        el = time.monotonic() - t0
        got = (dst.read(tag + ".sha") or "").split()
        if rc != 0 or not got or got[0] != want:
            raise JobFailed("sender nc exit status %s, receiver digest %s, want %s" % (
                rc, got[0] if got else None, want))
        for g in (src, dst):
            g.ok("rm -f %s.rc %s.log %s.sha" % (tag, tag, tag))
        soak.tcp.ok(size, el)
    except JobFailed as e:
        why = "%s: %s" % (what, e)
        for g, pid, side in ((src, tx, "sender"), (dst, rx, "receiver")):
            if pid is not None:
                why += "; %s log %r" % (side, harness.one_line(g.read(tag + ".log") or "", 200))
                ended = g.end_job(pid)
                if ended:
                    why += " (left running, now killed: %s)" % " ".join(ended)
        soak.problem(soak.tcp, why)


# ------------------------------------------------------------ FiSh

def fish_job(soak, rng, jid):
    server, client = rng.sample(soak.guests, 2)
    size = pick_size(rng, soak.max_size)
    seed = rng.randrange(1, 1 << 31)
    name = "s%d" % jid
    tag = "/soak/f%d" % jid
    what = "FiSh %d: %s %s from %s (seed %d)" % (jid, size_text(size), client.name,
                                                 server.name, seed)
    try:
        server.ok("genfile %d %d > /share/%s" % (size, seed, name), T(60 + size / 65536))
        t0 = time.monotonic()
        job = client.spawn("fish get %s %s %s.got; echo rc $? > %s.rc"
                           % (server.name, name, tag, tag), tag + ".log")
        want = genfile_digest(size, seed)
        try:
            rc = client.wait_rc(tag + ".rc", job_timeout(size), "fish get")
        except JobFailed as e:
            ended = client.end_job(job)
            raise JobFailed("%s%s" % (e, " (now killed: %s)" % " ".join(ended) if ended else ""))
        el = time.monotonic() - t0
        log = client.read(tag + ".log") or ""
        if rc != 0:
            raise JobFailed("fish get exited %d: %s; client %s; server %s" % (
                rc, harness.one_line(log, 200), fish_counters(client), fish_counters(server)))
        got = client.ok("sha256sum %s.got" % tag, T(60 + size / 65536)).split()
        if not got or got[0] != want:
            raise JobFailed("digest %s, want %s" % (got[0] if got else None, want))
        client.ok("rm -f %s.got %s.rc %s.log" % (tag, tag, tag))
        server.ok("rm /share/%s" % name)
        soak.fish.ok(size, el)
    except JobFailed as e:
        soak.problem(soak.fish, "%s: %s" % (what, e))


def fish_counters(g):
    """The fish driver's counters that tell a lost transfer's story."""
    c = lanlib.parse_counters(g.read("/dev/fish/ctl") or "")
    return " ".join("%s=%s" % (k.replace("drop ", "drop-"), v) for k, v in sorted(c.items())
                    if v and k not in ("wait", "timeout", "rto", "reqrto", "window"))


def worker(soak, job, kind, index):
    rng = random.Random("%s-%d-%d" % (kind, index, soak.seed))
    try:
        while not soak.stop.is_set() and not soak.abort.is_set():
            job(soak, rng, soak.next_id())
    except Aborted:
        pass
    except qemu.GuestError as e:
        soak.fatal("%s worker %d: %s" % (kind, index, e.what), e.tail)
    except Exception as e:     # a bug here must not pass for a quiet soak
        soak.fatal("%s worker %d: %s: %s" % (kind, index, type(e).__name__, e),
                   traceback.format_exc())


# ------------------------------------------------------------ chat

MSG = re.compile(r"^soak (\S+) (\d+)(?: |$)")


class Member:
    """One member of the channel: what it sent and what it heard."""

    def __init__(self, nick):
        self.nick = nick
        self.sent = 0
        self.got = {}                  # sender's nick -> numbers, in arrival order
        self.joined = threading.Event()
        self.closed = threading.Event()
        self.odd = []                  # error lines, mislabelled messages

    def heard(self, sender, text):
        m = MSG.match(text)
        if not m:
            return
        if m.group(1) != sender:
            self.odd.append("%s heard %r from %s" % (self.nick, text[:60], sender))
        self.got.setdefault(m.group(1), []).append(int(m.group(2)))


class GuestMember(Member):
    """`nc -l FEED | chat ... | nc PEER SHOW` on a guest: the peer types
    into the feed connection and reads the chat's screen from the other."""

    def __init__(self, guest):
        super().__init__("g%d" % guest.node)
        self.guest = guest
        self.feed = None
        self.quitting = False

    def send(self, text):
        self.feed.sendall((text + "\n").encode())

    def read_screen(self, sock):
        buf = b""
        while True:
            try:
                d = sock.recv(65536)
            except OSError:
                d = b""
            if not d:
                break
            buf += d
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.screen_line(line.decode("latin-1").rstrip("\r"))
        sock.close()            # lets the guest's last nc finish
        self.closed.set()

    def screen_line(self, line):
        m = re.match(r"^<(\S+)> (.*)$", line)
        if m:
            self.heard(m.group(1), m.group(2))
        elif line == "* %s joined %s" % (self.nick, CHAN):
            self.joined.set()
        elif line.startswith("!") and not (self.quitting and "(Quit: leaving)" in line):
            # (the server's farewell to our own QUIT is also shown as "!")
            self.odd.append("%s: %s" % (self.nick, line))


class PeerMember(Member):
    """An IRC client on the Linux peer. One thread owns the socket: it
    sends what was queued and reads (answering PINGs) in turns."""

    def __init__(self, client):
        super().__init__(client.nick)
        self.c = client
        self.lock = threading.Lock()
        self.outq = []

    def send(self, text):
        with self.lock:
            self.outq.append("PRIVMSG %s :%s\r\n" % (CHAN, text))

    def loop(self):
        pos = 0
        try:
            while not self.c.closed:
                with self.lock:
                    out, self.outq = "".join(self.outq), []
                if out:
                    self.c.send_raw(out)
                # IrcClient's one step of reading: splits lines, answers PING
                self.c._fill(time.monotonic() + 0.2)
                while pos < len(self.c.lines):
                    m = re.match(r"^:([^!\s]+)!\S+ PRIVMSG %s :(.*)$" % CHAN, self.c.lines[pos])
                    if m:
                        self.heard(m.group(1), m.group(2))
                    pos += 1
        except OSError as e:
            self.odd.append("%s: %s" % (self.nick, e))
        self.closed.set()


class Chat:
    """The channel CHAN on chatd (guest CHAT_NODE): a GuestMember for each
    other guest and a PeerMember, and the thread that makes them talk."""

    def __init__(self, soak):
        self.soak = soak
        self.lan = soak.lan
        self.chatd = soak.guest(CHAT_NODE)
        self.members = []
        self.problems = []
        self.lsock = None
        self.rng = random.Random("chat-%d" % soak.seed)

    def start(self):
        l = self.lan
        guests = [g for g in self.soak.guests if g.node != CHAT_NODE]
        by_addr = {g.addr: GuestMember(g) for g in guests}

        def listener():
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((lanlib.PEER_ADDR, SHOW_PORT))
            s.listen(8)
            return s
        self.lsock = in_netns(l.peer_ns, listener)
        self.lsock.settimeout(T(60))
        for g in guests:
            g.spawn("nc -l %d | chat %s %s %s 2>&1 | nc %s %d; echo rc $? > /soak/chat.rc"
                    % (FEED_PORT, self.chatd.addr, by_addr[g.addr].nick, CHAN[1:],
                       lanlib.PEER_ADDR, SHOW_PORT), "/soak/chat.log")
        for _ in guests:
            conn, peer = self.lsock.accept()
            mem = by_addr[peer[0]]
            threading.Thread(target=mem.read_screen, args=(conn,), daemon=True).start()
        for mem in by_addr.values():
            mem.feed = self.connect_feed(mem.guest)
            self.members.append(mem)
        c = in_netns(l.peer_ns, lambda: irc_load.IrcClient(self.chatd.addr, 6667, "peer",
                                                           timeout=T(60)))
        c.register(timeout=T(60))
        c.join(CHAN, timeout=T(60))
        peer = PeerMember(c)
        threading.Thread(target=peer.loop, daemon=True).start()
        peer.joined.set()
        self.members.append(peer)
        wait_until(self.soak, lambda: all(m.joined.is_set() for m in self.members), T(120),
                   "every chat client to join %s" % CHAN)

    def connect_feed(self, g):
        """Connect to the guest's `nc -l`, which may not listen yet."""
        deadline = time.monotonic() + T(60)
        while True:
            try:
                return in_netns(self.lan.peer_ns,
                                lambda: socket.create_connection((g.addr, FEED_PORT), T(60)))
            except ConnectionRefusedError:
                if time.monotonic() > deadline:
                    raise JobFailed("nc -l %d on %s never listened" % (FEED_PORT, g.name))
                if self.soak.abort.wait(0.3):     # between polls of a condition
                    raise Aborted()

    def drive(self):
        """Until told to stop: a member says one to three lines, then a
        pause (the pace of the load; nothing waits on it)."""
        try:
            while not self.soak.stop.is_set() and not self.soak.abort.is_set():
                m = self.rng.choice(self.members)
                for _ in range(self.rng.randint(1, 3)):
                    pad = "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz ")
                                  for _ in range(self.rng.randrange(0, 120)))
                    m.send(("soak %s %d %s" % (m.nick, m.sent, pad)).rstrip())
                    m.sent += 1
                self.soak.stop.wait(self.rng.uniform(0.1, 0.8))
        except OSError as e:
            self.problems.append("sending: %s" % e)

    def missing(self):
        return ["%s has %d of %s's %d" % (r.nick, len(r.got.get(s.nick, [])), s.nick, s.sent)
                for r in self.members for s in self.members
                if s is not r and len(r.got.get(s.nick, [])) < s.sent]

    def finish(self):
        """Wait until every message has arrived, then everyone leaves:
        the feeds close (each chat reads the end of its input and quits)
        and the peer's client quits."""
        try:
            wait_until(self.soak, lambda: not self.missing(), T(300), "chat messages")
        except JobFailed as e:
            self.problems.append("%s: %s" % (e, "; ".join(self.missing()[:6])))
        for m in self.members:
            if isinstance(m, GuestMember):
                m.quitting = True
                m.feed.close()
            else:
                with m.lock:     # sent by the member's own thread
                    m.outq.append("QUIT :soak over\r\n")
        try:
            wait_until(self.soak, lambda: all(m.closed.is_set() for m in self.members), T(120),
                       "every chat client to close")
        except JobFailed as e:
            self.problems.append(str(e))
        self.lsock.close()

    def check(self):
        """(ok, why, figures)"""
        bad = list(self.problems)
        for r in self.members:
            bad += r.odd[:3]
            for s in self.members:
                got = r.got.get(s.nick, [])
                if s is r:
                    if got:
                        bad.append("%s heard %d of its own messages" % (r.nick, len(got)))
                elif got != list(range(s.sent)):
                    dup = len(got) - len(set(got))
                    order = next((i for i in range(1, len(got)) if got[i] < got[i - 1]), None)
                    bad.append("%s got %d of %s's %d (%d repeated%s)" % (
                        r.nick, len(set(got)), s.nick, s.sent, dup,
                        ", out of order at %d" % order if order else ""))
        sent = sum(m.sent for m in self.members)
        heard = sum(len(v) for r in self.members for k, v in r.got.items() if k != r.nick)
        return not bad and sent > 0, "; ".join(bad[:8]) or "no messages sent", (sent, heard)


# ------------------------------------------------------------ the soak

class Soak:
    def __init__(self, args):
        self.args = args
        self.seed = args.seed
        self.max_size = args.max_size
        self.stop = threading.Event()       # finish the current job, start no more
        self.abort = threading.Event()      # a guest died: stop at once
        self.fatal_errors = []
        self.tcp = Tally("tcp")
        self.fish = Tally("fish")
        self.lock = threading.Lock()
        self.ids = 0
        self.lan = None
        self.guests = []
        self.t0 = time.monotonic()          # the load's start, for the log
        self.out_lock = threading.Lock()

    def guest(self, node):
        return next(g for g in self.guests if g.node == node)

    def next_id(self):
        with self.lock:
            self.ids += 1
            return self.ids

    def say(self, text):
        with self.out_lock:
            print("# %s" % text, flush=True)

    def problem(self, tally, why):
        tally.fail(why)
        self.say("problem at %.0f s: %s" % (time.monotonic() - self.t0,
                                             harness.one_line(why, 900)))

    def fatal(self, why, tail=""):
        with self.lock:
            self.fatal_errors.append((why, tail))
        self.say("fatal: %s" % why)
        self.abort.set()

    def fault_spec(self, node):
        return "fault=%s,seed:%d" % (self.args.fault, self.seed * 100 + node)


def counters(g):
    """leakcheck's counters, and the memory of each process (ps)."""
    with g.lock:
        c = leakcheck.read(g.m)
    c["procs"] = {int(m.group(1)): (m.group(3), int(m.group(2))) for m in re.finditer(
        r"^\s*(\d+)\s+\d+\s+\S+\s+(\d+)\s+(\S+)\s*$", g.run("ps").output, re.M)}
    return c


def grown_pages(base, now):
    """Pages the processes alive at the baseline have grown by since:
    chatd's heap grows under load and malloc keeps what it got, so
    those pages are the daemon's, not lost by the kernel."""
    return sum(max(0, now["procs"][pid][1] - size) for pid, (name, size) in base["procs"].items()
               if pid in now["procs"] and name != "ps") // 4096


def off_baseline(base, now):
    """What is not back at the baseline, as text (empty: all is)."""
    d = leakcheck.diff(base, now, leakcheck.SLACK_PAGES + grown_pages(base, now))
    d += ["%s %s at boot, %s now" % (k, base.get(k), now.get(k))
          for k in EXACT if k not in leakcheck.EXACT and base.get(k) != now.get(k)]
    return "; ".join(d)


def fault_stats(g):
    """Totals over both directions of `fault stats`."""
    out = g.ok("netctl /dev/eth fault stats")
    tot = {}
    for k, v in re.findall(r"(passed|dropped|corrupted|duplicated|reordered|delayed) (\d+)", out):
        tot[k] = tot.get(k, 0) + int(v)
    return tot


def setup(soak):
    """Boot the guests and bring everything to the state the baseline is
    taken in: fishd serving, chatd listening, the schools and ARP caches
    filled. Returns the baselines by node."""
    for n in NODES:
        boot = soak.fault_spec(n)
        if n == CHAT_NODE:
            boot = "chat=on " + boot
        m = soak.lan.guest(n, extra_boot=boot, boot_timeout=T(180))
        soak.guests.append(Guest(soak, n, m))
    for g in soak.guests:
        g.m.wait_for("fishd: %s " % g.name, T(60), start=0, what="fishd to start")
        g.ok("mkdir /soak")
        g.ok("fish ctl timeout %d" % FISH_GIVEUP_MS)
    wait_chatd(soak.guest(CHAT_NODE).m)
    # the host's copy of genfile's generator must match the guests'
    g = soak.guests[0]
    out = g.ok("genfile 100003 77 | sha256sum")
    if genfile_digest(100003, 77) not in out:
        raise JobFailed("the host's genfile digest differs from the guest's: %r" % out)
    # every school knows every node (a lost PING or ANNOUNCE: ask again)
    for g in soak.guests:
        want = {"node%d" % n for n in NODES}
        wait_until(soak, lambda: want <= set(re.findall(r"^(node\d+) ",
                                                        g.ok("cat /dev/fish/ping"), re.M)),
                   T(120), "%s to hear every node" % g.name)
    # every address resolved once, so that ARP's first-time work is done
    for g in soak.guests:
        for addr in [h.addr for h in soak.guests if h is not g] + [lanlib.PEER_ADDR]:
            g.run("ping -c 2 -i 100 -W 2000 %s" % addr, T(60))
    return {g.node: counters(g) for g in soak.guests}


def progress(soak, t0, chat):
    sent = sum(m.sent for m in chat.members) if chat else 0
    soak.say("%4.0f s: TCP %d (%s), FiSh %d (%s), chat %d sent, %d problems" % (
        time.monotonic() - t0, soak.tcp.done, size_text(soak.tcp.bytes), soak.fish.done,
        size_text(soak.fish.bytes), sent,
        len(soak.tcp.failures) + len(soak.fish.failures) + (len(chat.problems) if chat else 0)))


def run_load(soak, fig):
    """The load, for the asked time; then the jobs under way finish and
    the chat delivers and leaves. Returns the Chat."""
    args = soak.args
    t0 = soak.t0 = time.monotonic()
    threads = []
    chat = Chat(soak)
    try:
        chat.start()
        threads.append(threading.Thread(target=chat.drive, daemon=True))
    except (JobFailed, OSError, irc_load.IrcError) as e:
        soak.fatal("chat setup: %s" % e)
    except qemu.GuestError as e:
        soak.fatal("chat setup: %s" % e.what, e.tail)
    for kind, job, n in (("tcp", tcp_job, args.tcp_workers), ("fish", fish_job, args.fish_workers)):
        for i in range(n):
            threads.append(threading.Thread(target=worker, args=(soak, job, kind, i), daemon=True))
    for t in threads:
        t.start()
    end = t0 + args.seconds
    while not soak.abort.is_set() and time.monotonic() < end:
        soak.abort.wait(min(60, end - time.monotonic()))   # the soak's length, not a sync
        progress(soak, t0, chat)

    soak.stop.set()
    # each job gives up at its own deadlines; this only guards against a
    # bug in the workers themselves
    limit = time.monotonic() + 2 * job_timeout(args.max_size) + T(180)
    for t in threads:
        t.join(max(0, limit - time.monotonic()))
    if any(t.is_alive() for t in threads):
        soak.fatal("jobs still running %.0f s after the end of the load"
                   % (time.monotonic() - end))
    if chat.members and not soak.abort.is_set():
        chat.finish()
    fig["load"] = time.monotonic() - t0
    progress(soak, t0, chat)
    return chat


def drain(soak, base, fig):
    """Wait until every guest's counters are back at the baseline (or the
    time allowed is out); returns the last counters read, by node."""
    t1 = time.monotonic()
    final = {}

    def all_back():
        for g in soak.guests:
            final[g.node] = counters(g)
        return not any(off_baseline(base[n], final[n]) for n in final)
    try:
        # TIME_WAIT lasts two minutes (lwIP's 2 MSL): the default allows for it
        wait_until(soak, all_back, T(soak.args.drain), "counters back at the baseline")
    except JobFailed:
        pass                # reported by the checks, counter by counter
    except qemu.GuestError as e:
        soak.fatal("reading counters: %s" % e.what, e.tail)
    fig["drain"] = time.monotonic() - t1
    return final


def check(soak, results, chat, base, final, faults, fig):
    for why, tail in soak.fatal_errors:
        results.record("soak/no_fatal_error", False, why, detail=tail[-800:])
    for tally, what in ((soak.tcp, "transfers"), (soak.fish, "fetches")):
        results.record("soak/%s_digests_equal" % tally.kind,
                       tally.done > 0 and not tally.failures,
                       "%d %s failed, %d good: %s" % (len(tally.failures), what, tally.done,
                                                      "; ".join(tally.failures[:3]))
                       if tally.failures else "no %s completed" % what)
    if chat and chat.members:
        ok, why, fig["chat"] = chat.check()
        results.record("soak/chat_all_delivered_once_in_order", ok, why)
    else:
        results.record("soak/chat_all_delivered_once_in_order", False, "the chat did not start")
    for g in soak.guests:
        results.record("soak/%s_alive" % g.name, g.m.alive, "the guest is gone",
                       detail=g.m.tail(800) if not g.m.alive else "")
    for g in soak.guests:
        name = "soak/%s_counters_at_baseline" % g.name
        if g.node not in final:
            results.record(name, False, "not read: the soak was abandoned")
            continue
        diff = off_baseline(base[g.node], final[g.node])
        detail = ""
        if diff and g.m.alive:
            try:
                detail = (g.run("cat /dev/tcpstat").output + g.run("ps").output +
                          g.run("cat /dev/streams").output.splitlines()[0] + "\n" +
                          g.run("cat /dev/arp").output + fish_counters(g))
            except (qemu.GuestError, Aborted, IndexError):
                pass
        results.record(name, not diff, "after %.0f s of draining: %s" % (fig["drain"], diff),
                       detail=detail)
    inj = {k: sum(f.get(k, 0) for f in faults.values()) for k in
           ("dropped", "duplicated", "reordered", "corrupted", "delayed")}
    results.record("soak/faults_injected", len(faults) == len(NODES) and
                   all(inj[k] > 0 for k in inj),
                   "fault stats of %d guests: %r" % (len(faults), inj) if faults else
                   "not read: the soak was abandoned")


def save_consoles(soak, results, where):
    """Each guest's whole console, as nodeN.console: what the kernel said
    between the commands is what explains a stall afterwards."""
    try:
        if where:
            os.makedirs(where, exist_ok=True)
        else:
            where = tempfile.mkdtemp(prefix="soak-consoles-")
        for g in soak.guests:
            with open(os.path.join(where, "%s.console" % g.name), "w", errors="replace") as f:
                f.write(g.m.console)
        results.note("guest consoles saved in %s" % where)
    except OSError as e:
        results.note("could not save the consoles: %s" % e)


class SoakResults(harness.Results):
    """harness.Results that also keeps every row, for docs/soak.md."""

    def __init__(self):
        super().__init__()
        self.rows = []

    def record(self, name, ok, reason="", detail=""):
        self.rows.append((name, ok, "" if ok else harness.one_line(reason, 300) or "failed"))
        super().record(name, ok, reason, detail)


def main():
    ap = argparse.ArgumentParser(description="Soak: chat, FiSh and bulk TCP between four "
                                 "guests with the fault module on (needs root).")
    ap.add_argument("--seconds", type=float, default=3600, help="duration of the load")
    ap.add_argument("--smp", type=int, default=2, help="harts per guest")
    ap.add_argument("--seed", type=int, default=1, help="seeds sizes, data and faults")
    ap.add_argument("--tcp-workers", type=int, default=2, help="transfers at a time")
    ap.add_argument("--fish-workers", type=int, default=2, help="fetches at a time")
    ap.add_argument("--max-size", type=int, default=4 * MIB, help="largest transfer, bytes")
    ap.add_argument("--fault", default=FAULT, help="fault settings of every link (netup syntax)")
    ap.add_argument("--drain", type=float, default=400,
                    help="seconds the counters may take to come back after the load")
    ap.add_argument("--doc", default=DOC, help="where the figures go (default docs/soak.md)")
    ap.add_argument("--consoles", metavar="DIR",
                    help="save every guest's console there (after a failure they are "
                    "saved anyway, in a new temporary directory)")
    args = ap.parse_args()

    # `make soak` is an explicit request: not being able to run is an error
    ok, why = lanlib.have_root()
    if not ok:
        print("soak: cannot run the four-guest LAN: %s" % why, file=sys.stderr)
        return 2
    for path in (qemu.KERNEL, qemu.FS_IMG):
        if not os.path.exists(path):
            print("soak: cannot run: %s is missing (run make first)"
                  % os.path.relpath(path, REPO), file=sys.stderr)
            return 2

    soak = Soak(args)
    results = SoakResults()
    fig = {"started": datetime.datetime.now(datetime.timezone.utc),
           "loadavg": os.getloadavg()[0], "load": 0.0, "drain": 0.0}
    soak.say("soak: %g s, %d guests with %d harts, fault %s, seed %d" % (
        args.seconds, len(NODES), args.smp, args.fault, args.seed))
    soak.lan = lanlib.Lan(smp=args.smp)
    chat, base, final, faults = None, {}, {}, {}
    try:
        try:
            base = setup(soak)
            results.record("soak/setup", True)
        except (qemu.GuestError, JobFailed) as e:
            results.record("soak/setup", False, getattr(e, "what", str(e)),
                           detail=getattr(e, "tail", ""))
        if base:
            chat = run_load(soak, fig)
            if not soak.abort.is_set():
                final = drain(soak, base, fig)
            for g in soak.guests:
                if g.m.alive and not soak.abort.is_set():
                    try:
                        faults[g.node] = fault_stats(g)
                    except (qemu.GuestError, JobFailed) as e:
                        soak.say("%s: no fault stats: %s" % (g.name, e))
            check(soak, results, chat, base, final, faults, fig)
    except KeyboardInterrupt:
        results.note("interrupted")
        results.failed += 1
        print(results.summary(), flush=True)
        return 1
    finally:
        soak.abort.set()
        if soak.guests and (args.consoles or not results.ok):
            save_consoles(soak, results, args.consoles)
        soak.lan.close()
    try:
        write_doc(soak, results, fig, chat, base, final, faults)
    except OSError as e:
        results.note("could not write %s: %s" % (args.doc, e))
    print(results.summary(), flush=True)
    return 0 if results.ok else 1


# ------------------------------------------------------------ docs/soak.md

RESULTS = "## Results of the last run"

INTRO = """# Soak test

`make soak` (SOAK_SECONDS, default 3600) runs tests/soak.py: an hour of
mixed chat, FiSh and bulk TCP between four guests on the test LAN of
tests/lan.py, with the fault module on every guest's link. It is not part
of `make test`, and needs root (network namespaces, a bridge, taps).
`python3 tests/soak.py --seconds 120` makes a short run.

What runs, all at once and over and over:

- bulk TCP between random pairs of guests: `genfile SIZE SEED | nc` into
  `nc -l | sha256sum`, sizes up to 4 MiB; the receiver's digest must equal
  that of the seeded generator's bytes, which the host regenerates;
- FiSh: a file made by genfile in one guest's /share, fetched by another
  with `fish get`, compared the same way;
- chat: chatd on guest 1, the `chat` client on guests 2 to 4 (fed lines
  by the Linux peer through `nc -l`, its screen sent back through a
  second nc) and an IRC client on the Linux peer, all sending numbered
  messages; each must reach every other member exactly once and in
  per-sender order.

At the end the load stops, the connections drain, and each guest's
counters must be back at the baseline taken after boot: those that
tests/leakcheck.py checks (processes, open files, streams, message and
data blocks, links, kept streams, TCP conversations and control blocks)
and inodes in use, exactly; free pages no fewer than leakcheck's slack
allows, plus what long-lived processes grew by (chatd's heap keeps its
busiest size).

The fault settings apply to each guest's card in both directions, so a
path between two guests crosses them twice; under them a TCP transfer
moves some tens of KB/s and a FiSh fetch a few hundred (figures below).
`tests/soak.py --help` lists the knobs: the seed (sizes, data, faults),
workers of each kind, the largest transfer, the fault settings, harts.

The section below is rewritten by each run.

"""


def write_doc(soak, results, fig, chat, base, final, faults):
    args = soak.args
    try:
        with open(args.doc) as f:
            old = f.read()
    except OSError:
        old = INTRO
    head = old[:old.find(RESULTS)] if RESULTS in old else old.rstrip("\n") + "\n\n"
    L = [RESULTS, ""]
    L.append("- date (UTC): %s" % fig["started"].strftime("%Y-%m-%d %H:%M"))
    L.append("- duration: %.0f s asked; %.0f s of load (until the last transfer and chat "
             "message); %.0f s for the counters to come back" % (args.seconds, fig["load"],
                                                                fig["drain"]))
    L.append("- guests: %d, %d harts each; host load average at the start %.1f"
             % (len(NODES), args.smp, fig["loadavg"]))
    L.append("- fault on every guest's link, both directions: `%s`, seed 100*%d+node; "
             "FiSh give-up time %d ms" % (args.fault, args.seed, FISH_GIVEUP_MS))
    for tally, what, one in ((soak.tcp, "TCP transfers", "transfer"),
                             (soak.fish, "FiSh fetches", "fetch")):
        rate = tally.bytes / tally.seconds / 1e3 if tally.seconds else 0
        L.append("- %s: %d good, %d failed; %s in all, the largest %s; %.0f KB/s per %s"
                 % (what, tally.done, len(tally.failures), size_text(tally.bytes),
                    size_text(tally.largest), rate, one))
    if "chat" in fig:
        sent, heard = fig["chat"]
        L.append("- chat: %d members, %d messages sent, %d received (each message by the "
                 "%d others)" % (len(chat.members), sent, heard, len(chat.members) - 1))
    if faults:
        tot = {}
        for f in faults.values():
            for k, v in f.items():
                tot[k] = tot.get(k, 0) + v
        L.append("- faults injected (all guests): frames " + ", ".join(
            "%s %d" % (k, tot.get(k, 0)) for k in ("passed", "dropped", "duplicated",
                                                   "reordered", "corrupted", "delayed")))
    if base:
        keys = EXACT + ("freepages", "kmalloc_bytes")
        L += ["", "Counters at the baseline, and at the end where they differ:", "",
              "| guest | " + " | ".join(keys) + " | pages grown by processes |",
              "| --- |" + " --- |" * (len(keys) + 1)]
        for n in sorted(base):
            end = final.get(n)
            cells = []
            for k in keys:
                b = base[n].get(k, "?")
                e = end.get(k, "?") if end else "?"
                cells.append("%s" % b if b == e else "%s -> %s" % (b, e))
            cells.append("%d" % grown_pages(base[n], end) if end else "?")
            L.append("| node%d | %s |" % (n, " | ".join(cells)))
    L += ["", "| check | result |", "| --- | --- |"]
    for name, ok, why in results.rows:
        L.append("| %s | %s |" % (name, "PASS" if ok else "FAIL: " + why.replace("|", "/")))
    L += ["", results.summary(), ""]
    with open(args.doc, "w") as f:
        f.write(head + "\n".join(L))


if __name__ == "__main__":
    sys.exit(main())
