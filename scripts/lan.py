#!/usr/bin/env python3
"""lan.py: start N xv6-streams guests on one Ethernet LAN, by hand.

    scripts/lan.py 3            # guests 10.10.0.1 .. 10.10.0.3
    scripts/lan.py 2 --smp 1

With root: a network namespace with a bridge, one tap per guest, and
Linux itself as a peer at 10.10.0.100 in a second namespace (the script
prints the `ip netns exec ...` prefix to run ping, nc or tshark there).
Without root: the guests share a QEMU multicast socket on 127.0.0.1 and
there is no Linux peer. Every guest's link is recorded by QEMU's
filter-dump into build/lan/guestN.pcap (open with tshark or Wireshark).

Each guest's console listens on 127.0.0.1:PORT (printed): connect with
`nc 127.0.0.1 PORT` (or telnet). `scripts/view.py --lan` shows every
guest's stack live in the browser (over build/lan/viewN.sock, not the
LAN). Ctrl-C stops the guests and removes the
namespaces. (The test suite builds the same LANs: tests/lan.py.)
"""

import argparse
import os
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))

import lan as lanlib   # noqa: E402
import qemu            # noqa: E402


def main():
    ap = argparse.ArgumentParser(description="Start N guests on one LAN.")
    ap.add_argument("n", type=int, help="number of guests (1..8)")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--base-port", type=int, default=4500,
                    help="console of guest N on 127.0.0.1:BASE+N")
    args = ap.parse_args()
    if not 1 <= args.n <= 8:
        ap.error("between 1 and 8 guests")
    for f in (qemu.KERNEL, qemu.FS_IMG):
        if not os.path.exists(f):
            sys.exit("lan: %s is missing: run make first" % os.path.relpath(f, REPO))
    pcaps = os.path.join(REPO, "build", "lan")
    os.makedirs(pcaps, exist_ok=True)
    lan = lanlib.Lan(smp=args.smp, pcap_dir=pcaps)
    procs = []
    try:
        if not lan.root:
            print("lan: %s: using a QEMU multicast LAN, no Linux peer" % lan.why_not_root)
        for node in range(1, args.n + 1):
            image = os.path.join(pcaps, "fs%d.img" % node)
            subprocess.run(["cp", qemu.FS_IMG, image], check=True)
            port = args.base_port + node
            cmd = [qemu.QEMU, "-machine", "virt,aclint=on", "-bios", "none", "-kernel", qemu.KERNEL,
                   "-m", "256M", "-smp", str(args.smp), "-display", "none",
                   "-monitor", "none",
                   "-serial", "tcp:127.0.0.1:%d,server=on,wait=off" % port,
                   "-global", "virtio-mmio.force-legacy=false",
                   "-drive", "file=%s,if=none,format=raw,id=x0" % image,
                   "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0",
                   ] + lan.guest_args(node) + qemu.view_args(
                       os.path.join(pcaps, "view%d.sock" % node))   # scripts/view.py --lan
            if lan.root:
                cmd = ["ip", "netns", "exec", lan.lan_ns] + cmd
            procs.append(subprocess.Popen(cmd))
            print("guest %d: %s, console: nc 127.0.0.1 %d, capture: %s" % (
                node, lanlib.guest_addr(node), port, lan.pcap_path(node)))
        if lan.root:
            print("Linux peer %s: ip netns exec %s COMMAND   (e.g. ping %s)" % (
                lanlib.PEER_ADDR, lan.peer_ns, lanlib.guest_addr(1)))
        print("Ctrl-C stops everything.")
        while all(p.poll() is None for p in procs):
            time.sleep(1)
        print("lan: a guest exited; stopping the others")
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        lan.close()


if __name__ == "__main__":
    main()
