"""lan.py: a test LAN of xv6-streams guests and, with root, Linux itself.

Part of the test harness. With root (CI runs as root) a LAN is:

    namespace LAN:   bridge br0 --- tap1, tap2, ... (one per guest's e1000)
                              \\--- veth "vpeer" ---> namespace PEER: eth0
                                                       10.10.0.100/24

so Linux in PEER is a real peer (ping, tshark, nc, raw sockets) and tshark
can watch br0. Guest N gets MAC 52:54:00:10:00:NN and boots with
"net=lan node=N", so netup gives it 10.10.0.N/24. Both namespaces are made
for the test and deleted afterwards; no address outside them is used.

Without root the guests share a QEMU multicast socket on 127.0.0.1 and
there is no Linux peer: tests that need one must skip, saying why.

    with Lan() as lan:
        a = lan.guest(1)                 # a booted qemu.Machine
        lan.peer_run(["ping", "-c", "3", "10.10.0.1"])
"""

import atexit
import os
import random
import re
import shutil
import signal
import subprocess
import time

import qemu

PEER_ADDR = "10.10.0.100"
PREFIX = "10.10.0."


def guest_addr(node):
    return PREFIX + str(node)


def guest_mac(node):
    return "52:54:00:10:00:%02x" % node


def have_root():
    """(True, "") if LAN tests with namespaces can run, else (False, why)."""
    if os.geteuid() != 0:
        return False, "needs root to create network namespaces, a bridge and taps"
    if shutil.which("ip") is None:
        return False, "needs the ip command (iproute2)"
    if not os.path.exists("/dev/net/tun"):
        return False, "needs /dev/net/tun for QEMU tap devices"
    return True, ""


def _sh(args, check=True, ns=None, timeout=30, **kw):
    if ns:
        args = ["ip", "netns", "exec", ns] + list(args)
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(args), p.returncode,
                                                    p.stdout.strip()))
    return p


class NsMachine(qemu.Machine):
    """A qemu.Machine whose QEMU runs inside a network namespace."""

    def __init__(self, ns, **kw):
        self.ns = ns
        super().__init__(**kw)

    def command(self):
        cmd = super().command()
        return ["ip", "netns", "exec", self.ns] + cmd if self.ns else cmd


class Lan:
    def __init__(self, smp=2, root=None, pcap_dir=None):
        self.smp = smp
        self.pcap_dir = pcap_dir     # QEMU's filter-dump: guestN.pcap per guest
        ok, self.why_not_root = have_root()
        self.root = ok if root is None else (root and ok)
        tag = "%d%d" % (os.getpid() % 10000, random.randrange(100))
        self.lan_ns = "xv6lan" + tag if self.root else None
        self.peer_ns = "xv6peer" + tag if self.root else None
        self.mcast_port = 20000 + random.randrange(20000)
        self.machines = {}
        self.captures = []
        if self.root:
            self._setup()

    # --- plumbing ---

    def _setup(self):
        try:
            _sh(["ip", "netns", "add", self.lan_ns])
            _sh(["ip", "netns", "add", self.peer_ns])
            L, P = self.lan_ns, self.peer_ns
            _sh(["ip", "link", "set", "lo", "up"], ns=L)
            _sh(["ip", "link", "set", "lo", "up"], ns=P)
            _sh(["ip", "link", "add", "br0", "type", "bridge"], ns=L)
            # forward at once: no STP learning delay on a test bridge
            _sh(["ip", "link", "set", "br0", "type", "bridge", "forward_delay", "0",
                 "stp_state", "0"], ns=L)
            _sh(["ip", "link", "set", "br0", "up"], ns=L)
            # Where br_netfilter is loaded, a bridge drops malformed IPv4
            # on its own; the hostile-input tests need it to pass them on.
            for knob in ("iptables", "ip6tables", "arptables"):
                _sh(["sysctl", "-q", "-w", "net.bridge.bridge-nf-call-%s=0" % knob],
                    ns=L, check=False)
            _sh(["ip", "link", "add", "vpeer", "type", "veth", "peer", "name", "eth0",
                 "netns", P], ns=L)
            _sh(["ip", "link", "set", "vpeer", "master", "br0", "up"], ns=L)
            _sh(["ip", "addr", "add", PEER_ADDR + "/24", "dev", "eth0"], ns=P)
            _sh(["ip", "link", "set", "eth0", "up"], ns=P)
        except Exception:
            self.close()
            raise

    def _tap(self, node):
        name = "tap%d" % node
        # a guest booted again (after a crash) gets a fresh tap
        _sh(["ip", "link", "del", name], ns=self.lan_ns, check=False)
        _sh(["ip", "tuntap", "add", name, "mode", "tap"], ns=self.lan_ns)
        _sh(["ip", "link", "set", name, "master", "br0", "up"], ns=self.lan_ns)
        return name

    def guest_args(self, node, extra_boot="", net="lan"):
        """QEMU arguments giving guest `node` its card on this LAN
        (net="none": the card is there but netup leaves it alone)."""
        if self.root:
            netdev = "tap,id=n0,ifname=%s,script=no,downscript=no" % self._tap(node)
        else:
            netdev = "socket,id=n0,mcast=230.0.0.1:%d,localaddr=127.0.0.1" % self.mcast_port
        boot = ("net=%s node=%d %s" % (net, node, extra_boot)).strip()
        dump = []
        if self.pcap_dir:
            dump = ["-object", "filter-dump,id=f0,netdev=n0,file=%s" %
                    os.path.abspath(self.pcap_path(node))]
        return ["-netdev", netdev,
                "-device", "e1000,netdev=n0,bus=pcie.0,romfile=,mac=%s" % guest_mac(node),
                "-append", boot] + dump

    def pcap_path(self, node):
        """Where QEMU records every frame of guest `node`'s link."""
        return os.path.join(self.pcap_dir, "guest%d.pcap" % node)

    def guest(self, node, extra_boot="", boot_timeout=90, net="lan"):
        """Boot guest `node` (1..250) on the LAN and wait until its stack is up."""
        old = self.machines.pop(node, None)
        if old is not None:
            old.close()
        m = NsMachine(self.lan_ns, smp=self.smp, boot_timeout=boot_timeout,
                      extra_args=self.guest_args(node, extra_boot, net))
        self.machines[node] = m
        if net == "lan" and "netup: " not in m.console:
            raise qemu.GuestError("netup did not report the stack up", m.tail())
        return m

    # --- Linux as a peer ---

    def peer_run(self, args, timeout=60, check=False, **kw):
        """Run a command in the peer namespace; returns CompletedProcess."""
        assert self.root, "no Linux peer without root"
        return _sh(args, ns=self.peer_ns, timeout=timeout, check=check, **kw)

    def peer_popen(self, args, **kw):
        assert self.root
        return subprocess.Popen(["ip", "netns", "exec", self.peer_ns] + list(args), **kw)

    def capture(self, path, iface="br0", filt=None):
        """Start tshark on the bridge, writing a pcap; returns a handle with
        .stop(). Waits until tshark says it is capturing."""
        assert self.root
        args = ["ip", "netns", "exec", self.lan_ns, "tshark", "-i", iface, "-w", path, "-q"]
        if filt:
            args += ["-f", filt]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        seen = ""
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            seen += line
            if "Capturing on" in line:
                cap = Capture(p, path)
                self.captures.append(cap)
                return cap
        p.kill()
        raise RuntimeError("tshark did not start: %s" % seen.strip())

    def close(self):
        for cap in self.captures:
            cap.stop()
        for m in self.machines.values():
            m.close()
        self.machines = {}
        for ns in (self.lan_ns, self.peer_ns):
            if ns:
                subprocess.run(["ip", "netns", "del", ns], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class ModuleLan:
    """One LAN for a whole test module (booting guests is the slow part):
    `get()` builds it on first use; `close()`, the module's teardown()
    (tests/run.py calls it after the module's last test), powers its
    guests off so that they do not idle through the rest of the suite."""

    def __init__(self, **kw):
        self.kw = kw
        self.lan = None

    def get(self):
        if self.lan is None:
            self.lan = Lan(**self.kw)
            atexit.register(self.lan.close)
        return self.lan

    def close(self):
        if self.lan is not None:
            self.lan.close()
            self.lan = None


class Capture:
    def __init__(self, proc, path):
        self.proc = proc
        self.path = path

    def wait_for(self, display_filter, count, timeout=20):
        """Wait until the capture file holds `count` frames matching the
        filter (the capture writes in batches); returns how many it has."""
        deadline = time.monotonic() + timeout
        n = 0
        while True:
            try:
                n = len(tshark_fields(self.path, ["frame.number"], display_filter))
            except RuntimeError:
                n = 0        # file not written yet
            if n >= count or time.monotonic() > deadline:
                return n
            time.sleep(0.2)  # polling the file for a condition

    def stop(self):
        if self.proc.poll() is None:
            # SIGINT: tshark writes out what it has buffered, then exits
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def tshark_fields(path, fields, display_filter=None, extra=()):
    """Read a pcap with tshark and return one tuple of field values per frame."""
    args = ["tshark", "-r", path, "-T", "fields", "-E", "separator=|"] + list(extra)
    for f in fields:
        args += ["-e", f]
    if display_filter:
        args += ["-Y", display_filter]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    if p.returncode != 0:
        raise RuntimeError("tshark: %s" % p.stderr.strip())
    return [tuple(line.split("|")) for line in p.stdout.splitlines() if line.strip()]


def parse_counters(text):
    """'name value' / 'drop name value' lines -> dict (later names win)."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and re.fullmatch(r"\d+", parts[-1]):
            out[" ".join(parts[:-1])] = int(parts[-1])
    return out
