"""`python -m vaultsh.integration`: rewrite shell/ and completions/ in the checkout."""

from __future__ import annotations

import sys
from pathlib import Path

from vaultsh.integration import write_files

ROOT = Path(__file__).resolve().parents[2]

if not (ROOT / "pyproject.toml").exists():
    sys.exit(f"vaultsh: error: {ROOT} is not a source checkout; nothing to write")
for path in write_files(ROOT) or ["nothing changed"]:
    print(path)
