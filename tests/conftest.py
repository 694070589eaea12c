"""Settings every test needs, applied before any test module imports moto.

- AWS variables of the developer's own shell are dropped from this process, so
  no real credential, profile or endpoint can reach a test.
- moto's request recorder writes to a private temporary file instead of
  `moto_recording` in the working directory. moto reads the path once, when it
  is first imported, which is why this happens here and not in a fixture.
"""

from __future__ import annotations

import os
import shutil
import tempfile

_RECORDING_DIR = tempfile.mkdtemp(prefix="vaultsh-moto-recording-")
RECORDING_FILE = os.path.join(_RECORDING_DIR, "requests.jsonl")

for _name in [name for name in os.environ if name.startswith("AWS_")]:
    del os.environ[_name]
os.environ["MOTO_RECORDER_FILEPATH"] = RECORDING_FILE


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_RECORDING_DIR, ignore_errors=True)
