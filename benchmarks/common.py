"""Shared set-up for the benchmarks: a seeded moto server, a temporary HOME on
either keyring backend, a timer over whole processes, and the result lines
that run_all.py gathers into its summary.

Run a benchmark as `python benchmarks/bench_NAME.py` with the python whose
vaultsh you want to measure: every executable (vaultsh, aws, awsumepy) is taken
from that python's own bin folder (BIN). `python3 benchmarks/run_all.py` runs
every one in a virtualenv with a normal install. They print medians and
ratios; they assert nothing.

Keyring backends (`--keyring file|secret-service|both`, default both):
- file: vaultsh's encrypted file (PYTHON_KEYRING_BACKEND=
  vaultsh.filestore.EncryptedFileKeyring, VAULTSH_FILE_PASSPHRASE,
  VAULTSH_FILE_DIR);
- secret-service: a real gnome-keyring on a private D-Bus, started with
  tests/keyring_daemon.py (PYTHON_KEYRING_BACKEND=
  keyring.backends.SecretService.Keyring).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from hostinfo import describe

from vaultsh import demo

BIN = Path(sys.executable).parent
ROLE = "static.example.com"
KEYRINGS = ("file", "secret-service")
FILE_BACKEND = "vaultsh.filestore.EncryptedFileKeyring"
SECRET_SERVICE_BACKEND = "keyring.backends.SecretService.Keyring"
TESTS = Path(__file__).resolve().parents[1] / "tests"
RUNS = 15
QUICK_RUNS = 7
#: vaultsh keeps copies of cached sessions in the kernel keyring; "off" makes
#: it read the keyring backend alone (as where keyctl is blocked, e.g. by a
#: container's seccomp profile)
KERNEL_COPIES_OFF = {"VAULTSH_KERNEL_KEYRING": "off"}


# options and results -------------------------------------------------------------


def parser(doc: str | None) -> argparse.ArgumentParser:
    """The flags every benchmark takes; a script may add its own."""
    first = (doc or "").strip().splitlines()[0]
    made = argparse.ArgumentParser(description=first)
    made.add_argument("--runs", type=int, help=f"timed runs a row (default {RUNS})")
    made.add_argument("--quick", action="store_true", help=f"fewer runs ({QUICK_RUNS})")
    made.add_argument(
        "--keyring",
        choices=(*KEYRINGS, "both"),
        default="both",
        help="the keyring backend(s) to run on (default both)",
    )
    made.add_argument(
        "--results", type=Path, help="append one JSON line a result to this file"
    )
    return made


def finish(args: argparse.Namespace) -> argparse.Namespace:
    """Fill in `runs` and `keyrings` from the flags."""
    if args.runs is None:
        args.runs = QUICK_RUNS if args.quick else RUNS
    args.keyrings = KEYRINGS if args.keyring == "both" else (args.keyring,)
    return args


def options(doc: str | None) -> argparse.Namespace:
    return finish(parser(doc).parse_args())


@dataclass(frozen=True)
class Result:
    """One row of run_all's summary."""

    row: str
    backend: str
    value: str
    target: str
    met: bool | None
    peer: str = "-"


def emit(args: argparse.Namespace, result: Result) -> None:
    """Print the result, and append it to --results for run_all."""
    verdict = {True: "met", False: "NOT met", None: "-"}[result.met]
    print(
        f"  => {result.row} [{result.backend}]: {result.value}; "
        f"target {result.target}: {verdict}; peer: {result.peer}",
        flush=True,
    )
    if args.results:
        with open(args.results, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(result)) + "\n")


# the account and the user's environment -----------------------------------------


@contextlib.contextmanager
def moto_account() -> Iterator[demo.Account]:
    """A moto server in this process, seeded like the reference account.

    moto's backends are global to a process, so a script seeds one account
    and runs every keyring backend against it.
    """
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server, endpoint = demo.start_server()
    try:
        yield demo.seed(endpoint)
    finally:
        server.stop()


def start_secret_service(root: Path):
    """A gnome-keyring on a private bus under `root` (tests/keyring_daemon.py)."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    from keyring_daemon import start_keyring_daemon

    return start_keyring_daemon(root)


def user_environ(
    folder: Path, account: demo.Account, keyring: str
) -> tuple[dict[str, str], object | None]:
    """The environment of a user whose HOME is `folder`, and the keyring daemon.

    The daemon is None for the file backend; stop() it when done.
    """
    env = {
        "HOME": str(folder),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "LANG": "C.UTF-8",
        **demo.demo_environ(folder, account),
    }
    if keyring == "file":
        return env, None
    daemon = start_secret_service(folder / "secret-service")
    for name in ("VAULTSH_FILE_PASSPHRASE", "VAULTSH_FILE_DIR"):
        env.pop(name)
    env["PYTHON_KEYRING_BACKEND"] = SECRET_SERVICE_BACKEND
    env.update({k: v for k, v in daemon.env.items() if k != "HOME"})
    return env, daemon


@dataclass
class Bench:
    """A seeded account and a user environment whose vaultsh holds the key."""

    folder: Path
    env: dict[str, str]
    account: demo.Account
    keyring: str

    def run(
        self, *argv: str, env: dict[str, str] | None = None, **kwargs: object
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            argv,
            env=env or self.env,
            capture_output=True,
            text=True,
            check=True,
            **kwargs,  # type: ignore[call-overload]
        )

    def vaultsh(self, *args: str) -> subprocess.CompletedProcess:
        return self.run(str(BIN / "vaultsh"), *args)

    def config(self) -> Path:
        return self.folder / "aws" / "config"


def store_key(env: dict[str, str], account: demo.Account) -> None:
    """`vaultsh add --env dev` with the account's key."""
    keys = {
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
    }
    subprocess.run(
        [str(BIN / "vaultsh"), "add", "--env", "dev"],
        env={**env, **keys},
        capture_output=True,
        text=True,
        check=True,
    )


@contextlib.contextmanager
def bench_on(account: demo.Account, keyring: str) -> Iterator[Bench]:
    """A temporary HOME with the reference config and the key stored in `keyring`."""
    folder = Path(tempfile.mkdtemp(prefix="vaultsh-bench-"))
    env: dict[str, str] | None = None
    daemon = None
    try:
        demo.write_config(folder, account)
        env, daemon = user_environ(folder, account, keyring)
        store_key(env, account)
        yield Bench(folder, env, account, keyring)
    finally:
        if env is not None:
            forget_sessions(env)
        if daemon is not None:
            daemon.stop()
        shutil.rmtree(folder, ignore_errors=True)


def forget_sessions(env: dict[str, str]) -> None:
    """`vaultsh clear`: also drops vaultsh's copies in the kernel keyring."""
    subprocess.run(
        [str(BIN / "vaultsh"), "clear"], env=env, capture_output=True, check=False
    )


def run_benches(
    args: argparse.Namespace, row: str, measure: Callable[[Bench], None]
) -> None:
    """measure(bench) on each keyring backend asked for, against one account.

    A backend that fails is reported (with vaultsh's own error line) as a
    `failed` result, and the next backend still runs.
    """
    with moto_account() as account:
        for keyring in args.keyrings:
            print(f"\n[{row}: keyring {keyring}]", flush=True)
            try:
                with bench_on(account, keyring) as bench:
                    measure(bench)
            except Exception as exc:  # reported, never hidden
                emit(args, Result(row, keyring, "failed", "-", False, why(exc)))


def why(exc: Exception) -> str:
    """A short reason; a failed child's stderr is printed in full first."""
    if isinstance(exc, subprocess.CalledProcessError):
        print(f"  command failed: {' '.join(map(str, exc.cmd))}", file=sys.stderr)
        print(f"  stderr: {exc.stderr}", file=sys.stderr)
        lines = (exc.stderr or "").strip().splitlines()
        return lines[-1] if lines else f"exit status {exc.returncode}"
    traceback.print_exc()
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


# timing ---------------------------------------------------------------------------


def samples(
    argv: Sequence[str], env: dict[str, str], runs: int = RUNS, warm: int = 2
) -> list[float]:
    """Wall times of whole processes, in seconds, after `warm` untimed runs."""
    for _ in range(warm):
        subprocess.run(argv, env=env, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times


def timed(
    argv: Sequence[str], env: dict[str, str], runs: int = RUNS, warm: int = 2
) -> float:
    """Median wall time of a whole process, in seconds."""
    return statistics.median(samples(argv, env, runs, warm))


def interleaved(
    commands: Sequence[tuple[Sequence[str], dict[str, str]]],
    runs: int = RUNS,
    warm: int = 2,
) -> list[float]:
    """Median wall time of each (argv, env), run in turns.

    Taking turns spreads the load of other work on the machine evenly over
    the commands compared, where timing one after the other would not.
    """
    for _ in range(warm):
        for argv, env in commands:
            subprocess.run(argv, env=env, capture_output=True, check=True)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for number, (argv, env) in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(argv, env=env, capture_output=True, check=True)
            times[number].append(time.perf_counter() - start)
    return [statistics.median(each) for each in times]


def floor(env: dict[str, str], runs: int = RUNS) -> float:
    """The interpreter floor: `python -c pass` with the benchmark's python."""
    return timed([str(BIN / "python"), "-c", "pass"], env, runs)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def report(rows: list[tuple[str, float]], target: float | None = None) -> None:
    """Print each row's median in ms, and each row's ratio to the first."""
    first = rows[0][1]
    for name, seconds in rows:
        ratio = seconds / first if first else float("nan")
        print(f"  {name:<58} {seconds * 1000:8.1f} ms  ({ratio:.2f}x)")
    if target is not None:
        verdict = "met" if first <= target else "NOT met"
        print(f"  target {target * 1000:.0f} ms for the first row: {verdict}")


def assume_role_calls() -> int:
    """AssumeRole calls the in-process moto server has answered so far."""
    from moto.sts.models import sts_backends

    return len(sts_backends[demo.ACCOUNT_ID]["aws"].assumed_roles)


def machine() -> str:
    return describe()
