"""test_deps.py: a fresh machine gets every package a test uses.

scripts/deps.list is the one table of Debian packages; the installer
installs from it and tests/deps.py checks against it. Here: every package
of the table is present after the installer ran, the installer's own
--check agrees, and every program the tests and scripts start is either in
the table or part of every Debian system (Essential packages, and git and
make, which a user needs to get this far).
"""

import os
import re
import subprocess

import deps

BOOT = False
REPO = deps.REPO

# Programs of Debian's Essential set (coreutils, bash, ...), and git and make.
BASE = {"cat", "cp", "mv", "rm", "ls", "sh", "bash", "env", "kill", "timeout",
        "stdbuf", "tail", "head", "true", "false", "sleep", "sha256sum", "mkfifo",
        "dd", "git", "make"}

# Where a test names the program it starts: the first word of an argv list
# handed to subprocess (or to a helper that runs one), a command run inside
# a namespace, and a lookup by name.
ARGV0 = re.compile(r"(?:Popen|run|check_output|check_call|call|_sh|sh)\(\s*\[\s*\"([A-Za-z][\w.+-]*)\"")
NETNS = re.compile(r"\"netns\",\s*\"exec\",\s*[\w.\[\]]+,\s*\"([A-Za-z][\w.+-]*)\"")
LOOKUP = re.compile(r"(?:shutil\.which|deps\.command)\(\s*\"([A-Za-z][\w.+-]*)\"")


def sources():
    for d in ("tests", os.path.join("tests", "bench"), os.path.join("tests", "fuzz"), "scripts"):
        full = os.path.join(REPO, d)
        for name in sorted(os.listdir(full)):
            if name.endswith(".py"):
                yield os.path.join(d, name), os.path.join(full, name)


def test_every_package_present(h):
    for pkg in deps.table():
        why = deps.missing(pkg)
        h.check(pkg, why is None, why or "")


def test_installer_agrees(h):
    r = subprocess.run([os.path.join(REPO, "scripts", "install-deps.sh"), "--check"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, "install-deps.sh --check: %s" % r.stdout.strip()


def test_programs_tests_start_are_listed(h):
    probes = {q for ps in deps.table().values() for p in ps for q in p.split("+")
              if not q.startswith("/")}
    seen = {}
    for rel, path in sources():
        with open(path, errors="replace") as f:
            text = f.read()
        for rx in (ARGV0, NETNS, LOOKUP):
            for name in rx.findall(text):
                seen.setdefault(name, rel)
    # The scan must find what is known to be there, or it checks nothing.
    for known in ("ip", "tshark", "weechat-headless"):
        assert known in seen, "the scan no longer finds %s in the tests" % known
    unlisted = sorted("%s (%s)" % (n, rel) for n, rel in seen.items()
                      if n not in probes and n not in BASE)
    assert not unlisted, ("programs started by tests but in no package of "
                          "scripts/deps.list: %s" % ", ".join(unlisted))


def test_missing_package_is_named(h):
    why = deps.missing("no-such-package-xv6")
    assert why and "no-such-package-xv6" in why and "deps.list" in why, why
    try:
        deps.need(h, "no-such-package-xv6")
    except AssertionError as e:
        assert "no-such-package-xv6" in str(e), str(e)
    else:
        raise AssertionError("need() accepted a package that is in no table")
