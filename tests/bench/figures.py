"""figures.py: the figures of one `make bench` run, machine-readable.

Every bench script records what it measured under a section name of its
own in build/bench/figures.json; tests/bench/bench_summary.py reads the
file at the end of the run and prints the table of targets. `make bench`
empties the file first (`figures.py --reset`), so a section that is
missing was not measured in this run, and every ratio the summary prints
divides two figures of the same run. Standard library only.

    import figures
    figures.record("net", rx_1514_fps=16000, tx_1514_fps=17721)
"""

import datetime
import fcntl
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PATH = os.path.join(REPO, "build", "bench", "figures.json")
# Seconds a guest may take to boot: TEST_TIMEOUT_SCALE stretches it as it
# does the tests' deadlines (a loaded host boots in minutes, not seconds).
BOOT_S = 90 * float(os.environ.get("TEST_TIMEOUT_SCALE", "1"))


def load():
    try:
        with open(PATH) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def record(section, **values):
    """Merge values into section (later keys replace earlier ones)."""
    os.makedirs(os.path.dirname(PATH), exist_ok=True)
    # Scripts may run side by side: one record at a time.
    with open(PATH + ".lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        _record(section, values)


def _record(section, values):
    data = load()
    sec = data.setdefault(section, {})
    sec.update(values)
    sec["when"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    try:
        sec["load"] = round(os.getloadavg()[0], 1)
    except OSError:
        pass
    tmp = PATH + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, PATH)


def reset():
    if os.path.exists(PATH):
        os.remove(PATH)


if __name__ == "__main__":
    if sys.argv[1:] == ["--reset"]:
        reset()
    else:
        print("usage: figures.py --reset", file=sys.stderr)
        sys.exit(2)
