#!/usr/bin/env python3
"""fuzz.py: build and run the libFuzzer harnesses of tests/fuzz/.

Every tests/fuzz/fuzz_NAME.c is one harness: clang compiles it with the
real sources named on its first line (`// FUZZ-SOURCES: ...`) under
-fsanitize=fuzzer,address,undefined; an optional second line
`// FUZZ-CFLAGS: ...` adds compiler flags. In both, @LWIP@ stands for the
unpacked lwIP tree (env LWIP_SRC, default build/lwip/lwip-2.1.3, relative
to the repository, as in the Makefile); without that tree such a harness
fails with the reason. Its seed corpus is the committed
folder tests/fuzz/corpus/NAME/; new inputs found while fuzzing go to
build/fuzz/corpus/NAME/ (not committed), findings to build/fuzz/.

    fuzz.py --seconds 10            every harness: replay seeds, then fuzz 10 s
    fuzz.py --seconds 1800 net      one harness for half an hour (make fuzz)
    fuzz.py --seconds 1800 --record docs/fuzzing.md
                                    ... and write its figures into that table

Prints one `PASS fuzz/NAME ...` or `FAIL fuzz/NAME: ...` line per harness
with executions per second and coverage (libFuzzer's "cov"), exits 1 on
any finding. Used by tests/test_fuzz.py (make test) and `make fuzz`.
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO, "build", "fuzz")
CFLAGS = ["-g", "-O1", "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all",
          "-Iinclude", "-Ikernel", "-Iuser/lib", "-Imodules", "-I.", "-Itests/host", "-w",
          # the kernel's sleep(chan, lock) must not replace the C library's
          # sleep(seconds), which libFuzzer's own threads call
          "-Dsleep=kernel_sleep"]


def lwip_tree():
    """The lwIP tree the @LWIP@ token names (relative to REPO if relative)."""
    return os.environ.get("LWIP_SRC") or os.path.join("build", "lwip", "lwip-2.1.3")


def harnesses():
    """(name, source, arguments): the arguments are the FUZZ-SOURCES files
    followed by the FUZZ-CFLAGS flags, with @LWIP@ replaced."""
    out = []
    for src in sorted(glob.glob(os.path.join(REPO, "tests", "fuzz", "fuzz_*.c"))):
        name = os.path.basename(src)[len("fuzz_"):-2]
        with open(src) as f:
            first, second = f.readline(), f.readline()
        m = re.match(r"\s*//\s*FUZZ-SOURCES:\s*(.*)", first)
        args = m.group(1).split() if m else []
        m = re.match(r"\s*//\s*FUZZ-CFLAGS:\s*(.*)", second)
        args += m.group(1).split() if m else []
        out.append((name, src, [a.replace("@LWIP@", lwip_tree()) for a in args]))
    return out


def lwip_missing(args):
    """Why a harness cannot be built for want of the lwIP tree, or None."""
    tree = lwip_tree()
    if not any(tree in a for a in args):
        return None
    if os.path.isfile(os.path.join(REPO, tree, "src", "core", "tcp.c")):
        return None
    return "lwIP tree not found at %s; make deps fetches it" % tree


def build(name, src, sources):
    why = lwip_missing(sources)
    if why:
        return None, why
    os.makedirs(BUILD, exist_ok=True)
    binary = os.path.join(BUILD, "fuzz_" + name)
    cmd = ["clang"] + CFLAGS + [os.path.relpath(src, REPO)] + sources + ["-o", binary,
                                                                         "-lpthread"]
    p = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    return binary if p.returncode == 0 else None, p.stdout


def run(name, binary, seconds):
    seeds = os.path.join(REPO, "tests", "fuzz", "corpus", name)
    work = os.path.join(BUILD, "corpus", name)
    os.makedirs(work, exist_ok=True)
    art = os.path.join(BUILD, "findings", name) + os.sep
    os.makedirs(art, exist_ok=True)
    dirs = [work] + ([seeds] if os.path.isdir(seeds) else [])
    cmd = [binary, "-max_total_time=%d" % seconds, "-timeout=10", "-rss_limit_mb=2048",
           "-print_final_stats=1", "-artifact_prefix=" + art] + dirs
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:abort_on_error=0")
    p = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", timeout=seconds + 120, env=env)
    out = p.stdout
    execs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", out)
    speed = (re.findall(r"stat::average_exec_per_sec:\s*(\d+)", out) or
             re.findall(r"exec/s: (\d+)", out))
    cov = re.findall(r"cov: (\d+)", out)
    ft = re.findall(r"ft: (\d+)", out)
    corp = re.findall(r"corp: (\d+)/", out)
    figures = {"execs": execs[-1] if execs else "?", "speed": speed[-1] if speed else "?",
               "cov": cov[-1] if cov else "?", "ft": ft[-1] if ft else "?",
               "corpus": corp[-1] if corp else "?"}
    summary = "execs %(execs)s, exec/s %(speed)s, cov %(cov)s" % figures
    run.figures = figures
    return p.returncode == 0, summary, out


# The table of docs/fuzzing.md between these two lines is rewritten row by
# row: one row per harness, the newest run of each.
BEGIN = "<!-- fuzz table: written by make fuzz -->"
END = "<!-- end of fuzz table -->"
HEADER = ["| harness | date (UTC) | seconds | executions | exec/s | coverage (cov) "
          "| features (ft) | corpus | result |",
          "|---|---|---|---|---|---|---|---|---|"]


def record(path, name, seconds, ok, figures):
    import datetime
    row = "| %s | %s | %d | %s | %s | %s | %s | %s | %s |" % (
        name, datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), seconds,
        figures["execs"], figures["speed"], figures["cov"], figures["ft"],
        figures["corpus"], "no finding" if ok else "FINDING")
    text = open(path).read() if os.path.exists(path) else ""
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + "\n\n" + BEGIN + "\n" + END + "\n"
    head, rest = text.split(BEGIN, 1)
    table, tail = rest.split(END, 1)
    rows = [l for l in table.strip().splitlines() if l.startswith("| ") and
            not l.startswith("| harness ") and l.split("|")[1].strip() != name]
    rows.append(row)
    rows.sort()
    text = head + BEGIN + "\n" + "\n".join(HEADER + rows) + "\n" + END + tail
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description="Run the libFuzzer harnesses.")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--record", metavar="FILE",
                    help="write each harness's figures into the table of FILE")
    ap.add_argument("names", nargs="*", help="harness names (default: all)")
    args = ap.parse_args()
    if shutil.which("clang") is None:
        print("FAIL fuzz: clang is not installed (scripts/install-deps.sh installs it)")
        return 1
    bad = 0
    for name, src, sources in harnesses():
        if args.names and name not in args.names:
            continue
        binary, log = build(name, src, sources)
        if binary is None and lwip_missing(sources):
            print("FAIL fuzz/%s: %s" % (name, log))
            bad += 1
            continue
        if binary is None:
            print("FAIL fuzz/%s: does not compile" % name)
            print("\n".join("    | " + l for l in log.splitlines()[:20]))
            bad += 1
            continue
        ok, summary, out = run(name, binary, args.seconds)
        if args.record:
            record(args.record, name, args.seconds, ok, run.figures)
        if ok:
            print("PASS fuzz/%s (%d s: %s)" % (name, args.seconds, summary), flush=True)
        else:
            bad += 1
            print("FAIL fuzz/%s: finding (%s)" % (name, summary), flush=True)
            print("\n".join("    | " + l for l in out.splitlines()[-40:]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
