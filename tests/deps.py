"""deps.py: the Debian packages tests use, read from scripts/deps.list (the
table scripts/install-deps.sh installs from), so that a test which finds a
program or plugin missing fails at once and names the package, instead of
timing out on a file that never appears or being skipped.

    deps.need(h, "weechat-plugins")   # AssertionError naming the package

A package a test needs and the table does not list is a failure too: the
installer would never bring it to a fresh machine.
"""

import glob
import os
import shutil

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIST = os.path.join(REPO, "scripts", "deps.list")


def table():
    """{package: [probe, ...]} in the order of the file."""
    pkgs = {}
    with open(LIST) as f:
        for line in f:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if len(words) < 2:
                raise ValueError("%s: %r has no probe" % (LIST, line.strip()))
            pkgs[words[0]] = words[1].split(",")
    return pkgs


def probe_found(probe):
    """Same rule as the installer's: an absolute path (glob), or a command
    on PATH or in /usr/sbin, /sbin."""
    if probe.startswith("/"):
        return bool(glob.glob(probe))
    return command(probe) is not None


def command(probe):
    """The path of a command probe, looked up the installer's way, or None."""
    found = shutil.which(probe)
    if found:
        return found
    for d in ("/usr/sbin", "/sbin"):
        p = os.path.join(d, probe)
        if os.access(p, os.X_OK):
            return p
    return None


def missing(package):
    """None when present, else a sentence saying what to do."""
    pkgs = table()
    if package not in pkgs:
        return ("Debian package %s is not in scripts/deps.list, so the installer "
                "never installs it: add it there" % package)
    if any(all(probe_found(q) for q in p.split("+")) for p in pkgs[package]):
        return None
    return ("Debian package %s is not installed (looked for %s); "
            "scripts/install-deps.sh installs it" % (package, ", ".join(pkgs[package])))


def need(h, *packages):
    """Fail the calling test at once if any package is missing."""
    why = [m for m in (missing(p) for p in packages) if m]
    if why:
        raise AssertionError("; ".join(why))
