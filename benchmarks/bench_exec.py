"""`vaultsh exec ROLE -- true` with a cached session, against awsume.

awsume (`pip install awsume`) assumes the same role with its own cache warm;
it needs the long-term key in a plaintext ~/.aws/credentials, which this
benchmark writes into its temporary HOME only.
"""

from __future__ import annotations

from common import BIN, ROLE, machine, report, setup, timed


def awsume_env(bench) -> dict | None:
    if not (BIN / "awsumepy").exists():
        return None
    creds = bench.folder / "aws" / "credentials"
    creds.write_text(
        "[dev]\n"
        f"aws_access_key_id = {bench.account.access_key_id}\n"
        f"aws_secret_access_key = {bench.account.secret_access_key}\n"
    )
    config = bench.folder / "aws" / "config"
    text = config.read_text().replace("credential_process = ", "# ")
    config.write_text(text)
    return dict(bench.env, AWS_DEFAULT_REGION="us-east-1")


def main() -> None:
    bench, server = setup()
    try:
        bench.vaultsh("exec", ROLE, "--", "true")
        rows = [
            (
                "vaultsh exec ROLE -- true (cached)",
                timed([str(BIN / "vaultsh"), "exec", ROLE, "--", "true"], bench.env),
            ),
            (
                "python -c pass (interpreter floor)",
                timed([str(BIN / "python"), "-c", "pass"], bench.env),
            ),
        ]
        env = awsume_env(bench)
        if env is None:
            print("  awsume is not installed: pip install awsume")
        else:
            token = ["--mfa-token", bench.account.totp()]
            bench.run(str(BIN / "awsumepy"), ROLE, *token, env=env)
            rows.append(
                (
                    "awsumepy ROLE (its cache warm)",
                    timed([str(BIN / "awsumepy"), ROLE], env),
                )
            )
        print(f"exec with a cached session ({machine()})")
        report(rows, target=0.080)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
