"""Fixtures for end-to-end tests: a moto server seeded like the reference
account, a private HOME with the reference config, a real keyring, and the
installed vaultsh run as a child process.

    def test_something(vaultsh, stored_key):
        result = vaultsh("exec", "static.example.com", "--", "true")
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import helpers
from tests.keyring_daemon import KeyringDaemon, start_keyring_daemon
from vaultsh import demo

FILE_BACKEND = "vaultsh.filestore.EncryptedFileKeyring"
SECRET_SERVICE_BACKEND = "keyring.backends.SecretService.Keyring"


@dataclass(frozen=True)
class Home:
    """A user's temporary HOME and the environment their commands run in."""

    path: Path
    env: dict[str, str]
    account: demo.Account

    @property
    def config_file(self) -> Path:
        return Path(self.env["AWS_CONFIG_FILE"])

    @property
    def keyring_file(self) -> Path | None:
        """The encrypted keyring file, when the file backend is in use."""
        folder = self.env.get("VAULTSH_FILE_DIR")
        return Path(folder) / "keyring.bin" if folder else None

    def write_config(self, text: str) -> None:
        self.config_file.write_text(text)


Runner = Callable[..., helpers.Result]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The URL of a moto server running in this process."""
    server, endpoint = demo.start_server()
    yield endpoint
    server.stop()


@pytest.fixture
def recorder(moto_endpoint: str, account: demo.Account) -> Iterator[helpers.Recorder]:
    """moto's request log, recording from after the account was seeded."""
    # recording only while a test asks for it: moto's in-process mock, used by
    # unit tests in this same process, would record (and read) request bodies too
    log = helpers.Recorder(moto_endpoint, Path(os.environ["MOTO_RECORDER_FILEPATH"]))
    log.start()
    yield log
    log.stop()


@pytest.fixture
def account(moto_endpoint: str) -> demo.Account:
    """A freshly reset moto server seeded with the reference account."""
    request = urllib.request.Request(
        f"{moto_endpoint}/moto-api/reset", data=b"", method="POST"
    )
    with urllib.request.urlopen(request, timeout=10):
        pass
    return demo.seed(moto_endpoint)


@pytest.fixture
def admin(account: demo.Account) -> Callable[[str], object]:
    """Build boto3 clients as the account's administrator: admin("iam")."""
    import boto3

    session = boto3.session.Session(region_name=demo.REGION, **demo.ADMIN)
    return lambda service: session.client(service, endpoint_url=account.endpoint_url)


@pytest.fixture
def keyring_kind() -> str:
    """The keyring the user has: "file" (default) or "secret-service".

    Override with @pytest.mark.parametrize("keyring_kind", ["secret-service"]).
    """
    return "file"


@pytest.fixture
def gnome_keyring() -> Iterator[KeyringDaemon]:
    """A private D-Bus and an unlocked gnome-keyring (a real Secret Service)."""
    # a short folder: the bus socket path must stay under about 100 characters
    root = Path(tempfile.mkdtemp(prefix="vaultsh-ss-"))
    daemon = start_keyring_daemon(root)
    yield daemon
    daemon.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def home(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    account: demo.Account,
    keyring_kind: str,
) -> Home:
    """A temporary HOME with the reference config file and an empty keyring."""
    if keyring_kind == "secret-service":
        daemon: KeyringDaemon = request.getfixturevalue("gnome_keyring")
        path = Path(daemon.env["HOME"])
        keyring_env: Mapping[str, str | None] = {
            **daemon.env,
            "PYTHON_KEYRING_BACKEND": SECRET_SERVICE_BACKEND,
            "VAULTSH_FILE_DIR": None,
            "VAULTSH_FILE_PASSPHRASE": None,
        }
    elif keyring_kind == "file":
        path = tmp_path / "home"
        path.mkdir()
        keyring_env = {}
    else:
        pytest.fail(f"unknown keyring_kind {keyring_kind!r}")
    demo.write_config(path, account)
    env = helpers.merged_environ(_user_environ(path, account), keyring_env)
    assert env["PYTHON_KEYRING_BACKEND"] in (FILE_BACKEND, SECRET_SERVICE_BACKEND)
    return Home(path, env, account)


def _user_environ(path: Path, account: demo.Account) -> dict[str, str]:
    """A clean environment: nothing of the outer shell's AWS settings."""
    outer_path = os.environ.get("PATH", os.defpath)
    return {
        "HOME": str(path),
        "PATH": f"{helpers.BIN}{os.pathsep}{outer_path}",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        **demo.demo_environ(path, account),
    }


@pytest.fixture
def vaultsh(home: Home) -> Runner:
    """Run the installed vaultsh as the user of `home`.

    vaultsh(*args, env=None, input=None, timeout=60) -> Result; `env` holds
    changes to the user's environment (a None value unsets a variable).
    """

    def run(
        *args: str,
        env: Mapping[str, str | None] | None = None,
        input: str | None = None,
        timeout: float = 60,
    ) -> helpers.Result:
        merged = helpers.merged_environ(home.env, env)
        return helpers.run(*args, env=merged, input=input, timeout=timeout)

    return run


@pytest.fixture
def command(home: Home) -> Runner:
    """Run any other command (aws, python) as the user of `home`; same signature."""

    def run(
        *argv: str,
        env: Mapping[str, str | None] | None = None,
        input: str | None = None,
        timeout: float = 60,
    ) -> helpers.Result:
        merged = helpers.merged_environ(home.env, env)
        return helpers.run_command(argv, env=merged, input=input, timeout=timeout)

    return run


@pytest.fixture
def stored_key(vaultsh: Runner, account: demo.Account) -> demo.Account:
    """The user's long-term key stored for profile dev with `vaultsh add --env`."""
    keys = {
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
    }
    helpers.assert_ok(vaultsh("add", "--env", "dev", env=keys))
    return account


@pytest.fixture
def snapshot(home: Home, vaultsh: Runner) -> Callable[[], helpers.Snapshot]:
    """Take a Snapshot of the user's config, keyring and `vaultsh list`."""

    def take() -> helpers.Snapshot:
        listing = vaultsh("list")
        return helpers.Snapshot(
            helpers.read_bytes(home.config_file),
            helpers.read_bytes(home.keyring_file),
            f"{listing.status}\n{listing.stdout}{listing.stderr}",
        )

    return take
