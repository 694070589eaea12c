"""Run every benchmark against vaultsh as a user installs it; print one summary.

    python3 benchmarks/run_all.py [--quick] [--only NAME[,NAME...]]
        [--keyring file|secret-service|both]

The development python may hold an editable install and .pth files that cost
tens of milliseconds a start, so the benchmarks run in their own virtualenv,
benchmarks/.venv (made once with `python3 -m venv`, then reused): there
`pip install '<repo>[demo,test]' awsume` is a normal, non-editable install,
and on every run `pip install --no-deps --force-reinstall` puts the current
code of the repo in. pip builds from a snapshot of the repo in a temporary
folder, so that no build/ folder appears in the work tree.

Each bench script then runs with the virtualenv's python, prints its own
details, and appends its results to a file this script reads back into one
table: row, keyring backend, median (or what the row measures), target,
met / NOT met, and the peer or reference it is compared with.

NAMEs for --only: exec, export, prompt, shell_start, tab_completion, list,
parallel. `--quick` makes fewer runs and lists a 20,000-key folder for the
TAB row instead of 100,000 (the row's name says so).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hostinfo import describe

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV = HERE / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
MARKER = VENV / "vaultsh-bench-deps.txt"
EXTRA_PACKAGES = ("awsume",)
SCRIPTS = {
    "exec": "bench_exec.py",
    "export": "bench_export.py",
    "prompt": "bench_prompt.py",
    "shell_start": "bench_shell_start.py",
    "tab_completion": "bench_tab_completion.py",
    "list": "bench_list.py",
    "parallel": "bench_parallel.py",
}
#: what a snapshot of the repo leaves out: caches, builds, virtualenvs, git
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    "*.egg-info",
    "build",
    "dist",
    ".pytest_cache",
    ".ruff_cache",
    ".benchmarks",
)
#: variables of the calling shell that would change what the benches measure
DROPPED = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")


# the virtualenv ------------------------------------------------------------------


def pip(*args: str) -> None:
    """Run the virtualenv's pip quietly; print its output only when it fails."""
    argv = [str(VENV_PYTHON), "-m", "pip", "--disable-pip-version-check", *args]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode:
        print(done.stdout[-4000:], done.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"run_all: pip {' '.join(args[:2])} failed")


def snapshot(folder: Path) -> Path:
    """A copy of the repo's current files, to build the package from."""
    target = folder / "vaultsh-src"
    shutil.copytree(REPO, target, ignore=SNAPSHOT_IGNORE)
    return target


def deps_fingerprint() -> str:
    """Changes when pyproject.toml or the extra packages change."""
    text = (REPO / "pyproject.toml").read_bytes() + repr(EXTRA_PACKAGES).encode()
    return hashlib.sha256(text).hexdigest()


def prepare_venv() -> None:
    """Make benchmarks/.venv once, refresh its dependencies when they change,
    and install the repo's current code into it (not editable)."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="vaultsh-bench-build-") as name:
        source = snapshot(Path(name))
        if not VENV_PYTHON.exists():
            print(f"run_all: making {VENV} (once; takes a few minutes)", flush=True)
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        if not MARKER.exists() or MARKER.read_text() != deps_fingerprint():
            print("run_all: installing vaultsh[demo,test] and awsume", flush=True)
            pip("install", "--quiet", f"{source}[demo,test]", *EXTRA_PACKAGES)
            MARKER.write_text(deps_fingerprint())
        pip("install", "--quiet", "--no-deps", "--force-reinstall", str(source))
    took = time.monotonic() - started
    print(f"run_all: installed the repo's current vaultsh in {VENV} ({took:.0f} s)")


def repo_state() -> str:
    """The commit measured, and whether the work tree differs from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "vaultsh"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"commit {head}" + (" with uncommitted changes in vaultsh/" if dirty else "")


# the benches -----------------------------------------------------------------------


def chosen(only: str | None) -> list[str]:
    if not only:
        return list(SCRIPTS)
    names = [name.strip().removeprefix("bench_").removesuffix(".py") for name in only]
    unknown = [name for name in names if name not in SCRIPTS]
    if unknown:
        raise SystemExit(
            f"run_all: unknown benchmark {', '.join(unknown)}; "
            f"choose from {', '.join(SCRIPTS)}"
        )
    return names


def bench_environ() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_script(name: str, args: argparse.Namespace, results: Path) -> dict | None:
    """Run one bench script; a row for the summary when it failed outright."""
    argv = [str(VENV_PYTHON), str(HERE / SCRIPTS[name]), "--results", str(results)]
    if args.quick:
        argv.append("--quick")
    if args.keyring:
        argv += ["--keyring", args.keyring]
    print(f"\n===== {name}: {' '.join(argv[1:])}", flush=True)
    rows_before = len(read_results(results))
    started = time.monotonic()
    status = subprocess.run(argv, cwd=HERE, env=bench_environ()).returncode
    print(f"===== {name}: exit {status} after {time.monotonic() - started:.0f} s")
    if status == 0 and len(read_results(results)) > rows_before:
        return None
    return {
        "row": SCRIPTS[name],
        "backend": "-",
        "value": "failed",
        "target": "-",
        "met": False,
        "peer": f"the script exited {status}; see its output above",
    }


def read_results(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


# the summary -----------------------------------------------------------------------

COLUMNS = (
    ("row", "row"),
    ("backend", "backend"),
    ("value", "median"),
    ("target", "target"),
    ("met", "met?"),
    ("peer", "peer ratio / reference"),
)


def cell(row: dict, key: str) -> str:
    if key == "met":
        return {True: "met", False: "NOT met", None: "-"}[row["met"]]
    return str(row[key])


def summary(rows: list[dict]) -> str:
    table = [[title for _, title in COLUMNS]]
    table += [[cell(row, key) for key, _ in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS) - 1)]
    lines = []
    for number, line in enumerate(table):
        pairs = zip(line[:-1], widths, strict=True)
        cells = [text.ljust(width) for text, width in pairs]
        lines.append("  ".join([*cells, line[-1]]).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in [*widths, 22]))
    return "\n".join(lines)


def options() -> argparse.Namespace:
    made = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    made.add_argument(
        "--quick", action="store_true", help="fewer runs, a 20,000-key TAB folder"
    )
    made.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only these ({', '.join(SCRIPTS)}); repeat or use commas",
    )
    made.add_argument(
        "--keyring",
        choices=("file", "secret-service", "both"),
        help="keyring backend(s) for the rows that use one (default both)",
    )
    args = made.parse_args()
    if args.only:
        args.only = [name for value in args.only for name in value.split(",")]
    return args


def main() -> None:
    args = options()
    names = chosen(args.only)
    print(f"machine: {describe()}")
    print(f"vaultsh: {REPO} at {repo_state()}", flush=True)
    prepare_venv()
    started = time.monotonic()
    failures = []
    with tempfile.TemporaryDirectory(prefix="vaultsh-bench-results-") as name:
        results = Path(name) / "results.jsonl"
        for bench in names:
            failed = run_script(bench, args, results)
            if failed:
                failures.append(failed)
        rows = read_results(results) + failures
    took = time.monotonic() - started
    quick = " (--quick: fewer runs, smaller TAB folder)" if args.quick else ""
    print(f"\n===== summary{quick}, {took:.0f} s; machine: {describe()}\n")
    print(summary(rows))


if __name__ == "__main__":
    main()
