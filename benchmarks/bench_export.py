"""`vaultsh export --format=json ROLE` as a cached credential_process.

    python benchmarks/bench_export.py [--runs 15]
        [--keyring file|secret-service|both]

Measures, as medians of whole processes, on each keyring backend:
1. `vaultsh export --format=json static.example.com` alone, session cached
   (what a credential_process call costs; the target, <= 80 ms, is for this);
2. `aws sts get-caller-identity --profile via-vaultsh`, a profile whose
   `credential_process` is that command;
3. `aws sts get-caller-identity --profile aws-role`, the peer: the same role
   assumed by the aws CLI itself (role_arn, source_profile with the key in
   the temporary ~/.aws/credentials, mfa_serial, role_session_name
   dev-work-sts, duration 1800) with its ~/.aws/cli/cache warm. The first
   call answers the CLI's MFA prompt on stdin; the later ones are cached (the
   AssumeRole calls moto saw are printed to show it);
4. `python -c pass` (the interpreter floor);
and (1) again with VAULTSH_KERNEL_KEYRING=off: vaultsh then reads the keyring
backend alone, without its copy of the session in the kernel keyring (as
where a container's seccomp profile blocks keyctl). The target is for (1).

The commands are timed in turns, so that other work on the machine
weighs on each alike. The peer ratio is (2) / (3): what using vaultsh from
the aws CLI costs against the CLI's own role cache. awscli v1 has no
`configure export-credentials`, so the CLI's cache cannot be timed alone.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess

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

ROW = "vaultsh export --format=json ROLE (cached)"
TARGET = 0.080
VIA_VAULTSH = "via-vaultsh"
AWS_ROLE = "aws-role"
KEY_PROFILE = "bench-key"


def add_profiles(bench: Bench) -> None:
    """A credential_process profile, and a role profile the aws CLI assumes."""
    command = shlex.join([str(BIN / "vaultsh"), "export", "--format=json", ROLE])
    account = bench.account
    extra = f"""
[profile {VIA_VAULTSH}]
credential_process = {command}
region = us-east-1

[profile {AWS_ROLE}]
role_arn = {account.role_arn}
source_profile = {KEY_PROFILE}
mfa_serial = {account.mfa_serial}
role_session_name = dev-work-sts
duration_seconds = 1800
region = us-east-1
"""
    with open(bench.config(), "a", encoding="utf-8") as config:
        config.write(extra)
    (bench.folder / "aws" / "credentials").write_text(
        f"[{KEY_PROFILE}]\n"
        f"aws_access_key_id = {account.access_key_id}\n"
        f"aws_secret_access_key = {account.secret_access_key}\n"
    )


def caller_identity(profile: str) -> list[str]:
    return [str(BIN / "aws"), "sts", "get-caller-identity", "--profile", profile]


def warm_aws_cache(bench: Bench) -> None:
    """The aws CLI's first call: it asks for the MFA code, then caches the role.

    With no controlling terminal (a new session), getpass reads the code from
    stdin.
    """
    subprocess.run(
        caller_identity(AWS_ROLE),
        input=bench.account.totp() + "\n",
        env=bench.env,
        capture_output=True,
        text=True,
        check=True,
        start_new_session=True,
    )
    cache = bench.folder / ".aws" / "cli" / "cache"
    print(f"  aws CLI role cache: {len(list(cache.glob('*.json')))} file(s) in {cache}")


def measure(bench: Bench, args: argparse.Namespace) -> None:
    bench.vaultsh("exec", ROLE, "--", "true")  # makes and caches the session
    add_profiles(bench)
    warm_aws_cache(bench)
    export = [str(BIN / "vaultsh"), "export", "--format=json", ROLE]
    commands = [
        (export, bench.env),
        (export, {**bench.env, **KERNEL_COPIES_OFF}),
        (caller_identity(VIA_VAULTSH), bench.env),
        (caller_identity(AWS_ROLE), bench.env),
    ]
    before = assume_role_calls()
    alone, backend_alone, via, peer = interleaved(commands, args.runs)
    calls = assume_role_calls() - before
    print(f"  AssumeRole calls while timing: {calls} (all cached)")
    report(
        [
            (ROW, alone),
            ("  the same, VAULTSH_KERNEL_KEYRING=off (backend alone)", backend_alone),
            (f"aws sts get-caller-identity --profile {VIA_VAULTSH}", via),
            (f"aws sts get-caller-identity --profile {AWS_ROLE} (CLI cache)", peer),
            ("python -c pass (interpreter floor)", floor(bench.env)),
        ],
        target=TARGET,
    )
    ratio = via / peer
    print(f"  credential_process costs the aws CLI {ms(via - peer)} more a call")
    text = f"aws+vaultsh {ms(via)} / aws own cache {ms(peer)} = {ratio:.2f}x"
    target = f"<= {TARGET * 1000:.0f} ms"
    emit(args, Result(ROW, bench.keyring, ms(alone), target, alone <= TARGET, text))


def main() -> None:
    args = options(__doc__)
    print(f"export as a cached credential_process ({machine()})")
    run_benches(args, ROW, lambda bench: measure(bench, args))


if __name__ == "__main__":
    main()
