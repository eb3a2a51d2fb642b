"""The first line every benchmark prints: the command, the machine and how busy it was."""

from __future__ import annotations

import os
import platform
import sys
import time


def run_header() -> str:
    return (
        f"# python {' '.join(sys.argv)}  ({platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"load average {os.getloadavg()[0]:.1f})"
    )
