"""20 parallel cold credential_process callers: one MFA code, one session.

    python benchmarks/bench_parallel.py [--bursts 3] [--callers 20]
        [--keyring file|secret-service|both]

On each keyring backend the profile's `mfa_process` is a small script that
appends a line to a file each time it runs, then prints the code. Each burst:
`vaultsh clear` empties the session cache, then CALLERS `vaultsh export
--format=json static.example.com` start at once. It prints, for each run:
how many MFA codes were asked for, how many AssumeRole calls moto answered,
how many distinct AccessKeyId values the callers printed, whether all exited
0, and the wall time from the first start to the last exit (the median
over the bursts is the result).

Target: one MFA code and one STS call for all of them, all answered (the
wall time is printed, not judged).
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from common import (
    BIN,
    ROLE,
    Bench,
    Result,
    assume_role_calls,
    emit,
    finish,
    machine,
    parser,
    run_benches,
)

ROW = "parallel cold credential_process callers"
QUICK_RUNS = 1
RUNS = 3


@dataclass(frozen=True)
class Burst:
    """What one burst of callers did."""

    seconds: float
    mfa_codes: int
    assume_roles: int
    key_ids: int
    exited_0: int
    callers: int

    def good(self) -> bool:
        one = self.mfa_codes == 1 and self.assume_roles == 1 and self.key_ids == 1
        return one and self.exited_0 == self.callers


def counting_mfa_process(bench: Bench) -> Path:
    """Point the profile's mfa_process at a script that counts its runs."""
    count = bench.folder / "mfa-asked.txt"
    script = bench.folder / "mfa-process.sh"
    script.write_text(
        "#!/bin/sh\n"
        f"echo asked >> {shlex.quote(str(count))}\n"
        f"exec {bench.account.mfa_process()}\n"
    )
    script.chmod(0o700)
    bench.config().write_text(bench.account.config_text(mfa_process=str(script)))
    return count


def burst(bench: Bench, count: Path, callers: int) -> Burst:
    bench.vaultsh("clear")
    count.write_text("")
    before = assume_role_calls()
    argv = [str(BIN / "vaultsh"), "export", "--format=json", ROLE]
    began = time.perf_counter()
    children = [
        subprocess.Popen(
            argv, env=bench.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(callers)
    ]
    answers = [child.communicate(timeout=300) for child in children]
    seconds = time.perf_counter() - began
    for child, (_, err) in zip(children, answers, strict=True):
        if child.returncode:
            print(f"  a caller failed ({child.returncode}): {err.decode().strip()}")
    return Burst(
        seconds=seconds,
        mfa_codes=len(count.read_text().splitlines()),
        assume_roles=assume_role_calls() - before,
        key_ids=len(key_ids([out for out, _ in answers])),
        exited_0=sum(child.returncode == 0 for child in children),
        callers=callers,
    )


def key_ids(outputs: list[bytes]) -> set[str]:
    found = set()
    for out in outputs:
        try:
            found.add(json.loads(out)["AccessKeyId"])
        except (ValueError, KeyError, TypeError):
            continue
    return found


def measure(bench: Bench, args: argparse.Namespace) -> None:
    count = counting_mfa_process(bench)
    bursts = []
    for _ in range(args.bursts):
        made = burst(bench, count, args.callers)
        print(
            f"  {made.callers} callers: {made.seconds:.2f} s, "
            f"{made.mfa_codes} MFA code(s) asked, {made.assume_roles} AssumeRole, "
            f"{made.key_ids} distinct AccessKeyId, {made.exited_0} exited 0"
        )
        bursts.append(made)
    worst = max(bursts, key=lambda b: (not b.good(), b.mfa_codes, b.key_ids))
    wall = statistics.median(b.seconds for b in bursts)
    peer = (
        f"MFA {worst.mfa_codes}, AssumeRole {worst.assume_roles}, keys "
        f"{worst.key_ids}, exit 0: {worst.exited_0}/{worst.callers}"
    )
    target = "1 MFA, 1 STS call, all answered"
    met = all(b.good() for b in bursts)
    row = f"{args.callers} {ROW}"
    emit(args, Result(row, bench.keyring, f"{wall:.2f} s wall", target, met, peer))


def main() -> None:
    made = parser(__doc__)
    made.add_argument("--callers", type=int, default=20)
    made.add_argument(
        "--bursts", type=int, help=f"bursts a backend (default {RUNS}, quick 1)"
    )
    args = finish(made.parse_args())
    if args.bursts is None:
        args.bursts = QUICK_RUNS if args.quick else RUNS
    print(f"{args.callers} parallel cold callers ({machine()})")
    run_benches(args, f"{args.callers} {ROW}", lambda bench: measure(bench, args))


if __name__ == "__main__":
    main()
