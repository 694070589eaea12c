"""The prompt segment's cost a render, inside real zsh, bash and fish.

    python benchmarks/bench_prompt.py [--renders 1000]

For each shell, the script `vaultsh shell-init SHELL` prints is sourced,
AWS_VAULT and AWS_CREDENTIAL_EXPIRATION are set as `vaultsh exec` sets them
(a session with 29 minutes left), and the shell calls `vaultsh_prompt_update`
(the function its prompt hook runs) RENDERS times in a loop, timing the loop
with its own clock (zsh and bash: $EPOCHREALTIME; fish: `date` before and
after). Two loops a shell:

- steady: the same expiry each render (every prompt of a session);
- new expiry: a new value each render, so the time is parsed each time.

Forks are counted with `strace -f -c` over the whole shell, minus the same
shell with 0 renders; without strace they are "not measured". The keyring is
not touched, so this runs once. For comparison it also times `vaultsh prompt`,
the command a prompt that runs a program would start.

Target: no process forked, <= 1 ms a render.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from common import BIN, ROLE, Result, emit, finish, machine, ms, parser, timed

TARGET = 0.001
SHELLS = ("zsh", "bash", "fish")
FORK_CALLS = ("clone", "clone3", "fork", "vfork")

ZSH_LOOP = """\
source {init}
export AWS_VAULT={profile} AWS_CREDENTIAL_EXPIRATION={first}
typeset -a exps=({first} {second})
zmodload zsh/datetime
start=$EPOCHREALTIME
for (( i = 0; i < {renders}; i++ )); do
  AWS_CREDENTIAL_EXPIRATION=${{exps[i % 2 + 1]}}
  vaultsh_prompt_update
done
end=$EPOCHREALTIME
print -r -- "$start $end $VAULTSH_SEGMENT"
"""

BASH_LOOP = """\
source {init}
export AWS_VAULT={profile} AWS_CREDENTIAL_EXPIRATION={first}
exps=({first} {second})
start=$EPOCHREALTIME
for (( i = 0; i < {renders}; i++ )); do
  AWS_CREDENTIAL_EXPIRATION=${{exps[i % 2]}}
  vaultsh_prompt_update
done
end=$EPOCHREALTIME
printf '%s %s %s\\n' "$start" "$end" "$VAULTSH_SEGMENT"
"""

FISH_LOOP = """\
source {init}
set -gx AWS_VAULT {profile}
set -gx AWS_CREDENTIAL_EXPIRATION {first}
set -l exps
for i in (seq (math "ceil({renders} / 2)"))
    set -a exps {first} {second}
end
set exps $exps[1..{renders}]
set -l start (date +%s.%N)
for exp in $exps
    set -gx AWS_CREDENTIAL_EXPIRATION $exp
    vaultsh_prompt_update
end
set -l end (date +%s.%N)
echo $start $end $VAULTSH_SEGMENT
"""

LOOPS = {"zsh": ZSH_LOOP, "bash": BASH_LOOP, "fish": FISH_LOOP}


def expiries(minutes: int = 29) -> tuple[str, str]:
    """Two RFC 3339 times a minute apart, written as `vaultsh exec` writes them."""
    now = datetime.now(timezone.utc)
    first = now + timedelta(minutes=minutes, seconds=30)
    return tuple(  # type: ignore[return-value]
        moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        for moment in (first, first + timedelta(minutes=1))
    )


def write_loop(folder: Path, shell: str, renders: int, steady: bool) -> Path:
    init = folder / f"init.{shell}"
    if not init.exists():
        text = subprocess.run(
            [str(BIN / "vaultsh"), "shell-init", shell],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        init.write_text(text)
    first, second = expiries()
    script = LOOPS[shell].format(
        init=init,
        profile=ROLE,
        first=first,
        second=first if steady else second,
        renders=renders,
    )
    path = folder / f"loop-{renders}-{'steady' if steady else 'new'}.{shell}"
    path.write_text(script)
    return path


def shell_env(folder: Path) -> dict[str, str]:
    return {
        "HOME": str(folder),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_DATA_HOME": str(folder / "data"),
    }


def per_render(
    folder: Path, shell: str, renders: int, steady: bool
) -> tuple[float, str]:
    """Seconds a render, from the shell's own clock, and the segment drawn."""
    script = write_loop(folder, shell, renders, steady)
    done = subprocess.run(
        [shell, str(script)],
        env=shell_env(folder),
        capture_output=True,
        text=True,
        check=True,
    )
    start, end, *segment = done.stdout.split()
    return (float(end) - float(start)) / renders, " ".join(segment)


def fastest(folder: Path, shell: str, renders: int, steady: bool) -> float:
    """The fastest of three loops (the least disturbed by other work)."""
    loops = [per_render(folder, shell, renders, steady) for _ in range(3)]
    label = "steady" if steady else "new expiry"
    print(f"  {shell:<5} {label:<11} segment drawn: {loops[-1][1]!r}")
    return min(seconds for seconds, _ in loops)


def forks(folder: Path, shell: str, renders: int) -> int | None:
    """Processes the renders forked (strace), or None without strace."""
    if shutil.which("strace") is None:
        return None
    return _fork_count(folder, shell, renders) - _fork_count(folder, shell, 0)


def _fork_count(folder: Path, shell: str, renders: int) -> int:
    script = write_loop(folder, shell, renders, steady=True)
    out = folder / f"strace-{shell}-{renders}.txt"
    subprocess.run(
        ["strace", "-f", "-c", "-o", str(out), shell, str(script)],
        env=shell_env(folder),
        capture_output=True,
        check=True,
    )
    count = 0
    for line in out.read_text().splitlines():
        fields = line.split()
        if fields and fields[-1] in FORK_CALLS and fields[3].isdigit():
            count += int(fields[3])
    return count


def measure_shell(folder: Path, shell: str, args: argparse.Namespace) -> None:
    if shutil.which(shell) is None:
        why = f"{shell} is not installed (apt-get install {shell})"
        emit(args, Result(f"prompt segment ({shell})", "-", "failed", "-", False, why))
        return
    steady = fastest(folder, shell, args.renders, steady=True)
    new = fastest(folder, shell, args.renders, steady=False)
    forked = forks(folder, shell, args.renders)
    fork_text = "not measured" if forked is None else str(forked)
    print(
        f"  {shell:<5} steady {steady * 1e6:8.1f} us/render   new expiry "
        f"{new * 1e6:8.1f} us/render   forks in {args.renders} renders: {fork_text}"
    )
    met = steady <= TARGET and (forked == 0 if forked is not None else None)
    value = f"{steady * 1e6:.1f} us/render"
    peer = f"new expiry {new * 1e6:.1f} us; forks/{args.renders}: {fork_text}"
    row = f"prompt segment ({shell})"
    emit(args, Result(row, "-", value, "<= 1 ms, 0 forks", met, peer))


def time_prompt_command(folder: Path, runs: int) -> None:
    env = dict(
        shell_env(folder), AWS_VAULT=ROLE, AWS_CREDENTIAL_EXPIRATION=expiries()[0]
    )
    seconds = timed([str(BIN / "vaultsh"), "prompt"], env, runs)
    print(f"  for comparison, `vaultsh prompt` (a Python process): {ms(seconds)}")


def main() -> None:
    made = parser(__doc__)
    made.add_argument("--renders", type=int, default=1000)
    args = finish(made.parse_args())
    print(f"prompt segment, {args.renders} renders a loop ({machine()})")
    with tempfile.TemporaryDirectory(prefix="vaultsh-bench-") as name:
        folder = Path(name)
        for shell in SHELLS:
            measure_shell(folder, shell, args)
        time_prompt_command(folder, args.runs)


if __name__ == "__main__":
    main()
