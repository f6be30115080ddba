#!/usr/bin/env python3
"""port-free.py PORT: exit 0 if 127.0.0.1:PORT can be listened on, else say
in one line that it is taken and which port to pick instead, and exit 1.

`make qemu` forwards the host's 127.0.0.1:CHATPORT to the guest's chat
port; when a second `make qemu` (or anything else) holds that port, QEMU
stops with "Could not set up host forwarding rule", which does not say
what to do. The check binds the way QEMU's user networking does
(SO_REUSEADDR), so it agrees with QEMU about what is taken."""

import socket
import sys


def free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        s.listen(1)
        return True
    except OSError:
        return False
    finally:
        s.close()


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit() or not 0 < int(sys.argv[1]) < 65536:
        print("usage: port-free.py PORT (1..65535)", file=sys.stderr)
        return 2
    port = int(sys.argv[1])
    if free(port):
        return 0
    other = next((p for p in range(port + 1, min(port + 200, 65536)) if free(p)), None)
    hint = ("pick another: make qemu CHATPORT=%d" % other) if other else \
        "pick another with make qemu CHATPORT=N"
    print("make qemu: 127.0.0.1:%d is taken (another make qemu running?); %s"
          % (port, hint), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
