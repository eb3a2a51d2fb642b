"""The demo dataset and the demo scenario file, shipped inside the package so that `omniroute
serve` (and `omniroute whatif`) find them in any install, a wheel included.

The files themselves are the repository's `examples/demo/` and `examples/scenarios/`: this
folder holds symlinks to them (a wheel holds copies). Change the demo there.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent
DEMO_DATASET = DATA / "demo"
DEMO_SCENARIOS = DATA / "scenarios" / "demo.yaml"
