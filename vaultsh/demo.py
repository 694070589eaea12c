"""A local AWS account, seeded like the reference one, for trying vaultsh.

`seed` builds the account on any moto server; `run_demo` starts one in this
process, points a temporary config and keyring at it, stores the IAM user's
key, and opens the shell on the role. Nothing outside a temporary folder is
touched.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

ACCOUNT_ID = "123456789012"
USER = "dev-work-sts"
GROUP = "work"
ROLE = "static.example.com"
BUCKET = "static.example.com"
MFA_NAME = "dev-phone"
REGION = "us-east-1"
OBJECTS = {
    "index.html": "<h1>static.example.com</h1>\n",
    "security/index.html": "<h1>security</h1>\n",
    "security/policy.txt": "report issues to security@example.com\n",
    "security/keys/pgp.txt": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n",
    "css/site.css": "body { font-family: sans-serif; }\n",
    "docs/with space/ü.txt": "a key with a space and a non-ASCII letter\n",
}
#: the administrator moto lets set the account up
ADMIN = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@dataclass(frozen=True)
class Account:
    """What `seed` made, as a test or the demo needs it."""

    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    mfa_serial: str
    mfa_seed: str
    role_arn: str
    distribution_id: str
    bucket: str = BUCKET
    user: str = USER

    def totp(self) -> str:
        import pyotp

        return pyotp.TOTP(self.mfa_seed).now()

    def mfa_process(self) -> str:
        """A shell command that prints the device's current code."""
        code = f"import pyotp; print(pyotp.TOTP('{self.mfa_seed}').now())"
        return f'"{sys.executable}" -c "{code}"'

    def config_text(self, mfa_process: str | None = None) -> str:
        """The reference ~/.aws/config, with this account's names filled in."""
        return CONFIG_TEMPLATE.format(
            mfa_process=mfa_process or self.mfa_process(),
            mfa_serial=self.mfa_serial,
            role_arn=self.role_arn,
            bucket=self.bucket,
            distribution=self.distribution_id,
        )


CONFIG_TEMPLATE = """\
[profile dev]
credential_process = vaultsh export --format=json -- dev
region = us-east-1

[profile static.example.com]
duration_seconds = 1800
mfa_process = {mfa_process}
mfa_serial = {mfa_serial}
region = us-east-1
role_arn = {role_arn}
role_session_name = dev-work-sts
source_profile = dev
vaultsh_bucket = {bucket}
vaultsh_distribution_id = {distribution}
"""


def _policy(name: str) -> str:
    return resources.files("vaultsh.data").joinpath(f"{name}.json").read_text()


def _clients(endpoint_url: str):
    import boto3

    session = boto3.session.Session(region_name=REGION, **ADMIN)
    return {
        name: session.client(name, endpoint_url=endpoint_url)
        for name in ("iam", "s3", "cloudfront")
    }


def seed(endpoint_url: str) -> Account:
    """Create the reference account's user, group, policies, role, MFA, bucket, CDN."""
    clients = _clients(endpoint_url)
    iam = clients["iam"]
    _identities(iam)
    mfa_serial, mfa_seed = _mfa_device(iam)
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    _bucket(clients["s3"])
    return Account(
        endpoint_url=endpoint_url,
        access_key_id=key["AccessKeyId"],
        secret_access_key=key["SecretAccessKey"],
        mfa_serial=mfa_serial,
        mfa_seed=mfa_seed,
        role_arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{ROLE}",
        distribution_id=_distribution(clients["cloudfront"]),
    )


def _identities(iam) -> None:
    iam.create_user(UserName=USER)
    iam.create_group(GroupName=GROUP)
    iam.add_user_to_group(GroupName=GROUP, UserName=USER)
    for name in ("assume-role-static.example.com", "credential-rotation"):
        arn = iam.create_policy(PolicyName=name, PolicyDocument=_policy(name))
        iam.attach_group_policy(GroupName=GROUP, PolicyArn=arn["Policy"]["Arn"])
    iam.create_role(
        RoleName=ROLE,
        AssumeRolePolicyDocument=_policy("static.example.com.trust"),
        MaxSessionDuration=3600,
    )
    arn = iam.create_policy(PolicyName=ROLE, PolicyDocument=_policy(ROLE))
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=arn["Policy"]["Arn"])


def _mfa_device(iam) -> tuple[str, str]:
    import pyotp

    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=MFA_NAME)
    device = device["VirtualMFADevice"]
    seed_value = device["Base32StringSeed"]
    if isinstance(seed_value, bytes):
        seed_value = seed_value.decode()
    totp = pyotp.TOTP(seed_value)
    now = time.time()
    iam.enable_mfa_device(
        UserName=USER,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=totp.at(now - 30),
        AuthenticationCode2=totp.at(now),
    )
    return device["SerialNumber"], seed_value


def _bucket(s3) -> None:
    s3.create_bucket(Bucket=BUCKET)
    for key, body in OBJECTS.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())


def _distribution(cloudfront) -> str:
    origin_id = f"S3-{BUCKET}"
    config = {
        "CallerReference": secrets.token_hex(8),
        "Aliases": {"Quantity": 1, "Items": [BUCKET]},
        "DefaultRootObject": "index.html",
        "Comment": "the static site",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": origin_id,
                    "DomainName": f"{BUCKET}.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": origin_id,
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
    }
    made = cloudfront.create_distribution(DistributionConfig=config)
    return made["Distribution"]["Id"]


def demo_environ(folder: Path, account: Account) -> dict[str, str]:
    """Variables that point vaultsh, the AWS CLI and keyring inside `folder`."""
    return {
        "AWS_CONFIG_FILE": str(folder / "aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(folder / "aws" / "credentials"),
        "AWS_ENDPOINT_URL": account.endpoint_url,
        "PYTHON_KEYRING_BACKEND": "vaultsh.filestore.EncryptedFileKeyring",
        "VAULTSH_FILE_DIR": str(folder / "keyring"),
        "VAULTSH_FILE_PASSPHRASE": secrets.token_urlsafe(24),
        "XDG_STATE_HOME": str(folder / "state"),
    }


def write_config(folder: Path, account: Account) -> Path:
    path = folder / "aws" / "config"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(account.config_text())
    (folder / "aws" / "credentials").write_text("")
    return path


def start_server():
    """A moto server on a free loopback port; returns (server, endpoint URL)."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def run_demo(debug: bool = False) -> int:
    """Seed a local account, store the user's key, open the shell on the role."""
    from vaultsh.cli import main
    from vaultsh.credentials import Credentials
    from vaultsh.vault import Vault

    try:
        server, endpoint = start_server()
    except ImportError:
        print(
            "vaultsh: error: the demo needs moto; install it with "
            "pip install 'vaultsh[demo]'",
            file=sys.stderr,
        )
        return 1
    with tempfile.TemporaryDirectory(prefix="vaultsh-demo-") as name:
        folder = Path(name)
        account = seed(endpoint)
        write_config(folder, account)
        os.environ.update(demo_environ(folder, account))
        for variable in ("AWS_PROFILE", "AWS_VAULT", "AWS_ACCESS_KEY_ID"):
            os.environ.pop(variable, None)
        creds = Credentials(account.access_key_id, account.secret_access_key)
        Vault().set_key("dev", creds)
        print(_welcome(folder, account), flush=True)
        try:
            return main(
                ["--debug", "static.example.com"] if debug else ["static.example.com"]
            )
        finally:
            server.stop()


def _welcome(folder: Path, account: Account) -> str:
    return "\n".join(
        [
            f"vaultsh demo: a local AWS account (moto) at {account.endpoint_url}",
            f"  config: {folder / 'aws' / 'config'}   user: {account.user}",
            f"  bucket: {account.bucket}   distribution: {account.distribution_id}",
            "  the user's key is stored in a temporary keyring as profile 'dev';",
            "  opening the shell on the role static.example.com (type help)",
        ]
    )
