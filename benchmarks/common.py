"""Shared set-up for the benchmarks: a seeded moto server, a temporary HOME,
and a timer over whole processes.

Run a benchmark as `python benchmarks/bench_NAME.py`; `python
benchmarks/run_all.py` runs every one. They print medians and ratios; they
assert nothing.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from vaultsh import demo

BIN = Path(sys.executable).parent
ROLE = "static.example.com"


@dataclass
class Bench:
    """A seeded account and an environment whose vaultsh holds the key."""

    folder: Path
    env: dict
    account: demo.Account

    def run(self, *argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            argv, env=env or self.env, capture_output=True, text=True, check=True
        )

    def vaultsh(self, *args: str) -> subprocess.CompletedProcess:
        return self.run(str(BIN / "vaultsh"), *args)


def setup(keyring: str = "file") -> tuple[Bench, object]:
    """Start moto, seed it, store the key; returns the bench and the server."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server, endpoint = demo.start_server()
    account = demo.seed(endpoint)
    folder = Path(tempfile.mkdtemp(prefix="vaultsh-bench-"))
    demo.write_config(folder, account)
    env = {
        "HOME": str(folder),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "LANG": "C.UTF-8",
        **demo.demo_environ(folder, account),
    }
    bench = Bench(folder, env, account)
    add_env = dict(
        env,
        AWS_ACCESS_KEY_ID=account.access_key_id,
        AWS_SECRET_ACCESS_KEY=account.secret_access_key,
    )
    bench.run(str(BIN / "vaultsh"), "add", "--env", "dev", env=add_env)
    return bench, server


def timed(argv: list[str], env: dict, runs: int = 15, warm: int = 2) -> float:
    """Median wall time of a whole process, in seconds."""
    for _ in range(warm):
        subprocess.run(argv, env=env, capture_output=True, check=True)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def report(rows: list[tuple[str, float]], target: float | None = None) -> None:
    """Print each row's median in ms, and each row's ratio to the first."""
    first = rows[0][1]
    for name, seconds in rows:
        ratio = seconds / first if first else float("nan")
        print(f"  {name:<58} {seconds * 1000:8.1f} ms  ({ratio:.2f}x)")
    if target is not None:
        verdict = "met" if first <= target else "NOT met"
        print(f"  target {target * 1000:.0f} ms for the first row: {verdict}")


def machine() -> str:
    cores = os.cpu_count()
    return f"{sys.platform}, {cores} cores, Python {sys.version.split()[0]}"
