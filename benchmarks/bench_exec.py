"""`vaultsh exec ROLE -- true` with a cached session, against awsume.

    python benchmarks/bench_exec.py [--runs 15]
        [--keyring file|secret-service|both]

Measures, as medians of whole processes, on each keyring backend:
1. `vaultsh exec static.example.com -- true` once the role session is cached;
2. `python -c pass` with the same python (the interpreter floor);
3. `awsumepy static.example.com` (the peer; `pip install awsume`) with its
   cache warm. awsume needs the long-term key in a plaintext
   ~/.aws/credentials, which this benchmark writes into its temporary HOME
   only. For a role with MFA awsume caches the MFA session, not the role's,
   so even warm it makes one AssumeRole a run (on loopback moto: cheap); the
   count moto saw is printed.

vaultsh and awsume are timed in turns (vaultsh, awsume, vaultsh, ...), so
that other work on the machine weighs on both alike. vaultsh also keeps a
copy of each cached session in the kernel keyring; a third command in the
turns reads the keyring backend alone (VAULTSH_KERNEL_KEYRING=off), as where
a container's seccomp profile blocks keyctl. The target is for the default.

Target: vaultsh <= 80 ms and at least 5x faster than awsume.
"""

from __future__ import annotations

import argparse

from common import (
    BIN,
    KERNEL_COPIES_OFF,
    ROLE,
    Bench,
    Result,
    assume_role_calls,
    emit,
    floor,
    interleaved,
    machine,
    ms,
    options,
    report,
    run_benches,
)

ROW = "vaultsh exec ROLE -- true (cached)"
TARGET = 0.080
FASTER_THAN_AWSUME = 5.0


def awsume_env(bench: Bench) -> dict[str, str] | None:
    """The environment awsume needs: the key in ~/.aws/credentials."""
    if not (BIN / "awsumepy").exists():
        return None
    creds = bench.folder / "aws" / "credentials"
    creds.write_text(
        "[dev]\n"
        f"aws_access_key_id = {bench.account.access_key_id}\n"
        f"aws_secret_access_key = {bench.account.secret_access_key}\n"
    )
    config = bench.config()
    config.write_text(config.read_text().replace("credential_process = ", "# "))
    return dict(bench.env, AWS_DEFAULT_REGION="us-east-1")


def calls_of(bench: Bench, argv: list[str], env: dict[str, str]) -> int:
    """AssumeRole calls moto answers for one untimed run of argv."""
    before = assume_role_calls()
    bench.run(*argv, env=env)
    return assume_role_calls() - before


def measure(bench: Bench, args: argparse.Namespace) -> None:
    vaultsh = [str(BIN / "vaultsh"), "exec", ROLE, "--", "true"]
    bench.run(*vaultsh)  # makes and caches the session
    print(f"  vaultsh exec, cached: {calls_of(bench, vaultsh, bench.env)} AssumeRole")
    commands = [(vaultsh, bench.env), (vaultsh, {**bench.env, **KERNEL_COPIES_OFF})]
    env = awsume_env(bench)
    if env is None:
        print("  awsume is not installed: pip install awsume")
    else:
        token = ["--mfa-token", bench.account.totp()]
        bench.run(str(BIN / "awsumepy"), ROLE, *token, env=env)  # warms its cache
        awsume = [str(BIN / "awsumepy"), ROLE]
        print(f"  awsumepy, cache warm: {calls_of(bench, awsume, env)} AssumeRole")
        commands.append((awsume, env))
    times = interleaved(commands, args.runs)
    rows = [
        (ROW, times[0]),
        ("  the same, VAULTSH_KERNEL_KEYRING=off (backend alone)", times[1]),
        ("python -c pass (interpreter floor)", floor(bench.env)),
    ]
    if env is not None:
        rows.append(("awsumepy ROLE (its cache warm)", times[2]))
    report(rows, target=TARGET)
    emit(args, result(bench.keyring, times[0], times[2] if env else None))


def result(keyring: str, vaultsh: float, awsume: float | None) -> Result:
    target = f"<= {TARGET * 1000:.0f} ms, >= {FASTER_THAN_AWSUME:.0f}x faster"
    if awsume is None:
        return Result(ROW, keyring, ms(vaultsh), target, False, "awsume missing")
    ratio = awsume / vaultsh
    met = vaultsh <= TARGET and ratio >= FASTER_THAN_AWSUME
    peer = f"awsume {ms(awsume)}; vaultsh {ratio:.1f}x faster"
    return Result(ROW, keyring, ms(vaultsh), target, met, peer)


def main() -> None:
    args = options(__doc__)
    print(f"exec with a cached session ({machine()})")
    run_benches(args, ROW, lambda bench: measure(bench, args))


if __name__ == "__main__":
    main()
