"""test_flood.py: a flood from the wire does not cut a guest off (issue 18).

A test module of tests/run.py, run in each round (1 and 2 harts); it
boots its own guest on a LAN of its own (tests/lan.py, needs root):

    namespace LAN:  br0 --- tap1 (guest 1, 10.10.0.1)
                        \\-- vpeer  -> PEER:  eth0 10.10.0.100 (TCP sender)
                        \\-- vpeer2 -> PEER2: eth0 10.10.0.101 (pings)
                        \\-- vflood -> FLOOD: eth0 (no address: raw frames)

Linux in FLOOD sends 1514-byte frames (ethertype 0x88b5, which no module
binds) at the guest's address as fast as it can for FLOOD_S seconds,
from a small C sender on an AF_PACKET socket that counts what it sent.
Meanwhile:
  - the guest's shell answers;
  - a one-second sleep takes one second (within 20%) by the guest's own
    clock (`uptime`);
  - PEER2's pings are answered;
  - a TCP transfer from PEER, started before the flood, completes and the
    digest the guest computes equals the sender's.
Afterwards every frame is accounted for:
  - what the tap handed to QEMU = what the card's driver passed up + what
    it dropped by reason + what the card missed (exactly);
  - what Linux sent = flood frames eth saw (its drop-unbound-type count)
    + the driver's drops + the drops of the host's interfaces (tap,
    veths, bridge ports: `ip -s link` in the test's namespaces), give or
    take the few frames that are not the flood's (pings, TCP, ARP: at
    most what PEER and PEER2 sent);
and the guest's counters are back at their values after boot.
IPv6 is off in every namespace, so no frame but these reaches the guest.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time

import harness
import lan as lanlib
import leakcheck

FLOOD_S = 10
FLOOD_TYPE = 0x88b5
PEER2_ADDR = "10.10.0.101"
TCP_PORT = 7000
TCP_BYTES = 1 << 20
TCP_PACE_S = 8          # the transfer is spread over this long, so the flood overlaps it

SENDER_C = r'''
/* flood IFNAME DSTMAC SECONDS SIZE: send SIZE-byte frames to DSTMAC as fast
 * as the socket takes them; prints "sent N refused R seconds S". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
  if (argc != 5) { fprintf(stderr, "usage: flood IF MAC SECONDS SIZE\n"); return 2; }
  int size = atoi(argv[4]);
  static unsigned char frame[1514];
  if (size < 60 || size > 1514) return 2;
  unsigned m[6];
  if (sscanf(argv[2], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
    return 2;
  int s = socket(AF_PACKET, SOCK_RAW, 0);     /* protocol 0: send only */
  if (s < 0) { perror("socket"); return 1; }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
  if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) { perror("SIOCGIFINDEX"); return 1; }
  int ifindex = ifr.ifr_ifindex;
  if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) { perror("SIOCGIFHWADDR"); return 1; }
  for (int i = 0; i < 6; i++) frame[i] = m[i];
  memcpy(frame + 6, ifr.ifr_hwaddr.sa_data, 6);
  frame[12] = 0x88; frame[13] = 0xb5;
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof(sll));
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(0x88b5);
  sll.sll_ifindex = ifindex;
  if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0) { perror("bind"); return 1; }
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  memset(msgs, 0, sizeof(msgs));
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = frame;
    iov[i].iov_len = size;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  long sent = 0, refused = 0;
  double t0 = now(), end = t0 + atof(argv[3]);
  printf("started\n");
  fflush(stdout);
  while (now() < end) {
    int n = sendmmsg(s, msgs, BATCH, 0);
    if (n > 0)
      sent += n;
    else if (errno == ENOBUFS || errno == EAGAIN)
      refused++;              /* not sent, so not counted */
    else { perror("sendmmsg"); return 1; }
  }
  printf("sent %ld refused %ld seconds %.3f\n", sent, refused, now() - t0);
  return 0;
}
'''

TCP_SENDER = r'''
import hashlib, random, socket, sys, time
host, port, size, pace = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
data = random.Random(18).randbytes(size)
print("digest", hashlib.sha256(data).hexdigest(), flush=True)
deadline = time.monotonic() + 60
while True:
    try:
        s = socket.create_connection((host, port), timeout=5)
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.1)   # the guest's listener is not up yet: retry
print("connected", flush=True)
s.settimeout(300)
chunk = 16384
t0 = time.monotonic()
for off in range(0, size, chunk):
    s.sendall(data[off:off + chunk])
    ahead = t0 + pace * (off + chunk) / size - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)   # pacing the transfer, not synchronising
s.shutdown(socket.SHUT_WR)
s.recv(16)
print("done %.1f" % (time.monotonic() - t0), flush=True)
'''


def T(seconds):
    return harness.scaled(seconds)


def note(h, text):
    h.results.note("%s: %s" % (h.prefix, text))


def run_ok(m, cmd, timeout=60):
    r = m.run(cmd, timeout=T(timeout))
    assert r.status == 0, "%r exited %d: %s" % (cmd, r.status, r.output.strip()[-400:])
    return r.output


def card(m):
    """The card driver's counters (through eth, which passes the request down)."""
    return lanlib.parse_counters(run_ok(m, "netctl /dev/eth card"))


def eth(m):
    return lanlib.parse_counters(run_ok(m, "netctl /dev/eth stats"))


def taken(c):
    """Every frame the card handed the driver, whatever became of it."""
    return c["rx_frames"] + c["rx_drops"] + c["rx_errors"] + c["rx_missed"]


def guest_drops(c):
    return c["rx_drops"] + c["rx_errors"] + c["rx_missed"]


def sh(args, ns=None, check=True, timeout=30):
    return lanlib._sh(args, ns=ns, check=check, timeout=timeout)


def links(ns):
    """{interface: stats64} for every interface in a namespace."""
    p = sh(["ip", "-j", "-s", "link", "show"], ns=ns)
    return {i["ifname"]: i["stats64"] for i in json.loads(p.stdout)}


def qdisc_drops(ns):
    p = sh(["tc", "-s", "qdisc", "show"], ns=ns, check=False)
    return sum(int(x) for x in re.findall(r"dropped (\d+)", p.stdout))


class FloodLan:
    """The module's LAN plus PEER2 and FLOOD, each on a veth into br0."""

    def __init__(self, smp):
        self.lan = lanlib.Lan(smp=smp)
        tag = self.lan.lan_ns[len("xv6lan"):] if self.lan.root else ""
        self.flood_ns = "xv6fl" + tag
        self.peer2_ns = "xv6p2" + tag
        self.extra = []
        if self.lan.root:
            try:
                self._setup()
            except Exception:
                self.close()
                raise

    def _setup(self):
        for ns in (self.lan.lan_ns, self.lan.peer_ns):
            self._no_ipv6(ns)
        for ns, port, addr in ((self.peer2_ns, "vpeer2", PEER2_ADDR),
                               (self.flood_ns, "vflood", None)):
            sh(["ip", "netns", "add", ns])
            self.extra.append(ns)
            self._no_ipv6(ns)
            sh(["ip", "link", "set", "lo", "up"], ns=ns)
            sh(["ip", "link", "add", port, "type", "veth", "peer", "name", "eth0",
                "netns", ns], ns=self.lan.lan_ns)
            sh(["ip", "link", "set", port, "master", "br0", "up"], ns=self.lan.lan_ns)
            if addr:
                sh(["ip", "addr", "add", addr + "/24", "dev", "eth0"], ns=ns)
            sh(["ip", "link", "set", "eth0", "up"], ns=ns)

    @staticmethod
    def _no_ipv6(ns):
        # Router solicitations and MLD reports would reach the guest too.
        for knob in ("all", "default"):
            sh(["sysctl", "-q", "-w", "net.ipv6.conf.%s.disable_ipv6=1" % knob],
               ns=ns, check=False)

    def host_counts(self):
        """Host-side counters: per-interface stats of the namespaces the
        flood crosses, and the qdisc drops there."""
        out = {}
        for ns in (self.lan.lan_ns, self.flood_ns):
            for name, st in links(ns).items():
                out["%s/%s" % (ns, name)] = st
        out["qdisc"] = qdisc_drops(self.lan.lan_ns) + qdisc_drops(self.flood_ns)
        return out

    def close(self):
        for ns in self.extra:
            subprocess.run(["ip", "netns", "del", ns], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        self.extra = []
        self.lan.close()


def host_drops(before, after):
    n = after["qdisc"] - before["qdisc"]
    for k, st in after.items():
        if k == "qdisc" or k not in before:
            continue
        for d in ("rx", "tx"):
            n += st[d]["dropped"] - before[k][d]["dropped"]
    return n


def tx_of(before, after, key):
    return after[key]["tx"]["packets"] - before[key]["tx"]["packets"]


def build_sender(d):
    src = os.path.join(d, "flood.c")
    exe = os.path.join(d, "flood")
    with open(src, "w") as f:
        f.write(SENDER_C)
    p = subprocess.run(["cc", "-O2", "-o", exe, src], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    assert p.returncode == 0, "cannot build the sender: %s" % p.stdout
    return exe


def sleep_cmd(m):
    """`sleep 1` once sleep takes seconds (with fractions, as on Unix);
    `sleep 1000` while it still takes milliseconds."""
    r = m.run("sleep 0.01", timeout=T(20))
    return "sleep 1" if r.status == 0 else "sleep 1000"


def timed_sleep(m, cmd):
    """Seconds the guest's clock says `cmd` (a one-second sleep) took."""
    out = run_ok(m, "uptime; %s; uptime" % cmd, timeout=60)
    t = [float(x) for x in re.findall(r"up (\d+\.\d+) s", out)]
    assert len(t) == 2, "uptime printed %r" % out
    return t[1] - t[0]


def wait_quiet(m, fl, base_card, base_host, tap, timeout):
    """After the flood: wait until the card has taken everything the tap
    gave QEMU (frames queued on the host drain into the guest first)."""
    deadline = time.monotonic() + T(timeout)
    while True:
        c = card(m)
        hc = fl.host_counts()
        given = tx_of(base_host, hc, tap)
        if taken(c) - taken(base_card) == given or time.monotonic() > deadline:
            return c, hc
        time.sleep(0.5)     # polling the guest for a condition


def test_flood_1514(h):
    """Linux floods the guest for 10 s; the guest stays usable and every
    frame is accounted for (see the top of the file)."""
    ok, why = lanlib.have_root()
    if not ok:
        h.skip("Linux peer unavailable: " + why)
    fl = FloodLan(h.smp)
    tmp = tempfile.mkdtemp(prefix="xv6flood-")
    procs = []
    try:
        exe = build_sender(tmp)
        l = fl.lan
        m = l.guest(1)
        base = leakcheck.read(m)
        tap = "%s/tap1" % l.lan_ns
        slp = sleep_cmd(m)
        quiet = timed_sleep(m, slp)
        note(h, "%s before the flood: %.3f s" % (slp, quiet))
        # Neighbours known before the flood: ARP for them could be lost in it.
        run_ok(m, "ping -c 1 -W 3000 %s" % lanlib.PEER_ADDR)
        run_ok(m, "ping -c 1 -W 3000 %s" % PEER2_ADDR)

        # Baselines while the link is quiet (the transfer below would
        # put frames between the reading of the tap's and the card's).
        base_host = fl.host_counts()
        base_card, base_eth = card(m), eth(m)
        peers_tx0 = (links(l.peer_ns)["eth0"]["tx"]["packets"] +
                     links(fl.peer2_ns)["eth0"]["tx"]["packets"])

        # The TCP transfer, started before the flood.
        run_ok(m, "rm -f /flood.sum; nc -l %d < /dev/null | sha256sum > /flood.sum & true" % TCP_PORT)
        tcp = l.peer_popen([sys.executable, "-c", TCP_SENDER, lanlib.guest_addr(1),
                            str(TCP_PORT), str(TCP_BYTES), str(TCP_PACE_S)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(tcp)
        want = tcp.stdout.readline().split()[-1]
        line = tcp.stdout.readline()
        assert line.startswith("connected"), "TCP sender: %r" % line

        flood = subprocess.Popen(["ip", "netns", "exec", fl.flood_ns, exe, "eth0",
                                  lanlib.guest_mac(1), str(FLOOD_S), "1514"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(flood)
        assert flood.stdout.readline().strip() == "started", "flood sender did not start"
        t0 = time.monotonic()
        pings = subprocess.Popen(["ip", "netns", "exec", fl.peer2_ns, "ping", "-c",
                                  str(FLOOD_S * 4 - 8), "-i", "0.25", "-W", "1",
                                  lanlib.guest_addr(1)],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(pings)

        # During the flood: the shell, and the one-second sleep.
        s0 = time.monotonic()
        echo = m.run("echo alive", timeout=T(20))
        answer_s = time.monotonic() - s0
        sleeps = []
        while time.monotonic() - t0 < FLOOD_S - 3:
            sleeps.append(timed_sleep(m, slp))
        during = time.monotonic() - t0

        fout = flood.communicate(timeout=T(60))[0]
        pout = pings.communicate(timeout=T(60))[0]
        sent = int(re.search(r"sent (\d+)", fout).group(1))
        note(h, "flood: %s" % fout.strip().splitlines()[-1])

        h.check("shell_answers", echo.status == 0 and "alive" in echo.output,
                "echo gave %r" % echo)
        note(h, "shell answered in %.2f s during the flood" % answer_s)
        h.check("sleeps_during_flood", sleeps and during <= FLOOD_S + 1,
                "only %d sleeps finished, the last %.1f s into a %d s flood"
                % (len(sleeps), during, FLOOD_S))
        bad = [s for s in sleeps if not 0.8 <= s <= 1.2]
        h.check("one_second_sleep", sleeps and not bad,
                "%s took %s s by the guest's clock" % (slp, ", ".join("%.3f" % s for s in sleeps)))
        note(h, "%s during the flood: %s s" % (slp, ", ".join("%.3f" % s for s in sleeps)))
        got = re.search(r"(\d+) packets transmitted, (\d+) received", pout)
        h.check("second_peer_pings_answered", got and int(got.group(2)) > 0,
                "ping from %s: %s" % (PEER2_ADDR, pout.strip().splitlines()[-2:]))
        if got:
            note(h, "pings from the second peer during the flood: %s of %s answered"
                 % (got.group(2), got.group(1)))

        # The transfer completes, digest equal.
        tout = tcp.communicate(timeout=T(240))[0]
        h.check("tcp_transfer_completes", "done" in tout, "TCP sender: %r" % tout[-300:])
        deadline = time.monotonic() + T(60)
        digest = ""
        while time.monotonic() < deadline:
            digest = m.run("cat /flood.sum", timeout=T(20)).output
            if re.search(r"[0-9a-f]{64}", digest):
                break
            time.sleep(0.5)   # polling for the background job's result
        h.check("tcp_digest_equal", want in digest,
                "sender %s, guest %r" % (want, digest.strip()))
        run_ok(m, "rm -f /flood.sum")

        # Delivery resumes at once.
        p = l.peer_run(["ping", "-c", "3", "-i", "0.2", "-W", "2", lanlib.guest_addr(1)])
        h.check("pings_after_flood", " 0% packet loss" in p.stdout, p.stdout)

        # Accounting.
        c, hc = wait_quiet(m, fl, base_card, base_host, tap, 60)
        e = eth(m)
        peers_tx = (links(l.peer_ns)["eth0"]["tx"]["packets"] +
                    links(fl.peer2_ns)["eth0"]["tx"]["packets"]) - peers_tx0
        given = tx_of(base_host, hc, tap)
        took = taken(c) - taken(base_card)
        h.check("card_took_what_the_tap_gave", took == given,
                "tap gave QEMU %d frames, the driver accounts for %d" % (given, took))
        seen = e.get("if0 drop-unbound-type", 0) - base_eth.get("if0 drop-unbound-type", 0)
        gdrop = guest_drops(c) - guest_drops(base_card)
        hdrop = host_drops(base_host, hc)
        total = seen + gdrop + hdrop
        detail = ("Linux sent %d; eth saw %d, the driver dropped %d (%s), the host "
                  "dropped %d; other frames from the peers: %d"
                  % (sent, seen, gdrop, ", ".join("%s %d" % (k, c[k] - base_card[k]) for k in
                                                   ("rx_drop_nomem", "rx_drop_closed",
                                                    "rx_errors", "rx_missed")),
                     hdrop, peers_tx))
        note(h, detail)
        h.check("every_frame_accounted", sent <= total <= sent + peers_tx, detail)
        h.check("flood_overloaded_the_guest", hdrop > 0 and seen < sent,
                "the flood was not more than the guest could take: " + detail)
        dur = FLOOD_S
        note(h, "offered %.0f frames/s, delivered to eth %.0f frames/s"
             % (sent / dur, seen / dur))

        d, now = leakcheck.wait_back(m, base, T(150))
        h.check("counters_back_at_boot_values", not d, "; ".join(d))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        fl.close()
        subprocess.run(["rm", "-rf", tmp])
