"""qemu.py: boot xv6-streams under QEMU and drive its shell over the console.

Part of the test harness (tests/run.py, tests/test_*.py, tests/bench/).
A Machine is one headless QEMU with the serial console on stdin/stdout
pipes, booted on a private copy of build/fs.img so that tests never
change the developer's image. A reader thread collects console output;
every wait is on that output with a deadline, never a blind sleep.

    with Machine(smp=2) as m:          # boots and waits for the prompt
        r = m.run("echo hi", timeout=10)
        assert r.status == 0 and r.output == "hi\\n"

A machine that hangs, panics or exits makes the call raise GuestError
(with the tail of the console); QEMU is then killed. QEMU processes never
outlive the harness: close() on every path, an atexit hook, SIGTERM and
SIGHUP turned into a normal exit, and on Linux the kernel kills QEMU if
the Python process dies outright.
"""

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL = os.path.join(REPO, "build", "kernel", "kernel")
FS_IMG = os.path.join(REPO, "build", "fs.img")
FSCK = os.path.join(REPO, "build", "fsck")
QEMU = os.environ.get("QEMU", "qemu-system-riscv64")

# The shell prints "$ " at the start of a line when it wants a command.
PROMPT = re.compile(r"(?:^|\n)\$ ")
PANIC = re.compile(r"(?:^|\n)panic: [^\n]*")
TAIL_CHARS = 1500
TMP_PREFIX = "xv6test-"


class GuestError(Exception):
    """The guest did not do what we waited for: timeout, panic or exit.

    `tail` holds the last console output, for failure messages."""

    def __init__(self, what, tail):
        super().__init__(what)
        self.what = what
        self.tail = tail

    def __str__(self):
        return "%s; console tail:\n%s" % (self.what, self.tail)


class Result:
    """Output (CR-free, without the echoed command) and exit status."""

    def __init__(self, output, status):
        self.output = output
        self.status = status

    def __repr__(self):
        return "Result(status=%r, output=%r)" % (self.status, self.output)


# --- keeping track of every QEMU we started, to clean up on any exit ---

_live = set()
_live_lock = threading.Lock()


def _kill_all():
    with _live_lock:
        machines = list(_live)
    for m in machines:
        m.close()


def _exit_on_signal(signum, frame):
    # Raising SystemExit unwinds through every `finally` and `with`.
    sys.exit(128 + signum)


atexit.register(_kill_all)
for _sig in (signal.SIGTERM, signal.SIGHUP):
    try:
        signal.signal(_sig, _exit_on_signal)
    except (ValueError, OSError):   # not the main thread, or not allowed
        pass


def _sweep_stale_tmpdirs():
    """Remove temp directories (each holding a 64 MiB image) left by
    harness processes that were killed outright. Each directory names its
    owner's pid; it is stale when that process is gone."""
    root = tempfile.gettempdir()
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        if not name.startswith(TMP_PREFIX):
            continue
        path = os.path.join(root, name)
        try:
            with open(os.path.join(path, "owner")) as f:
                pid = int(f.read().strip())
            os.kill(pid, 0)
            continue                      # owner still running
        except ProcessLookupError:
            pass                          # owner gone: stale
        except PermissionError:
            continue                      # someone else's live process
        except (OSError, ValueError):
            # No owner file yet (being created) or unreadable: only take
            # it if it has been lying around for a while.
            try:
                if time.time() - os.path.getmtime(path) < 600:
                    continue
            except OSError:
                continue
        shutil.rmtree(path, ignore_errors=True)


_swept = False


def _die_with_parent():
    """Runs in the child before exec: ask Linux to SIGKILL QEMU when the
    harness process dies, even by SIGKILL. Best effort elsewhere."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except Exception:
        pass


def view_args(sock):
    """QEMU arguments that attach the live view's channel: a virtio console
    (virtio-mmio slot 1, /dev/vcons in the guest) whose other end is the
    Unix socket `sock`, where QEMU listens (scripts/view.py connects)."""
    return ["-device", "virtio-serial-device,bus=virtio-mmio-bus.1",
            "-chardev", "socket,id=vcons0,path=%s,server=on,wait=off" % sock,
            "-device", "virtconsole,chardev=vcons0"]


class Machine:
    """One booted guest. Arguments:

    smp         number of harts
    image       disk image to copy (default build/fs.img)
    extra_args  more QEMU arguments (network devices, ...)
    view        attach the live view's channel: True (a socket in the
                machine's temp directory, .view_sock) or a socket path
    boot        boot and wait for the first prompt in the constructor
    boot_timeout seconds to wait for that prompt
    """

    _counter = 0

    def __init__(self, smp=2, image=FS_IMG, kernel=KERNEL, extra_args=(),
                 mem="256M", boot=True, boot_timeout=90, view=None):
        self.smp = smp
        kernel = os.path.abspath(kernel)   # QEMU runs in the temp directory
        image = os.path.abspath(image)
        self.kernel = kernel
        self.extra_args = list(extra_args)
        self.mem = mem
        self.proc = None
        self.boot_seconds = None
        self._buf = ""
        self._eof = False
        self._cond = threading.Condition()
        self._reader = None
        global _swept
        if not _swept:
            _swept = True
            _sweep_stale_tmpdirs()
        self._tmpdir = tempfile.mkdtemp(prefix=TMP_PREFIX)
        with open(os.path.join(self._tmpdir, "owner"), "w") as f:
            f.write("%d\n" % os.getpid())
        self.image = os.path.join(self._tmpdir, "fs.img")
        for path in (kernel, image):
            if not os.path.exists(path):
                self._cleanup_tmp()
                raise FileNotFoundError("%s does not exist: run make first"
                                        % os.path.relpath(path, REPO))
        shutil.copyfile(image, self.image)
        self.view_sock = None
        if view:
            self.view_sock = (os.path.join(self._tmpdir, "view.sock") if view is True
                              else os.path.abspath(view))
            self.extra_args += view_args(self.view_sock)
        if boot:
            try:
                self.boot(boot_timeout)
            except BaseException:
                self.close()
                raise

    # --- lifecycle ---

    def command(self):
        return [QEMU, "-machine", "virt,aclint=on", "-bios", "none",
                "-kernel", self.kernel, "-m", self.mem,
                "-smp", str(self.smp),
                "-display", "none", "-monitor", "none", "-serial", "stdio",
                "-no-reboot",
                "-global", "virtio-mmio.force-legacy=false",
                "-drive", "file=%s,if=none,format=raw,id=x0" % self.image,
                "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0",
                ] + self.extra_args

    def boot(self, timeout=90):
        """Start QEMU and wait for the shell's first prompt."""
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            self.command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, cwd=self._tmpdir,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        with _live_lock:
            _live.add(self)
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self.wait_for(PROMPT, timeout, what="first shell prompt")
        self.boot_seconds = time.monotonic() - t0
        self._mark = len(self._buf)

    def halt(self, timeout=30):
        """Power the guest off from its shell (`halt`) and wait for QEMU
        to exit. Returns QEMU's exit status, or raises GuestError."""
        self.send("halt\n")
        with self._cond:
            deadline = time.monotonic() + timeout
            while not self._eof and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            eof = self._eof
        try:
            if eof:
                return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        tail = self.tail()
        self.close()
        raise GuestError("QEMU still running %gs after halt" % timeout, tail)

    def check_disk(self):
        """Run build/fsck on this machine's disk copy (stop the guest
        first). Returns (exit status, output), or None without fsck."""
        if not os.path.exists(FSCK) or not self._tmpdir:
            return None
        p = subprocess.run([FSCK, self.image], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors="replace",
                           timeout=120)
        return p.returncode, p.stdout

    def close(self):
        """Kill QEMU (if running) and remove the temporary image."""
        p = self.proc
        if p is not None and p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass
        if p is not None:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            for f in (p.stdin, p.stdout):
                try:
                    if f:
                        f.close()
                except OSError:
                    pass
        with _live_lock:
            _live.discard(self)
        self._cleanup_tmp()

    def _cleanup_tmp(self):
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None and not self._eof

    # --- console I/O ---

    def _read_loop(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            with self._cond:
                if not data:
                    self._eof = True
                    self._cond.notify_all()
                    return
                # Latin-1 maps every byte to one character: no decoding
                # errors, offsets stay byte offsets. CRs are dropped.
                self._buf += data.decode("latin-1").replace("\r", "")
                self._cond.notify_all()

    @property
    def console(self):
        """Everything the guest printed so far."""
        with self._cond:
            return self._buf

    def tail(self, n=TAIL_CHARS):
        with self._cond:
            return self._buf[-n:]

    def send(self, text):
        """Type text on the console."""
        if not self.alive:
            raise GuestError("guest is not running", self.tail())
        try:
            self.proc.stdin.write(text.encode("latin-1"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise GuestError("guest console closed", self.tail())

    def wait_for(self, pattern, timeout, start=None, what=None):
        """Wait until `pattern` (regex or string) appears in the console
        output at or after offset `start` (default: everything since the
        last completed command). Returns the match object. A panic, QEMU
        exiting, or the deadline raise GuestError and stop the machine."""
        if isinstance(pattern, str):
            pattern = re.compile(re.escape(pattern))
        if start is None:
            start = getattr(self, "_mark", 0)
        what = what or "output matching %r" % pattern.pattern
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                m = pattern.search(self._buf, start)
                if m:
                    return m
                p = PANIC.search(self._buf, start)
                if p:
                    err = "kernel %s while waiting for %s" % (p.group(0).strip(), what)
                    break
                if self._eof:
                    err = "QEMU exited while waiting for %s" % what
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    err = "timeout after %gs waiting for %s" % (timeout, what)
                    break
                self._cond.wait(left)
        if err.startswith("timeout"):
            self._procdump()
        elif not self._eof:
            self._settle()     # let the panic message and backtrace finish
        tail = self.tail()
        self.close()
        if err.startswith("kernel panic"):   # now with the whole message
            p = PANIC.search(self.console, start)
            err = "kernel %s while waiting for %s" % (p.group(0).strip(), what)
        raise GuestError(err, tail)

    def _settle(self, quiet=0.3, limit=2.0):
        """Wait until the console has been quiet for `quiet` seconds (at
        most `limit` seconds): used to collect a dying machine's last words."""
        deadline = time.monotonic() + limit
        with self._cond:
            n = len(self._buf)
            while not self._eof:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(min(quiet, left))
                if len(self._buf) == n:
                    break
                n = len(self._buf)

    def _procdump(self):
        """Ask the kernel for its process list (^P) so that a hang report
        shows who was stuck where."""
        if not self.alive:
            return
        try:
            self.send("\x10")
        except GuestError:
            return
        # Give the dump up to 2 s to start, then until it goes quiet.
        with self._cond:
            n = len(self._buf)
            deadline = time.monotonic() + 2
            while len(self._buf) == n and not self._eof:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._cond.wait(left)
        self._settle()

    _seq = 0

    def run(self, cmd, timeout=30):
        """Run one shell command line and return its Result.

        The line is sent as `CMD; echo __RCn=$?__`, all at once, so the
        console's echo of it precedes any output. The result is complete
        when the marker has printed and the shell shows its next prompt."""
        if "\n" in cmd:
            raise ValueError("one command line at a time")
        Machine._seq += 1
        n = Machine._seq
        line = "%s; echo __RC%d=$?__" % (cmd, n)
        with self._cond:
            start = len(self._buf)
        self.send(line + "\n")
        marker = re.compile(r"__RC%d=(-?\d+)__\n" % n)
        m = self.wait_for(marker, timeout, start=start,
                          what="command %r to finish" % cmd)
        self.wait_for(PROMPT, timeout, start=m.end() - 1,
                      what="prompt after %r" % cmd)
        with self._cond:
            text = self._buf[start:m.start()]
            self._mark = len(self._buf)
        echo = line + "\n"
        i = text.find(echo)
        if i >= 0:
            out = text[i + len(echo):]
        else:   # echo mangled (should not happen): drop the first line
            out = text.split("\n", 1)[1] if "\n" in text else ""
        return Result(out, int(m.group(1)))
