#!/usr/bin/env python3
"""view.py: the running stack as a live page in the browser.

    make view                        boot a guest with the default stack
                                     (like make qemu: its console is this
                                     terminal) and serve its live view
    scripts/view.py SOCKET...        serve the view of guests already
                                     running with the view's channel
    scripts/view.py --lan            ... of every guest of scripts/lan.py

The page (scripts/view/) is served on 127.0.0.1 at a free port, printed
at start (--port picks one). It shows what `streams -dot` shows, drawn by
Graphviz's dot on this host and pushed to the page several times a second
with Server-Sent Events: every stream, module, queue and link; on each
edge the messages and bytes per second (the edge's width follows the
rate), each queue's fill against its high-water mark, a blocked queue
(flow control) in red, drops with their reason where they happen; and the
last frames of every pushed tap, decoded by tshark (with tools/fish.lua).

The data does not travel over the network it shows: each guest has a
virtio console (tests/qemu.py's view_args: a Unix socket where QEMU
listens), answered in the guest by viewd from /dev/streams. Rates are
computed here, from successive counter snapshots. A tap's frames are
taken from its buffer: while the view is attached, `pcapsave /dev/tap/N`
gets only the frames the view has not read yet.
"""

import argparse
import glob
import html
import json
import math
import os
import queue
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))

import qemu   # noqa: E402

PAGE_DIR = os.path.join(REPO, "scripts", "view")
DISSECTOR = os.path.join(REPO, "tools", "fish.lua")
PERIOD = 0.25          # seconds between snapshots
RATE_WINDOW = 1.0      # rates are taken over about this many seconds
TAP_FRAMES = 12        # last frames shown per tap


# ------------------------------------------------------------ the channel

class Channel:
    """Requests to a guest's viewd over the virtio console's socket.
    Each request carries a sequence number; answers to older requests
    (left over from a connection that broke mid-answer) are skipped."""

    def __init__(self, path):
        self.path = path
        self.sock = None
        self.buf = b""
        # not 0: answers meant for an earlier view process are told apart too
        self.seq = random.randrange(1, 1 << 30)

    def close(self):
        if self.sock:
            self.sock.close()
        self.sock = None
        self.buf = b""

    def ask(self, request, timeout=3.0):
        """Returns (kind, bytes); raises OSError when the guest does not
        answer in time (then the next ask reconnects)."""
        try:
            if self.sock is None:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(timeout)
                self.sock.connect(self.path)
            self.seq += 1
            tag = b"@@view %d " % self.seq
            self.sock.sendall(b"%d %s\n" % (self.seq, request.encode()))
            deadline = time.monotonic() + timeout
            while True:
                i = self.buf.find(tag)
                if i >= 0:
                    j = self.buf.find(b"\n", i)
                    if j >= 0:
                        head = self.buf[i:j].split()
                        kind, n = head[2].decode(), int(head[3])
                        if len(self.buf) >= j + 1 + n:
                            data = self.buf[j + 1:j + 1 + n]
                            self.buf = self.buf[j + 1 + n:]
                            return kind, data
                elif len(self.buf) > len(tag):
                    self.buf = self.buf[-len(tag):]   # skip what is not ours
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout("no answer from the guest in %gs" % timeout)
                self.sock.settimeout(left)
                data = self.sock.recv(65536)
                if not data:
                    raise ConnectionError("the guest's channel closed")
                self.buf += data
        except (OSError, ValueError, IndexError):
            self.close()
            raise


# ------------------------------------------------------------ the listing

def parse_fields(line):
    out = {}
    for m in re.finditer(r'(\w+)=("([^"]*)"|\S*)', line):
        out[m.group(1)] = m.group(3) if m.group(3) is not None else m.group(2)
    return out


def parse_listing(text):
    """The text of /dev/streams (kernel/streams/listing.c) as a dict."""
    snap = {"head": {}, "streams": [], "links": []}
    cur = None
    for line in text.splitlines():
        word = line.split(" ", 1)[0]
        f = parse_fields(line)
        if word == "streams":
            snap["head"] = f
        elif word == "stream":
            cur = {"id": int(f.get("id", 0)), "dev": f.get("dev", "?"),
                   "minor": f.get("minor", "0"), "kept": f.get("kept", "-"),
                   "flags": f.get("flags", "-"), "busy": f.get("busy") == "1",
                   "queues": {}}
            snap["streams"].append(cur)
        elif word == "queue" and cur is not None:
            q = {k: (int(v) if v.isdigit() else v) for k, v in f.items()}
            cur["queues"][(int(f["pos"]), f["side"])] = q
        elif word == "link":
            snap["links"].append({"id": int(f.get("id", 0)), "mux": f.get("mux", "?"),
                                  "lower": int(f.get("lower", 0)),
                                  "persistent": f.get("persistent") == "1"})
    return snap


def qkey(sd, pos, side):
    """A queue's identity across snapshots: the stream, its place, and the
    module there (a push or pop makes it a new queue)."""
    q = sd["queues"].get((pos, side))
    return (sd["id"], sd["dev"], pos, side, q["name"] if q else None)


def rates(history, now_snap, now_t):
    """{qkey: (msgs/s, bytes/s, drops/s)} against the snapshot nearest to
    RATE_WINDOW ago (the oldest one we have, at first)."""
    base = None
    for t, snap in history:
        if now_t - t >= RATE_WINDOW * 0.9 or base is None:
            base = (t, snap)
    out = {}
    if base is None or now_t - base[0] <= 0:
        return out
    t0, old = base
    dt = now_t - t0
    prev = {}
    for sd in old["streams"]:
        for (pos, side), q in sd["queues"].items():
            prev[qkey(sd, pos, side)] = q
    for sd in now_snap["streams"]:
        for (pos, side), q in sd["queues"].items():
            k = qkey(sd, pos, side)
            p = prev.get(k)
            if p is None:
                continue
            out[k] = tuple(max(0, q[f] - p[f]) / dt for f in ("msgs", "bytes", "drops"))
    return out


# ------------------------------------------------------------ the graph

def ident(s):
    return re.sub(r"[^A-Za-z0-9_]", "_", str(s))


def human(v, unit):
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= scale:
            return "%.1f %s%s" % (v / scale, prefix, unit)
    return ("%.0f %s" % (v, unit)) if v >= 10 or v == 0 else ("%.1f %s" % (v, unit))


def fill_bar(q):
    """An HTML-label row: the queue's bytes waiting against its hiwat."""
    hiwat = max(1, q.get("hiwat", 1))
    frac = min(1.0, q.get("qbytes", 0) / hiwat)
    full = q.get("full") == 1
    w = 60
    on = max(1, int(round(frac * w)))
    color = "red" if full else ("orange" if frac > 0.5 else "steelblue")
    bar = ('<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>'
           '<TD WIDTH="%d" HEIGHT="7" FIXEDSIZE="TRUE" BGCOLOR="%s"></TD>'
           '<TD WIDTH="%d" HEIGHT="7" FIXEDSIZE="TRUE" BGCOLOR="white"></TD>'
           '</TR></TABLE>') % (on, color if frac > 0 else "white", w - on + 1)
    text = "%d msgs %s/%s" % (q.get("depth", 0), human(q.get("qbytes", 0), "B"),
                               human(hiwat, "B"))
    if full:
        text += " FULL"
    return bar, text


def node_label(sd, pos, color):
    w = sd["queues"].get((pos, "w"), {})
    r = sd["queues"].get((pos, "r"), {})
    name = w.get("name") or r.get("name") or "?"
    rows = ['<TR><TD COLSPAN="3" BGCOLOR="%s"><B>%s</B></TD></TR>' % (color, html.escape(name))]
    for side, q in (("w", w), ("r", r)):
        if not q:
            continue
        bar, text = fill_bar(q)
        fc = "red" if q.get("full") == 1 else "black"
        rows.append('<TR><TD>%s</TD><TD>%s</TD><TD><FONT COLOR="%s">%s</FONT></TD></TR>'
                    % (side, bar, fc, html.escape(text)))
    for side, q in (("w", w), ("r", r)):
        if q.get("drops", 0):
            why = q.get("why") or "no reason given"
            rows.append('<TR><TD COLSPAN="3"><FONT COLOR="red">%s: %d drops (%s)</FONT></TD></TR>'
                        % (side, q["drops"], html.escape(why)))
    full = w.get("full") == 1 or r.get("full") == 1
    # a blocked queue's module gets a red frame (its cells keep theirs)
    table = ('<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2">%s</TABLE>'
             % "".join(rows))
    if full:
        table = ('<TABLE BORDER="2" COLOR="red" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
                 '<TR><TD>%s</TD></TR></TABLE>' % table.replace(
                     '<TABLE BORDER="0" CELLBORDER="1"', '<TABLE BORDER="0" COLOR="black" CELLBORDER="1"', 1))
    return "<%s>" % table


def edge_attrs(rate, dirname, color):
    msgs, nbytes = (rate[0], rate[1]) if rate else (0.0, 0.0)
    width = 1.0 + min(7.0, 2.0 * math.log10(1 + msgs))
    label = "%s %s/s\\n%s/s" % ("\u2193" if dirname == "down" else "\u2191",
                               human(msgs, "msg"), human(nbytes, "B"))
    return 'label="%s", penwidth=%.1f, color="%s"' % (
        label, width, color if msgs > 0 else "gray70")


def to_dot(snap, rate):
    out = ['digraph streams {', '  rankdir=TB; newrank=true; ranksep=0.3; nodesep=0.4;',
           '  node [shape=plaintext, fontname="monospace", fontsize=10];',
           '  edge [fontname="monospace", fontsize=8];']
    h = snap["head"]
    out.append('  label="streams %s  mblks %s  dblks %s  links %s  svcruns %s";' % (
        h.get("n", "?"), h.get("mblks", "?"), h.get("dblks", "?"), h.get("links", "?"),
        h.get("svcruns", "?")))
    muxes = {l["mux"] for l in snap["links"]}
    for sd in snap["streams"]:
        sid = sd["id"]
        if sd["busy"] or not sd["queues"]:
            continue
        npos = max(p for p, _ in sd["queues"]) + 1
        kept = " (kept %s)" % sd["kept"] if sd["kept"] != "-" else ""
        flags = " [%s]" % sd["flags"] if sd["flags"] != "-" else ""
        out.append('  subgraph cluster_s%d {' % sid)
        out.append('    id="stream-s%d"; label="stream %d: /dev/%s%s%s"; style=rounded; '
                   'color=gray40;' % (sid, sid, sd["dev"], kept, flags))
        for pos in range(npos):
            w = sd["queues"].get((pos, "w"), {})
            r = sd["queues"].get((pos, "r"), {})
            name = w.get("name") or r.get("name") or "q"
            classes = ["queue"]
            if w.get("full") == 1 or r.get("full") == 1:
                classes.append("full")
            if w.get("drops", 0) or r.get("drops", 0):
                classes.append("drops")
            color = "lightblue" if pos == 0 else ("lightyellow" if pos == npos - 1 else "white")
            out.append('    s%dq%d [id="q-%s-s%d-p%d", class="%s", label=%s];' % (
                sid, pos, ident(name), sid, pos, " ".join(classes), node_label(sd, pos, color)))
        for pos in range(npos - 1):
            up = sd["queues"].get((pos, "w"), {}).get("name", "q")
            down = sd["queues"].get((pos + 1, "w"), {}).get("name", "q")
            rd = rate.get(qkey(sd, pos + 1, "w"))
            out.append('    s%dq%d -> s%dq%d [id="e-%s-%s-down-s%d", %s];' % (
                sid, pos, sid, pos + 1, ident(up), ident(down), sid,
                edge_attrs(rd, "down", "blue")))
            ru = rate.get(qkey(sd, pos, "r"))
            out.append('    s%dq%d -> s%dq%d [id="e-%s-%s-up-s%d", %s];' % (
                sid, pos + 1, sid, pos, ident(down), ident(up), sid,
                edge_attrs(ru, "up", "darkgreen")))
        out.append('  }')
        if sd["dev"] in muxes:
            out.append('  s%dq%d -> mux_%s [style=dotted, arrowhead=none];' % (
                sid, npos - 1, ident(sd["dev"])))
    for m in sorted(muxes):
        out.append('  mux_%s [id="mux-%s", shape=component, label="%s multiplexor"];'
                   % (ident(m), ident(m), m))
    known = {sd["id"] for sd in snap["streams"] if sd["queues"] and not sd["busy"]}
    for l in snap["links"]:
        if l["lower"] in known:
            out.append('  mux_%s -> s%dq0 [id="link-%d", style=dashed, label="mux id %d%s"];'
                       % (ident(l["mux"]), l["lower"], l["id"], l["id"],
                          " (P)" if l["persistent"] else ""))
    out.append('}')
    return "\n".join(out) + "\n"


def render(dot_text):
    # fewer layout passes than dot's default: the graph is small, and a
    # picture several times a second matters more than the fewest crossings
    p = subprocess.run(["dot", "-Tsvg", "-Gnslimit=2", "-Gmclimit=0.5"], input=dot_text, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=10)
    if p.returncode != 0:
        raise RuntimeError("dot: %s" % p.stderr.strip()[:300])
    svg = p.stdout
    i = svg.find("<svg")
    return svg[i:] if i >= 0 else svg


# ------------------------------------------------------------ taps

class TapWatch:
    """The last frames of one tap slot: pcap records read from the guest,
    decoded by tshark on demand."""

    def __init__(self, slot):
        self.slot = slot
        self.header = None
        self.records = []
        self.total = 0
        self.decoded = []
        self.dirty = False
        self.busy = None

    def add(self, pcap):
        if len(pcap) < 24:
            return
        self.header = pcap[:24]
        off = 24
        while off + 16 <= len(pcap):
            incl = struct.unpack_from("<I", pcap, off + 8)[0]
            if off + 16 + incl > len(pcap):
                break
            self.records.append(pcap[off:off + 16 + incl])
            off += 16 + incl
            self.total += 1
            self.dirty = True
        self.records = self.records[-TAP_FRAMES:]

    def decode(self, tmpdir):
        """The decoded frames; tshark (slow to start) runs in a thread of
        its own so that the graph never waits for it."""
        if self.dirty and self.header and not (self.busy and self.busy.is_alive()):
            self.dirty = False
            snapshot = self.header + b"".join(self.records)
            first = self.total - len(self.records)
            self.busy = threading.Thread(target=self.run_tshark, args=(tmpdir, snapshot, first),
                                         daemon=True)
            self.busy.start()
        return self.decoded

    def run_tshark(self, tmpdir, pcap, first):
        try:
            self.decoded = self.tshark(tmpdir, pcap, first)
        except (OSError, subprocess.SubprocessError) as e:
            self.decoded = [{"no": "", "proto": "", "info": "tshark: %s" % e}]

    def tshark(self, tmpdir, pcap, first):
        path = os.path.join(tmpdir, "tap%d.pcap" % self.slot)
        with open(path, "wb") as f:
            f.write(pcap)
        if shutil.which("tshark") is None:
            return [{"no": "", "proto": "", "info": "tshark is missing (Debian package tshark)"}]
        args = ["tshark", "-r", path, "-T", "fields", "-E", "separator=\t",
                "-e", "frame.number", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info"]
        if os.path.exists(DISSECTOR):
            args[1:1] = ["-X", "lua_script:" + DISSECTOR]
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=20)
        rows = []
        for line in p.stdout.splitlines():
            w = line.split("\t")
            if len(w) >= 3 and w[0].isdigit():
                rows.append({"no": first + int(w[0]), "proto": w[1], "info": w[2]})
        return rows


# ------------------------------------------------------------ one guest

class Guest:
    """Polls one guest and keeps the newest rendered state; subscribers
    (the page's event streams) get every new state."""

    def __init__(self, name, sock, taps=True):
        self.name = name
        self.chan = Channel(sock)
        self.taps_on = taps
        self.history = []
        self.state = {"guest": name, "seq": 0, "ok": False, "error": "not yet polled"}
        self.subs = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.tmpdir = tempfile.mkdtemp(prefix="xv6view-")
        self.last_dot = self.last_svg = None
        self.tapslot = {}     # (stream id, pos) -> slot
        self.taps = {}        # slot -> TapWatch
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def subscribe(self):
        q = queue.Queue(maxsize=4)
        with self.lock:
            self.subs.add(q)
            q.put(self.state)
        return q

    def unsubscribe(self, q):
        with self.lock:
            self.subs.discard(q)

    def publish(self, state):
        with self.lock:
            self.state = state
            subs = list(self.subs)
        for q in subs:
            try:
                q.put_nowait(state)
            except queue.Full:     # a slow page skips states, never blocks us
                try:
                    q.get_nowait()
                    q.put_nowait(state)
                except (queue.Empty, queue.Full):
                    pass

    def loop(self):
        seq = 0
        while not self.stop.is_set():
            t0 = time.monotonic()
            seq += 1
            try:
                state = self.poll(seq)
            except Exception as e:   # shown on the page; the next poll tries again
                state = dict(self.state, ok=False, error="%s: %s" % (type(e).__name__, e),
                             seq=seq)
                state.pop("svg", None)
            state["time"] = time.time()
            self.publish(state)
            self.stop.wait(max(0.02, PERIOD - (time.monotonic() - t0)))
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def poll(self, seq):
        kind, data = self.chan.ask("streams")
        if kind != "streams":
            raise RuntimeError("viewd: %s" % data.decode("latin-1"))
        now = time.monotonic()
        snap = parse_listing(data.decode("latin-1"))
        r = rates(self.history, snap, now)
        self.history.append((now, snap))
        self.history = [(t, s) for t, s in self.history if now - t <= RATE_WINDOW * 3]
        # dot runs only when the picture changed (an idle stack costs nothing)
        dot_text = to_dot(snap, r)
        if dot_text != self.last_dot:
            self.last_svg = render(dot_text)
            self.last_dot = dot_text
        svg = self.last_svg
        edges = {}
        for sd in snap["streams"]:
            for (pos, side), q in sd["queues"].items():
                v = r.get(qkey(sd, pos, side))
                if v:
                    edges["s%d-p%d-%s" % (sd["id"], pos, side)] = [round(x, 1) for x in v]
        drops = [{"stream": sd["id"], "dev": sd["dev"], "pos": pos, "side": side,
                  "name": q.get("name"), "drops": q.get("drops"), "why": q.get("why", "")}
                 for sd in snap["streams"] for (pos, side), q in sorted(sd["queues"].items())
                 if q.get("drops")]
        return {"guest": self.name, "seq": seq, "ok": True, "error": "", "svg": svg,
                "rates": edges, "drops": drops, "head": snap["head"],
                "taps": self.poll_taps(snap) if self.taps_on else []}

    def poll_taps(self, snap):
        out = []
        links = {l["lower"]: l["mux"] for l in snap["links"]}
        seen = set()
        for sd in snap["streams"]:
            for (pos, side), q in sd["queues"].items():
                if side != "w" or q.get("name") != "tap":
                    continue
                key = (sd["id"], pos)
                seen.add(key)
                if key not in self.tapslot:
                    # which /dev/tap/N: ask the tap ("tap show") through the
                    # kept stream, or the multiplexor above a linked one
                    path = ("/dev/%s" % links[sd["id"]] if sd["id"] in links
                            else "/dev/kept/%s" % sd["kept"] if sd["kept"] != "-" else None)
                    if path is None:
                        continue
                    kind, data = self.chan.ask("tapshow " + path)
                    m = re.match(rb"tap (\d+) ", data)
                    if kind != "tapshow" or not m:
                        continue
                    self.tapslot[key] = int(m.group(1))
                slot = self.tapslot[key]
                tw = self.taps.setdefault(slot, TapWatch(slot))
                kind, data = self.chan.ask("tap %d" % slot)
                if kind == "tap":
                    tw.add(data)
                out.append({"slot": slot, "stream": sd["id"], "dev": sd["dev"],
                            "kept": sd["kept"], "frames": tw.total,
                            "last": tw.decode(self.tmpdir)})
        for key in list(self.tapslot):
            if key not in seen:
                self.taps.pop(self.tapslot.pop(key), None)
        return out


# ------------------------------------------------------------ the server

STATIC = {"/": ("index.html", "text/html; charset=utf-8"),
          "/index.html": ("index.html", "text/html; charset=utf-8"),
          "/view.js": ("view.js", "text/javascript; charset=utf-8"),
          "/view.css": ("view.css", "text/css; charset=utf-8")}


def make_handler(guests):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):   # the terminal is the guest's console
            pass

        def send_body(self, code, ctype, body):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def guest(self, qs):
            name = (qs.get("guest") or [None])[0]
            if name is None:
                return guests[0]
            for g in guests:
                if g.name == name:
                    return g
            return None

        def do_GET(self):
            u = urlparse(self.path)
            qs = parse_qs(u.query)
            if u.path in STATIC:
                fname, ctype = STATIC[u.path]
                with open(os.path.join(PAGE_DIR, fname), "rb") as f:
                    self.send_body(200, ctype, f.read())
            elif u.path == "/guests.json":
                self.send_body(200, "application/json",
                               json.dumps([g.name for g in guests]).encode())
            elif u.path == "/state.json":
                g = self.guest(qs)
                if g is None:
                    self.send_body(404, "text/plain", b"no such guest\n")
                    return
                with g.lock:
                    st = g.state
                self.send_body(200, "application/json", json.dumps(st).encode())
            elif u.path == "/events":
                g = self.guest(qs)
                if g is None:
                    self.send_body(404, "text/plain", b"no such guest\n")
                    return
                self.events(g)
            else:
                self.send_body(404, "text/plain", b"not found\n")

        def events(self, g):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            q = g.subscribe()
            try:
                while not g.stop.is_set():
                    try:
                        st = q.get(timeout=5)
                        msg = "data: %s\n\n" % json.dumps(st)
                    except queue.Empty:
                        msg = ": idle\n\n"
                    self.wfile.write(msg.encode())
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                g.unsubscribe(q)

    return Handler


def guest_name(sock):
    """build/lan/view2.sock -> guest2; other sockets by their file name."""
    base = os.path.splitext(os.path.basename(sock))[0]
    return re.sub(r"^view(\d+)$", r"guest\1", base)


class ViewServer:
    """The page and its guests: start() serves, close() stops."""

    def __init__(self, socks, port=0, taps=True):
        self.guests = [Guest(guest_name(s) if len(socks) > 1 else "guest", s, taps)
                       for s in socks]
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), make_handler(self.guests))
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d/" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        for g in self.guests:
            g.thread.start()
        self.thread.start()
        return self

    def close(self):
        for g in self.guests:
            g.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for g in self.guests:
            g.thread.join(timeout=5)
            g.chan.close()


def main():
    ap = argparse.ArgumentParser(description="Serve the live view of running guests.")
    ap.add_argument("socks", nargs="*", help="view channel sockets of running guests")
    ap.add_argument("--lan", action="store_true",
                    help="every guest of scripts/lan.py (build/lan/view*.sock)")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: free)")
    ap.add_argument("--no-taps", action="store_true",
                    help="leave the taps' buffers alone (no frames shown)")
    ap.add_argument("--run", nargs=argparse.REMAINDER,
                    help="boot this QEMU command with the channel attached (make view)")
    args = ap.parse_args()
    if shutil.which("dot") is None:
        sys.exit("view: dot is missing (Debian package graphviz)")
    socks = list(args.socks)
    if args.lan:
        socks += sorted(glob.glob(os.path.join(REPO, "build", "lan", "view*.sock")))
    sock = os.path.join(REPO, "build", "view.sock")
    if args.run:
        socks.append(sock)
    if not socks:
        ap.error("name a guest's view socket, or --lan, or --run QEMU...")
    server = ViewServer(socks, args.port, taps=not args.no_taps)
    print("view: the live stack at %s" % server.url, file=sys.stderr, flush=True)
    qemu_proc = None
    if args.run:
        # the guest's console is this terminal; the view connects to the
        # channel's socket once QEMU has made it (and again after a reboot)
        qemu_proc = subprocess.Popen(args.run + qemu.view_args(sock))
    server.start()
    try:
        if qemu_proc:
            qemu_proc.wait()
        else:
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if qemu_proc and qemu_proc.poll() is None:
            qemu_proc.terminate()


if __name__ == "__main__":
    main()
