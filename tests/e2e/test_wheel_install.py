"""`pip install omniroute && omniroute serve` works from a wheel: the demo dataset, the SAM
template and the state machine definition ship inside it.

The wheel is built from this checkout (no build isolation: setuptools and wheel are dev
dependencies, so nothing is downloaded) and installed without its dependencies into a fresh
venv. That venv sees this environment's installed dependencies through a `.pth` line naming
their site-packages, but not this environment's editable omniroute: `.pth` files inside a
directory named by a `.pth` line are not run, so the editable install's import hook is not
installed there. The test checks that omniroute, functions and solver are imported from the
wheel, then starts `omniroute serve` from the venv's own script, outside the checkout.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import venv
from pathlib import Path

import pytest

from tests.sam_template import ROOT

START_SECONDS = 90
SCENARIO_FILE_READS = """
from omniroute.data import DEMO_SCENARIOS
from solver.scenarios.preparing import load_base
from solver.scenarios.reading import read_scenario_file
spec, errors = read_scenario_file(DEMO_SCENARIOS)
assert spec is not None and not errors, errors
base, errors = load_base(spec, DEMO_SCENARIOS)
assert base is not None and not errors, errors
"""
"""The demo scenario file ships in the wheel, with the dataset it names (`../demo`)."""


SOURCES = ("pyproject.toml", "README.md", "template.yaml", "solver", "functions", "omniroute")
SOURCES_LINKED = ("examples", "infra")
"""What the wheel is built from: the packages, and what omniroute's symlinks point to."""
LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")


def build_wheel(out: Path) -> Path:
    """Build from a copy of the sources (symlinks kept), so that no earlier `build/` folder
    in the checkout can put stale files into the wheel, and the checkout stays clean."""
    source = out / "source"
    source.mkdir()
    for name in SOURCES + SOURCES_LINKED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, symlinks=True, ignore=LEFT_OUT)
        else:
            shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        cwd=out,
    )
    (wheel,) = out.glob("omniroute-*.whl")
    return wheel


def fresh_venv(folder: Path, wheel: Path) -> Path:
    """A venv with the wheel installed and this environment's dependencies visible."""
    venv.EnvBuilder(with_pip=False).create(folder)
    python = folder / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "omniroute-test-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return python


class ServerOutput:
    """The lines a server prints, read as they come (a thread reads its stdout to the end), and
    the port it says it serves on: `omniroute serve --port 0` prints it once the API listens, so
    the test awaits that line instead of polling (and its own socket took the port, so no other
    process can)."""

    def __init__(self, server: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._port: queue.Queue[int | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, args=(server,), daemon=True)
        self._reader.start()

    def _read(self, server: subprocess.Popen[str]) -> None:
        assert server.stdout is not None
        said = False
        for line in server.stdout:
            self.lines.append(line)
            match = re.search(r"Omniroute API on http://127\.0\.0\.1:(\d+)", line)
            if match and not said:
                self._port.put(int(match.group(1)))
                said = True
        if not said:
            self._port.put(None)  # it ended without serving

    def port(self, seconds: float) -> int | None:
        return self._port.get(timeout=seconds)

    def text(self, seconds: float) -> str:
        """Everything printed, once the server has closed its stdout."""
        self._reader.join(seconds)
        return "".join(self.lines)


def get(port: int, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        method = "POST" if body is not None else "GET"
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.slow
def test_omniroute_serve_runs_from_a_wheel_with_its_demo(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    python = fresh_venv(tmp_path / "venv", wheel)
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import omniroute, functions, solver; "
            "print(omniroute.__file__, functions.__file__, solver.__file__)",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout.split()
    assert all(path.startswith(str(tmp_path / "venv")) for path in where), where
    scenarios = subprocess.run(
        [str(python), "-c", SCENARIO_FILE_READS],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert scenarios.returncode == 0, scenarios.stderr

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    server = subprocess.Popen(
        [
            str(tmp_path / "venv" / "bin" / "omniroute"),
            "serve",
            "--port",
            "0",
            "--workers",
            "1",
        ],
        cwd=tmp_path,
        env={**env, "POWERTOOLS_LOG_LEVEL": "ERROR"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    output = ServerOutput(server)
    try:
        port = output.port(START_SECONDS)
        assert port is not None, server.stderr.read() if server.stderr else "no output"
        status, page = get(port, "/docs")
        assert status == 200, status
        assert b"swagger" in page.lower()
        demo = Path(where[0]).parent / "data" / "demo" / "orders.jsonl"
        first = demo.read_text().splitlines()[0].encode()
        status, answer = get(port, "/v1/orders", first)
        assert status == 201, answer
        assert json.loads(answer)["order_id"] == json.loads(first)["order_id"]
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    assert server.returncode == 0, server.stderr.read() if server.stderr else ""
    assert f"Swagger UI: http://127.0.0.1:{port}/docs" in output.text(30)
