"""test_fuzz.py: every libFuzzer harness of tests/fuzz/ replays its seed
corpus and fuzzes for a short budget (FUZZ_SECONDS, default 10 s) in
`make test`; `make fuzz` runs them for much longer. A finding fails."""

import os
import subprocess
import sys

BOOT = False
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "fuzz"))

import fuzz   # noqa: E402

SECONDS = int(os.environ.get("FUZZ_SECONDS", "10"))


def test_harnesses(h):
    import shutil
    if shutil.which("clang") is None:
        h.skip("clang is not installed (scripts/install-deps.sh installs it)")
    for name, src, sources in fuzz.harnesses():
        binary, log = fuzz.build(name, src, sources)
        if not h.check(name + "/builds", binary is not None, log.strip()[-400:]):
            continue
        ok, summary, out = fuzz.run(name, binary, SECONDS)
        h.check(name + "/no_finding", ok, "%s\n%s" % (summary, out[-1500:]))
