"""test_fuzz.py: every libFuzzer harness of tests/fuzz/ replays its seed
corpus and fuzzes for a short budget (FUZZ_SECONDS, default 10 s) in
`make test`; `make fuzz` runs them for much longer. A finding fails.
Two harnesses build and run at a time (the machines have two cores)."""

import concurrent.futures
import os
import sys

BOOT = False
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "fuzz"))

import deps   # noqa: E402
import fuzz   # noqa: E402

SECONDS = int(os.environ.get("FUZZ_SECONDS", "10"))


def build_and_run(harness):
    name, src, sources = harness
    binary, log = fuzz.build(name, src, sources)
    if binary is None:
        return name, log, None
    return name, log, fuzz.run(name, binary, SECONDS)


def test_harnesses(h):
    deps.need(h, "clang")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for name, log, result in pool.map(build_and_run, fuzz.harnesses()):
            if not h.check(name + "/builds", result is not None, log.strip()[-400:]):
                continue
            ok, summary, out = result
            h.check(name + "/no_finding", ok, "%s\n%s" % (summary, out[-1500:]))
