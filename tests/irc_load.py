#!/usr/bin/env python3
"""irc_load.py: IRC clients on the host for testing and loading chatd.

Part of the test harness (standard library only). It gives:

  IrcClient      one blocking-with-deadline IRC connection for protocol
                 tests: send lines, wait for a line matching a pattern;
  run_load(...)  many clients in one selector loop: all join a channel,
                 each sends M messages, and the result says whether every
                 client received every other client's messages exactly
                 once and in per-sender order, and how fast;
  fanout_latency(...)  one sender, N receivers: time until the last
                 receiver has a message, repeated.

As a program it runs the load against a server:

    python3 tests/irc_load.py [--clients 64] [--messages 50] HOST PORT

Every wait has a deadline; nothing here sleeps to synchronise. Only
addresses the caller gives are contacted (tests use 127.0.0.1).
"""

import argparse
import re
import selectors
import socket
import statistics
import sys
import time


class IrcError(Exception):
    pass


class IrcClient:
    """One connection. Lines are kept in .lines (decoded as Latin-1 so
    that any byte survives); .raw holds the undecoded lines."""

    def __init__(self, host, port, nick=None, timeout=20, rcvbuf=None):
        self.nick = nick
        self.lines = []
        self.raw = []
        self.pos = 0                 # lines before this were looked at
        self.buf = b""
        self.closed = False
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            # a small receive buffer makes a client that never reads
            # visible to the server quickly
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))

    # --- sending ---

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def send(self, line):
        self.send_raw(line + "\r\n")

    # --- receiving ---

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            self.closed = True
            return False
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.rstrip(b"\r")
            self.raw.append(line)
            self.lines.append(line.decode("latin-1"))
            if line.startswith(b"PING "):
                self.send_raw(b"PONG " + line[5:] + b"\r\n")
        return True

    def expect(self, pattern, timeout=20, what=None):
        """Wait for the next line (after .pos) matching pattern; returns
        the match and moves .pos past that line."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            while self.pos < len(self.lines):
                line = self.lines[self.pos]
                self.pos += 1
                m = rx.search(line)
                if m:
                    return m
            if self.closed or not self._fill(deadline):
                raise IrcError("%s: no line matching %r within %gs%s; last lines: %r" % (
                    self.nick or "client", what or pattern, timeout,
                    " (connection closed)" if self.closed else "", self.lines[-8:]))

    def collect(self, until, timeout=20):
        """Lines from .pos up to and including the first matching
        `until`; returns them."""
        start = self.pos
        self.expect(until, timeout)
        return self.lines[start:self.pos]

    def wait_closed(self, timeout=20):
        """Read until the server closes; returns the lines seen meanwhile."""
        deadline = time.monotonic() + timeout
        start = len(self.lines)
        while not self.closed:
            if not self._fill(deadline) and not self.closed:
                raise IrcError("%s: server did not close within %gs" % (self.nick, timeout))
        return self.lines[start:]

    def register(self, nick=None, user=None, timeout=30):
        self.nick = nick or self.nick
        self.send("NICK %s" % self.nick)
        self.send("USER %s 0 * :%s" % (user or self.nick, self.nick))
        self.expect(r"^:\S+ 001 %s " % re.escape(self.nick), timeout, "001")
        self.expect(r"^:\S+ (376|422) ", timeout, "end of MOTD")
        return self

    def join(self, chan, timeout=30):
        self.send("JOIN %s" % chan)
        self.expect(r"^:\S+ 366 %s %s " % (re.escape(self.nick), re.escape(chan)), timeout,
                    "366 for %s" % chan)

    def command(self, line, until, timeout=20):
        """Send a line, return the lines up to the one matching until."""
        self.pos = len(self.lines)
        self.send(line)
        return self.collect(until, timeout)

    def stats(self, timeout=20):
        """The server's STATS figures as a dict of ints (chatd only)."""
        lines = self.command("STATS", r" 219 ", timeout)
        for l in lines:
            m = re.search(r" 249 \S+ :(.*)$", l)
            if m:
                return {k: int(v) for k, v in re.findall(r"(\w+)=(-?\d+)", m.group(1))}
        raise IrcError("no 249 line in %r" % lines)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------- many clients

class _Peer:
    """Non-blocking connection state for the selector loop."""

    def __init__(self, sock, nick):
        self.sock = sock
        self.nick = nick
        self.inbuf = b""
        self.out = bytearray()
        self.lines = 0
        self.joined = False
        self.members = set()        # nicks seen in the channel
        self.got = {}               # sender -> list of message numbers
        self.own_back = 0           # own messages echoed back (must stay 0)
        self.closed = False
        self.registered = False
        self.first_t = {}           # message tag -> arrival time (latency runs)


def _connect_all(host, port, nicks, deadline):
    peers = []
    for nick in nicks:
        left = max(1.0, deadline - time.monotonic())
        s = socket.create_connection((host, port), timeout=left)
        s.setblocking(False)
        p = _Peer(s, nick)
        p.out += ("NICK %s\r\nUSER %s 0 * :load\r\n" % (nick, nick)).encode()
        peers.append(p)
    return peers


class _Loop:
    """One selector over many peers; `on_line(peer, line)` sees each line."""

    def __init__(self, peers, on_line):
        self.peers = peers
        self.on_line = on_line
        self.sel = selectors.DefaultSelector()
        for p in peers:
            self.sel.register(p.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, p)

    def run(self, done, deadline, what):
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                raise IrcError("timeout waiting for %s" % what)
            for p in self.peers:
                if not p.closed:
                    ev = selectors.EVENT_READ | (selectors.EVENT_WRITE if p.out else 0)
                    self.sel.modify(p.sock, ev, p)
            for key, ev in self.sel.select(min(left, 1.0)):
                p = key.data
                if ev & selectors.EVENT_WRITE and p.out:
                    try:
                        n = p.sock.send(p.out)
                        del p.out[:n]
                    except BlockingIOError:
                        pass
                    except OSError as e:
                        raise IrcError("%s: send failed: %s" % (p.nick, e))
                if ev & selectors.EVENT_READ:
                    try:
                        data = p.sock.recv(262144)
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        p.closed = True
                        self.sel.unregister(p.sock)
                        raise IrcError("%s: server closed the connection; last: %r" % (
                            p.nick, p.inbuf[-200:]))
                    p.inbuf += data
                    while b"\n" in p.inbuf:
                        line, p.inbuf = p.inbuf.split(b"\n", 1)
                        line = line.rstrip(b"\r").decode("latin-1")
                        p.lines += 1
                        if line.startswith("PING "):
                            p.out += ("PONG %s\r\n" % line[5:]).encode("latin-1")
                            continue
                        self.on_line(p, line)

    def close(self):
        for p in self.peers:
            try:
                self.sel.unregister(p.sock)
            except (KeyError, ValueError):
                pass
            p.sock.close()
        self.sel.close()


MSG_RE = re.compile(r"^:([^!\s]+)!\S+ PRIVMSG (\S+) :M (\d+) (\d+) ")
JOIN_RE = re.compile(r"^:([^!\s]+)!\S+ JOIN :?(\S+)")
NAMES_RE = re.compile(r"^:\S+ 353 \S+ [=*@] (\S+) :(.*)$")


def _bookkeeping(chan):
    def on_line(p, line):
        m = MSG_RE.match(line)
        if m:
            sender, n = int(m.group(3)), int(m.group(4))
            if m.group(1) == p.nick:
                p.own_back += 1
            p.got.setdefault(sender, []).append(n)
            p.first_t.setdefault((sender, n), time.monotonic())
            return
        if re.match(r"^:\S+ 001 ", line):
            p.registered = True
            p.out += ("JOIN %s\r\n" % chan).encode()
            return
        m = JOIN_RE.match(line)
        if m and m.group(2).lower() == chan.lower():
            p.members.add(m.group(1))
            if m.group(1) == p.nick:
                p.joined = True
            return
        m = NAMES_RE.match(line)
        if m and m.group(1).lower() == chan.lower():
            p.members.update(n.lstrip("@+") for n in m.group(2).split())
            return
        if line.startswith("ERROR"):
            raise IrcError("%s: %s" % (p.nick, line))
    return on_line


def run_load(host, port, clients=64, messages=50, chan="#load", prefix="ld",
             timeout=600, pad=20, join_timeout=120):
    """Every client joins chan and sends `messages` PRIVMSGs "M k n <pad>";
    returns a dict: ok, problems (list), seconds, deliveries, msgs_per_s.
    Connecting and joining get join_timeout seconds, the messages timeout."""
    deadline = time.monotonic() + join_timeout
    nicks = ["%s%d" % (prefix, k) for k in range(clients)]
    peers = _connect_all(host, port, nicks, deadline)
    loop = _Loop(peers, _bookkeeping(chan))
    try:
        everyone = set(nicks)
        loop.run(lambda: all(p.joined and p.members >= everyone for p in peers),
                 deadline, "all %d clients to join %s" % (clients, chan))
        deadline = time.monotonic() + timeout
        t0 = time.monotonic()
        filler = "x" * pad
        for k, p in enumerate(peers):
            p.out += b"".join(("PRIVMSG %s :M %d %d %s\r\n" % (chan, k, n, filler)).encode()
                              for n in range(messages))
        want = messages * (clients - 1)
        loop.run(lambda: all(sum(len(v) for v in p.got.values()) >= want for p in peers),
                 deadline, "every client to receive %d messages" % want)
        seconds = time.monotonic() - t0
        problems = []
        for k, p in enumerate(peers):
            if p.own_back:
                problems.append("%s received %d of its own messages" % (p.nick, p.own_back))
            for j in range(clients):
                if j == k:
                    continue
                seq = p.got.get(j, [])
                if seq != list(range(messages)):
                    problems.append("%s from %s: %d messages, in order: %s" % (
                        p.nick, nicks[j], len(seq), seq == sorted(seq)))
        deliveries = want * clients
        return {"ok": not problems, "problems": problems[:10], "seconds": seconds,
                "deliveries": deliveries, "sent": clients * messages,
                "msgs_per_s": deliveries / seconds if seconds > 0 else 0.0,
                "sent_per_s": clients * messages / seconds if seconds > 0 else 0.0}
    finally:
        for p in peers:
            try:
                p.sock.setblocking(True)
                p.sock.settimeout(5)
                p.sock.sendall(b"QUIT :load done\r\n")
            except OSError:
                pass
        loop.close()


def fanout_latency(host, port, receivers, rounds=100, chan="#fan", prefix="fo", timeout=300):
    """One sender and `receivers` receivers in chan. Each round the sender
    sends one message and the time until the last receiver has it is
    recorded. Returns the list of seconds."""
    deadline = time.monotonic() + timeout
    nicks = ["%ss" % prefix] + ["%s%d" % (prefix, k) for k in range(receivers)]
    peers = _connect_all(host, port, nicks, deadline)
    loop = _Loop(peers, _bookkeeping(chan))
    try:
        everyone = set(nicks)
        loop.run(lambda: all(p.joined and p.members >= everyone for p in peers),
                 deadline, "%d clients to join %s" % (len(peers), chan))
        sender, rx = peers[0], peers[1:]
        times = []
        for n in range(rounds):
            t0 = time.monotonic()
            sender.out += ("PRIVMSG %s :M 0 %d .\r\n" % (chan, n)).encode()
            loop.run(lambda: all((0, n) in p.first_t for p in rx), deadline,
                     "round %d to reach %d receivers" % (n, receivers))
            times.append(max(p.first_t[(0, n)] for p in rx) - t0)
        return times
    finally:
        loop.close()


def ping_rtt(host, port, rounds=100, nick="rttprobe", timeout=120):
    """IRC PING/PONG round trips through the server (seconds each)."""
    c = IrcClient(host, port, nick, timeout=timeout)
    try:
        c.register()
        times = []
        for n in range(rounds):
            t0 = time.monotonic()
            c.send("PING :rtt%d" % n)
            c.expect(r" PONG \S+ :rtt%d$" % n, timeout)
            times.append(time.monotonic() - t0)
        c.send("QUIT")
        return times
    finally:
        c.close()


def percentile(values, p):
    v = sorted(values)
    if not v:
        return 0.0
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def main():
    ap = argparse.ArgumentParser(description="Load an IRC server with many clients.")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--messages", type=int, default=50)
    ap.add_argument("--channel", default="#load")
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    r = run_load(args.host, args.port, args.clients, args.messages, args.channel,
                 timeout=args.timeout)
    print("%d clients x %d messages: %s in %.2f s, %.0f deliveries/s, %.0f sent/s" % (
        args.clients, args.messages, "ok" if r["ok"] else "PROBLEMS", r["seconds"],
        r["msgs_per_s"], r["sent_per_s"]))
    for p in r["problems"]:
        print("  " + p)
    return 0 if r["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
