"""One line about the machine a benchmark ran on: cores, CPU, Python, load.

Imports nothing from vaultsh, so that run_all.py can print it before the
benchmark virtualenv exists.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, or `unknown CPU`."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "model name":
            return value.strip()
    return "unknown CPU"


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def describe() -> str:
    """`linux, 2 cores (AMD EPYC), Python 3.11.7, load 0.75 0.72 1.09`."""
    return (
        f"{platform.system().lower()}, {os.cpu_count()} cores ({cpu_model()}), "
        f"Python {platform.python_version()}, load {load_average()}"
    )
