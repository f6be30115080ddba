#!/usr/bin/env python3
"""graph.py: the live graph of a running stack, rendered by Graphviz.

    scripts/graph.py                 boot a guest with the default stack,
                                     ping once, grab `streams -dot`
    scripts/graph.py --port 4501     grab it from a running guest whose
                                     console listens on 127.0.0.1:4501
                                     (scripts/lan.py starts guests so)

Writes build/graph.dot, build/graph.svg and build/graph.png and prints
their names. `make graph` runs the first form.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))

import qemu   # noqa: E402


def from_console(port, timeout=30):
    """Run `streams -dot` on a guest console reached over TCP."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(b"\nstreams -dot; echo __END__\n")
    buf = b""
    deadline = time.monotonic() + timeout
    while b"__END__\n" not in buf.replace(b"\r", b"")[buf.find(b"digraph"):] or b"digraph" not in buf:
        if time.monotonic() > deadline:
            raise SystemExit("graph: no graph from the guest on port %d" % port)
        data = s.recv(65536)
        if not data:
            break
        buf += data
    s.close()
    text = buf.decode("latin-1").replace("\r", "")
    return text[text.index("digraph"):text.rindex("}") + 1]


def from_new_guest():
    args = ["-netdev", "user,id=n0",
            "-device", "e1000,netdev=n0,bus=pcie.0,romfile=,mac=52:54:00:12:34:56"]
    with qemu.Machine(smp=2, extra_args=args) as m:
        m.run("ping -c 1 10.0.2.2", timeout=30)
        return m.run("streams -dot", timeout=30).output


def main():
    ap = argparse.ArgumentParser(description="Render the live STREAMS graph.")
    ap.add_argument("--port", type=int, help="console port of a running guest")
    args = ap.parse_args()
    dot = from_console(args.port) if args.port else from_new_guest()
    out = os.path.join(REPO, "build")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "graph.dot"), "w") as f:
        f.write(dot)
    for fmt in ("svg", "png"):
        target = os.path.join(out, "graph." + fmt)
        subprocess.run(["dot", "-T" + fmt, "-o", target, os.path.join(out, "graph.dot")],
                       check=True)
        print(os.path.relpath(target, REPO))


if __name__ == "__main__":
    main()
