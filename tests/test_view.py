"""test_view.py: the live view of the stack (scripts/view.py, make view),
in a real browser: Debian's Chromium, headless, driven by Playwright
(tests/browser/drive.js). A guest with the default stack and the view's
own channel (a virtio console, /dev/vcons, answered by viewd) is booted;
scripts/view.py serves its page; the test types at the guest's console
and watches the page change without a reload:

  - the modules of the default stack are drawn;
  - during a ping flood the eth-e1000 edge shows a non-zero rate;
  - a TCP conversation appears as a stream, and goes when it ends;
  - `push /dev/kept/net0 fault` appears within 2 s;
  - with `netctl /dev/eth fault drop 1.0` (no frame leaves the guest) the
    page still updates and shows the fault module's drops;
  - a tap pushed shows its last frames, decoded by tshark (FiSh too);
  - a screenshot is a PNG of the viewport's size with more than a few
    colours (parsed here with zlib);
  - when the view has gone, the guest's counters are back at boot.
"""

import json
import os
import re
import socket
import struct
import subprocess
import sys
import time
import zlib

import deps
import harness
import leakcheck
import qemu

REPO = qemu.REPO
NET = ["-netdev", "user,id=n0",
       "-device", "e1000,netdev=n0,bus=pcie.0,romfile=,mac=52:54:00:12:34:56"]
PLAYWRIGHT = os.path.join(REPO, "build", "browser", "node_modules", "playwright-core")
DRIVER = os.path.join(REPO, "tests", "browser", "drive.js")
WIDTH, HEIGHT = 1400, 1100
SHOT = os.path.join(REPO, "build", "view-test.png")
MODULES = ("e1000", "eth", "arp", "ip", "tcp", "fish")


class Browser:
    """tests/browser/drive.js: one JSON request and answer per line."""

    def __init__(self):
        env = dict(os.environ, PLAYWRIGHT=PLAYWRIGHT,
                   CHROMIUM=deps.command("chromium") or "/usr/bin/chromium")
        self.p = subprocess.Popen(["node", DRIVER], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env)

    def do(self, **req):
        self.p.stdin.write(json.dumps(req) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise AssertionError("the browser driver died: %s" % self.p.stderr.read()[-800:])
        return json.loads(line)

    def wait(self, js, seconds):
        return self.do(op="wait", js=js, timeout=int(seconds * 1000))

    def close(self):
        if self.p.poll() is None:
            try:
                self.do(op="quit")
            except (OSError, ValueError, AssertionError):
                pass
        try:
            self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def start_view(sock):
    """scripts/view.py on the guest's channel; returns (process, URL)."""
    p = subprocess.Popen([sys.executable, os.path.join(REPO, "scripts", "view.py"), sock],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
    if not m:
        p.kill()
        raise AssertionError("view.py printed no address: %r %s" % (line, p.stderr.read()))
    return p, m.group(1)


def png_facts(path):
    """(width, height, distinct colours) of an 8-bit RGB or RGBA PNG,
    decoded with zlib: every scanline unfiltered."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    off, idat, width = 8, b"", None
    while off < len(data):
        n, kind = struct.unpack(">I4s", data[off:off + 8])
        body = data[off + 8:off + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), "depth %d colour type %d" % (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        off += 12 + n
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours = set()
    for y in range(height):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if ft == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xff
        elif ft == 2:
            line = bytearray((a + b) & 0xff for a, b in zip(line, prev))
        elif ft == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xff
        elif ft == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 0xff
        if y % 4 == 0:
            bl = bytes(line)
            colours.update(bl[i:i + 3] for i in range(0, stride, bpp * 2))
        prev = line
    return width, height, len(colours)


def need_browser(h):
    deps.need(h, "chromium", "nodejs", "npm", "graphviz", "tshark")
    if not os.path.isdir(PLAYWRIGHT):
        raise AssertionError("Playwright is not installed in build/browser: "
                             "scripts/install-deps.sh installs it (npm ci, Debian package npm)")


# JavaScript run in the page.
NODE_NAMES = ("[...document.querySelectorAll('#graph g.node')]"
              ".map(n => n.id.split('-')[1]).filter(Boolean)")
EDGE_RATE = """(() => {
  const e = document.querySelector('#graph g.edge[id^="e-eth-e1000-down"]');
  if (!e) return null;
  const m = e.textContent.match(/([\\d.]+) (k|M)?msg\\/s/);
  return m && parseFloat(m[1]) > 0 ? e.textContent.trim() : null;
})()"""
SEQ = "Number(document.getElementById('updated').dataset.seq)"
FAULT_DROPS = """(() => {
  const n = document.querySelector('#graph g.node.drops[id^="q-fault-"]');
  return n && /fault: drop/.test(n.textContent) ? n.textContent.trim() : null;
})()"""

TCP_STREAM = ("[...document.querySelectorAll('#graph g.cluster')]"
              ".some(c => /stream \\d+: \\/dev\\/tcp/.test(c.textContent))")
TAP_FRAMES = """(() => {
  const t = document.querySelector('#taps .tap pre');
  return t && /Echo \\(ping\\) request/.test(t.textContent) && /FiSh/.test(t.textContent)
    && /PING/.test(t.textContent) ? t.textContent : null;
})()"""


def test_live_view(h):
    need_browser(h)
    m = h.boot(view=True, extra_args=NET, boot_timeout=harness.scaled(90))
    assert "viewd: answering" in m.console, "viewd did not start: " + m.tail()
    base = leakcheck.read(m)
    view, url = start_view(m.view_sock)
    b = Browser()
    try:
        r = b.do(op="open", url=url, width=WIDTH, height=HEIGHT,
                 timeout=int(harness.scaled(30) * 1000))
        assert r["ok"], "the page did not open: %s" % r
        r = b.wait("(() => { const n = %s; return %s.every(x => n.includes(x)) && n; })()"
                   % (NODE_NAMES, json.dumps(list(MODULES))), harness.scaled(15))
        h.check("default_stack_drawn", r["ok"], r.get("error") or r.get("value"))

        # a ping flood from the guest to the host: the card's edge moves
        m.send("ping -c 3000 -i 0 -q 10.0.2.2\n")
        r = b.wait(EDGE_RATE, harness.scaled(15))
        h.check("flood_rate_on_eth_e1000", r["ok"], r.get("error", ""))
        seq0 = b.do(op="eval", js=SEQ)["value"]
        r = b.wait("%s >= %d && %s" % (SEQ, seq0 + 4, EDGE_RATE), harness.scaled(10))
        h.check("updates_during_flood", r["ok"], r.get("error", ""))
        done = m.wait_for(re.compile(r"3000 packets transmitted, (\d+) received"),
                          harness.scaled(120))
        h.check("flood_was_a_flood", int(done.group(1)) > 0, done.group(0))
        m.wait_for(qemu.PROMPT, harness.scaled(10), start=len(m.console) - 3)

        # a new TCP conversation is a new stream on the page, and goes
        # with the connection (the host closes first: no TIME_WAIT here)
        h.check("no_tcp_stream_before", b.do(op="eval", js=TCP_STREAM)["value"] is False)
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        srv.settimeout(harness.scaled(20))
        start = len(m.console)
        m.send("nc 10.0.2.2 %d\n" % srv.getsockname()[1])
        conn, _ = srv.accept()
        r = b.wait(TCP_STREAM, harness.scaled(5))
        h.check("tcp_conversation_appears", r["ok"], r.get("error", ""))
        conn.close()
        srv.close()
        m.wait_for(qemu.PROMPT, harness.scaled(20), start=start)
        r = b.wait("!" + TCP_STREAM, harness.scaled(5))
        h.check("tcp_conversation_goes", r["ok"], r.get("error", ""))

        # a module pushed at the console appears without a reload, in 2 s
        m.run("push /dev/kept/net0 fault", timeout=harness.scaled(20))
        fault_js = "document.querySelector('#graph g.node[id^=\"q-fault-\"]') !== null"
        r = b.wait(fault_js, harness.scaled(2.0))
        if not r["ok"]:     # how late, for the report
            late = b.wait(fault_js, harness.scaled(10))
            r["error"] += "; seen %s ms later" % late.get("ms") if late["ok"] else "; never"
        h.check("push_appears_within_2s", r["ok"], "%s (TEST_TIMEOUT_SCALE %g)"
                % (r.get("error", ""), harness.TIMEOUT_SCALE))

        # the network broken on purpose: the view goes on, and shows where
        seq0 = b.do(op="eval", js=SEQ)["value"]
        m.run("netctl /dev/eth fault drop 1.0", timeout=harness.scaled(20))
        p = m.run("ping -c 5 -i 50 -W 200 10.0.2.2", timeout=harness.scaled(30))
        h.check("network_really_broken", "0 received" in p.output, p.output)
        r = b.wait(FAULT_DROPS, harness.scaled(5))
        h.check("drops_shown", r["ok"], r.get("error", ""))
        r = b.wait("%s >= %d" % (SEQ, seq0 + 8), harness.scaled(10))
        h.check("updates_while_broken", r["ok"], r.get("error", ""))
        r = b.wait("[...document.querySelectorAll('#drops tr.drop')]"
                   ".some(t => /fault/.test(t.textContent) && /fault: drop/.test(t.textContent))",
                   harness.scaled(5))
        h.check("drops_listed_by_reason", r["ok"], r.get("error", ""))

        # a tap above the fault: its last frames beside the graph, decoded
        # by tshark, FiSh by the project's dissector
        m.run("push /dev/kept/net0 tap", timeout=harness.scaled(20))
        m.run("ping -c 2 -i 50 -W 200 10.0.2.2", timeout=harness.scaled(30))
        m.run("cat /dev/fish/ping", timeout=harness.scaled(30))
        r = b.wait(TAP_FRAMES, harness.scaled(10))
        h.check("tap_frames_decoded", r["ok"], r.get("error", ""))

        os.makedirs(os.path.dirname(SHOT), exist_ok=True)
        r = b.do(op="shot", path=SHOT)
        assert r["ok"], "no screenshot: %s" % r
        w, ht, ncol = png_facts(SHOT)
        h.check("screenshot_size", (w, ht) == (WIDTH, HEIGHT), "%dx%d" % (w, ht))
        h.check("screenshot_not_blank", ncol >= 16, "%d colours" % ncol)

        m.run("push -p /dev/kept/net0; push -p /dev/kept/net0", timeout=harness.scaled(20))
        r = b.wait("document.querySelector('#graph g.node[id^=\"q-fault-\"]') === null",
                   harness.scaled(5))
        h.check("pop_disappears", r["ok"], r.get("error", ""))
        # a popped tap keeps what the view did not read for one last reader
        m.run("cat %s > /dev/null" % " ".join("/dev/tap/%d" % i for i in range(8)),
              timeout=harness.scaled(20))
    finally:
        b.close()
        view.terminate()
        view.wait(timeout=20)
    d, now = leakcheck.wait_back(m, base, harness.scaled(30))
    h.check("counters_at_boot_baseline", not d, "; ".join(d))


LISTING = """streams n=1 mblks=3 dblks=3 links=1 kept=1 svcruns=10 allocfail=0
stream id=1 dev=e1000 minor=0 refs=2 mods=1 kept=net0 flags=linked
queue stream=1 pos=0 name=eth side=r msgs=10 bytes=600 drops=0 depth=0 qbytes=0 hiwat=32768 lowat=8192 full=0
queue stream=1 pos=0 name=eth side=w msgs=0 bytes=0 drops=0 depth=0 qbytes=0 hiwat=32768 lowat=8192 full=0
queue stream=1 pos=1 name=fault side=r msgs=10 bytes=600 drops=0 depth=0 qbytes=0 hiwat=65536 lowat=16384 full=0
queue stream=1 pos=1 name=fault side=w msgs=%d bytes=%d drops=%d depth=0 qbytes=0 hiwat=65536 lowat=16384 full=0 why="fault: drop"
queue stream=1 pos=2 name=e1000 side=r msgs=10 bytes=600 drops=0 depth=0 qbytes=0 hiwat=65536 lowat=16384 full=0
queue stream=1 pos=2 name=e1000 side=w msgs=5 bytes=300 drops=0 depth=3 qbytes=%d hiwat=65536 lowat=16384 full=%d
link id=1 mux=eth lower=1 persistent=1 ctl=0
"""


def test_render_rates_full_drops(h):
    """No guest: two listings a second apart, drawn as the page gets them.
    The rate on an edge, a full queue and drops by reason must show."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "view", os.path.join(REPO, "scripts", "view.py"))
    view = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(view)
    deps.need(h, "graphviz")
    old = view.parse_listing(LISTING % (100, 6000, 0, 0, 0))
    new = view.parse_listing(LISTING % (300, 18000, 7, 65536, 1))
    rates = view.rates([(10.0, old)], new, 11.0)
    dot = view.to_dot(new, rates)
    svg = view.render(dot)
    edge = re.search(r'<g id="e&#45;eth&#45;fault&#45;down&#45;s1" class="edge">(.*?)</g>',
                     svg, re.S)
    h.check("edge_rate", edge and "200 msg/s" in edge.group(1) and "12.0 kB/s" in edge.group(1),
            edge.group(1)[-300:] if edge else "no edge e-eth-fault-down-s1")
    width = re.search(r'stroke-width="([\d.]+)"', edge.group(1)) if edge else None
    h.check("edge_width_follows_rate", width and float(width.group(1)) > 2, repr(width))
    node = re.search(r'<g id="q&#45;e1000&#45;s1&#45;p2" class="node ([^"]*)">(.*?)</g>',
                     svg, re.S)
    h.check("full_queue_marked", node and "full" in node.group(1).split()
            and "FULL" in node.group(2) and 'stroke="red"' in node.group(2),
            node.group(0)[:300] if node else "no node q-e1000-s1-p2")
    fault = re.search(r'<g id="q&#45;fault&#45;s1&#45;p1" class="node ([^"]*)">(.*?)</g>',
                      svg, re.S)
    h.check("drops_with_reason", fault and "drops" in fault.group(1).split()
            and "w: 7 drops (fault: drop)" in fault.group(2),
            fault.group(0)[:300] if fault else "no node q-fault-s1-p1")
    h.check("link_drawn", 'id="link&#45;1"' in svg, "no link-1 in the SVG")
