"""Run every case of the hostile-input corpus in its own process and print time and peak memory.

Run:  python benchmarks/bench_hostile.py            (every case)
      python benchmarks/bench_hostile.py zip_nested  (only the cases named)

Each case gets a fresh department (SQLite in a temporary folder); its inputs are generated
there, and then `python -m certreview.cli ...` runs on them alone. Peak memory is the
`ru_maxrss` that `os.wait4` reports for that process (forked from a small launcher), which
includes the image-check workers it waited for. A case counts as handled when it ends as `tests/hostile_corpus.py` expects
(exit status, one line on stderr, the flags in the intake report, nothing written outside the
data folder) and stays within 1 GiB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from certreview.config import sqlite_url
from tests.hostile_corpus import CASES, listing, problems, setup_commands

LIMIT_MIB = 1024


# A process's peak memory starts at what the process that forked it held (Linux carries the
# old peak across exec), and generating the inputs makes this one large. So a small launcher
# forks the command and reports its wait4 figures: their floor is the launcher's few MiB.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "certreview.cli", *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def run_cli(args: list[str], env: dict[str, str]) -> tuple[int, str, str, float, float]:
    """Run certreview ARGS in a new process; return (status, stdout, stderr, peak MiB, seconds)."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as figures,
    ):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, figures.name, *args], env=env, stdout=out, stderr=err
        )
        seconds = time.perf_counter() - started
        status, kib = (int(n) for n in figures.read().split())
        texts = []
        for handle in (out, err):
            handle.seek(0)
            texts.append(handle.read().decode("utf-8", "replace"))
    return status, texts[0], texts[1], kib / 1024, seconds


def run_case(name: str) -> tuple[bool, str, float, float]:
    """Run one case from a fresh department; return (handled, outcome, peak MiB, seconds)."""
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        root = Path(tmp)
        (root / "tmp").mkdir()
        env = {
            **os.environ,
            "CERTREVIEW_DB": sqlite_url(root / "data" / "certreview.sqlite"),
            "CERTREVIEW_DATA": str(root / "data"),
            "TMPDIR": str(root / "tmp"),
        }
        env.pop("CERTREVIEW_DEBUG", None)
        for args in setup_commands():
            status, _, err, _, _ = run_cli(args, env)
            if status != 0:
                return False, f"setup {args[0]} failed: {err.strip()}", 0.0, 0.0
        case = CASES[name](root)
        before = listing(root)
        status, out, err, peak, seconds = run_cli(case.args, env)
        found = problems(case, root, status, out, err, before)
        if peak > LIMIT_MIB:
            found.append(f"peak memory {peak:.0f} MiB over {LIMIT_MIB} MiB")
        if found:
            return False, "NOT HANDLED: " + "; ".join(found), peak, seconds
        said = f" ({err.strip()[:90]})" if err.strip() else ""
        flags = ", ".join(f"{sid} {flag or 'accepted'}" for sid, flag in case.flags.items())
        return True, f"exit {status}{said}" + (f", {flags}" if flags else ""), peak, seconds


def main(names: list[str]) -> None:
    """Run the named cases (all by default) and print one line each and the totals."""
    chosen = names or list(CASES)
    handled, largest, largest_name = 0, 0.0, ""
    for name in chosen:
        ok, outcome, peak, seconds = run_case(name)
        handled += ok
        if peak > largest:
            largest, largest_name = peak, name
        print(f"{name}: {outcome}, {peak:.0f} MiB, {seconds:.1f} s", flush=True)
    print(
        f"hostile corpus: {handled}/{len(chosen)} cases handled, "
        f"peak memory {largest:.0f} MiB (largest: {largest_name})"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
