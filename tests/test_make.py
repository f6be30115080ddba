"""test_make.py: what a new user meets at the two commands, beyond the
tests of what they build: a second `make qemu` while one runs (its chat
port taken) is told so in one line, with the port to pick instead,
before QEMU would fail on its host forwarding rule."""

import os
import signal
import socket
import subprocess

import harness

BOOT = False
REPO = harness.REPO


def test_qemu_port_taken_is_said(h):
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    p = subprocess.Popen(["make", "-s", "--no-print-directory", "qemu", "CHATPORT=%d" % port],
                         cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=harness.scaled(300))
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        raise AssertionError("make qemu with its port taken did not stop: %r" % out[-300:])
    finally:
        holder.close()
    assert p.returncode != 0, "make qemu succeeded with its port taken: %r" % out[-300:]
    said = [l for l in out.splitlines() if "is taken" in l]
    assert len(said) == 1, "no one-line reason: %r" % out[-500:]
    assert "127.0.0.1:%d" % port in said[0] and "CHATPORT=" in said[0], said[0]
    assert "Could not set up host forwarding" not in out, out[-300:]
