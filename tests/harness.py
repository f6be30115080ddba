"""harness.py: results bookkeeping and the object handed to test modules.

Part of the test harness: tests/run.py discovers tests and calls into
here; tests/test_*.py modules receive a Harness and use it to reach a
booted guest (tests/qemu.py) and to record results.

Result names read like paths: `host/test_x/check`, `smp2/ut_fs/bigfile`,
`smp1/shell/pipeline`. Each is printed as soon as it is known.
"""

import os
import re
import sys
import traceback

import qemu

REPO = qemu.REPO

# Guest test programs report one line per check, then DONE.
PASS_RE = re.compile(r"^PASS (\S+)\s*$")
FAIL_RE = re.compile(r"^FAIL ([^\s:]+):?\s*(.*)$")
DONE_RE = re.compile(r"^DONE (\S+)\s*$")

DEFAULT_PROGRAM_TIMEOUT = 120   # seconds, per guest test program
TEST_DIR = "/test"              # where the image keeps tests/guest and tests/bench programs
# Slow machines (or sanitizer builds) can stretch every deadline.
TIMEOUT_SCALE = float(os.environ.get("TEST_TIMEOUT_SCALE", "1"))


def scaled(seconds):
    return seconds * TIMEOUT_SCALE


def one_line(text, limit=300):
    text = " | ".join(l.strip() for l in str(text).strip().splitlines() if l.strip())
    return text if len(text) <= limit else text[:limit - 3] + "..."


class Results:
    """Counts and prints results; the final summary line is exact."""

    def __init__(self, out=sys.stdout):
        self.out = out
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def record(self, name, ok, reason="", detail=""):
        if ok:
            self.passed += 1
            self._print("PASS %s" % name)
        else:
            self.failed += 1
            self.failures.append(name)
            self._print("FAIL %s: %s" % (name, one_line(reason) or "failed"))
            if detail:
                for line in str(detail).rstrip().splitlines():
                    self._print("    | %s" % line)

    def skip(self, name, reason):
        self.skipped += 1
        self._print("SKIP %s: %s" % (name, one_line(reason)))

    def note(self, text):
        self._print("# %s" % text)

    def _print(self, line):
        self.out.write(line + "\n")
        self.out.flush()

    def summary(self):
        s = "%d passed, %d failed" % (self.passed, self.failed)
        if self.skipped:
            s += ", %d skipped" % self.skipped
        return s

    @property
    def ok(self):
        return self.failed == 0 and self.passed + self.failed > 0


def parse_report(output, results, prefix, program):
    """Record the PASS/FAIL lines of a guest (or host) test's output.
    Returns (number of PASS/FAIL lines, whether `DONE program` was seen)."""
    count = 0
    done = False
    for line in output.splitlines():
        line = line.rstrip()
        m = PASS_RE.match(line)
        if m:
            results.record("%s/%s" % (prefix, m.group(1)), True)
            count += 1
            continue
        m = FAIL_RE.match(line)
        if m:
            results.record("%s/%s" % (prefix, m.group(1)), False, m.group(2))
            count += 1
            continue
        m = DONE_RE.match(line)
        if m and m.group(1) in (program, os.path.basename(program)):
            done = True
    return count, done


def source_option(path, key):
    """Value of a `// KEY: value` comment in the first lines of a source
    file, or None. Used for HOSTTEST-SOURCES and GUESTTEST-TIMEOUT."""
    try:
        with open(path, errors="replace") as f:
            for _, line in zip(range(15), f):
                m = re.match(r"\s*//\s*%s:\s*(.*?)\s*$" % re.escape(key), line)
                if m:
                    return m.group(1)
    except OSError:
        pass
    return None


def test_path(name):
    """Guest path of a test or bench program (the Makefile installs
    tests/guest/NAME.c and tests/bench/NAME.c as /test/NAME; /bin holds
    only the commands of user/)."""
    return "%s/%s" % (TEST_DIR, name)


def program_timeout(name):
    """Per-program deadline: `// GUESTTEST-TIMEOUT: seconds` in its source."""
    for d in ("tests/guest", "tests/bench", "user"):
        v = source_option(os.path.join(REPO, d, name + ".c"), "GUESTTEST-TIMEOUT")
        if v:
            try:
                return scaled(float(v))
            except ValueError:
                break
    return scaled(DEFAULT_PROGRAM_TIMEOUT)


def run_guest_program(results, machine, prefix, name, args="", timeout=None):
    """Run /test/NAME on a booted machine and record its checks under
    PREFIX/NAME/. A crash, hang, missing DONE line or a failing exit
    status without any FAIL line is recorded as a failure of the program
    itself. Raises qemu.GuestError if the machine died (caller reboots)."""
    timeout = timeout or program_timeout(name)
    tag = "%s/%s" % (prefix, name)
    cmd = "%s%s" % (test_path(name), " " + args if args else "")
    try:
        r = machine.run(cmd, timeout=timeout)
    except qemu.GuestError as e:
        results.record(tag, False, e.what, detail=e.tail)
        raise
    count, done = parse_report(r.output, results, tag, name)
    tail = "\n".join(r.output.splitlines()[-15:])
    if not done:
        results.record(tag, False, "no 'DONE %s' line (exit status %d)" % (name, r.status),
                       detail=tail)
    elif r.status != 0 and count == 0:
        results.record(tag, False, "exit status %d and no PASS/FAIL line" % r.status,
                       detail=tail)
    elif count == 0:
        results.record(tag, False, "printed no PASS/FAIL line", detail=tail)
    return r


class Skip(Exception):
    """Raised (via Harness.skip) by a test that cannot run here."""


class Harness:
    """Handed to every `test_*` function of a tests/test_*.py module.

    h.smp            hart count of this round
    h.machine        the shared booted guest (rebooted if a test killed it)
    h.run(cmd, t)    h.machine.run(cmd, t)
    h.boot(...)      a private extra Machine (closed after the test)
    h.check(n, ok, why)  record a sub-result PREFIX/n instead of one result
    h.guest_program(name)  run a PASS/FAIL guest program, record its checks
    h.skip(why)      give up with a reason (counted as skipped)
    """

    def __init__(self, results, smp, prefix, machine_factory):
        self.results = results
        self.smp = smp
        self.prefix = prefix           # e.g. "smp2/shell/pipeline"
        self._factory = machine_factory
        self._extra = []
        self.recorded = 0

    @property
    def machine(self):
        return self._factory()

    def run(self, cmd, timeout=30):
        return self.machine.run(cmd, timeout=scaled(timeout))

    def boot(self, **kw):
        kw.setdefault("smp", self.smp)
        m = qemu.Machine(**kw)
        self._extra.append(m)
        return m

    def check(self, name, ok, reason=""):
        self.recorded += 1
        self.results.record("%s/%s" % (self.prefix, name), bool(ok), reason)
        return bool(ok)

    def guest_program(self, name, args="", timeout=None, machine=None):
        before = self.results.passed + self.results.failed
        try:
            return run_guest_program(self.results, machine or self.machine,
                                     self.prefix, name, args, timeout)
        finally:
            self.recorded += self.results.passed + self.results.failed - before

    def skip(self, reason):
        raise Skip(reason)

    def cleanup(self):
        for m in self._extra:
            m.close()
        self._extra = []


def run_test_function(results, fn, harness):
    """Call one test function; turn its outcome into results."""
    try:
        fn(harness)
    except Skip as e:
        results.skip(harness.prefix, str(e))
        return
    except qemu.GuestError as e:
        results.record(harness.prefix, False, e.what, detail=e.tail)
        return
    except AssertionError as e:
        results.record(harness.prefix, False, str(e) or "assertion failed")
        return
    except Exception as e:   # a bug in the test itself is a failure too
        tb = traceback.format_exc().strip().splitlines()
        results.record(harness.prefix, False, "%s: %s" % (type(e).__name__, e),
                       detail="\n".join(tb[-6:]))
        return
    finally:
        harness.cleanup()
    if harness.recorded == 0:
        results.record(harness.prefix, True)
