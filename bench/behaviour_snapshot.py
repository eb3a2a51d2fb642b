"""Snapshot of what the solver does, to show a refactoring changed nothing: diff two snapshots.

Usage: python bench/behaviour_snapshot.py OUT_DIR

Writes into OUT_DIR, from the code on `sys.path`:
- `generated.sha256`: the checksum of every file `generate_dataset` writes, and its summary,
  for seven seeds and sizes with and without `tight` and `outage`;
- `plans/DATASET.STRATEGY.json`: the plans of `nearest`, `priority` and `myopic` (every field
  but `solve_seconds`) on examples/demo and six generated datasets (1k and 10k orders, tight
  and loose), which are generated into OUT_DIR/data first;
- `check.txt`: what `omniroute check` prints, and its exit code, for a valid plan and for
  plans broken in several ways.

To compare two commits, run it on each (e.g. the old one from `git archive OLD | tar -x -C
/tmp/old`, with `PYTHONPATH=/tmp/old`) and `diff -r` the two folders. Only modules that both
old and new layouts have are imported (`solver.generate`, `solver.loading`, `solver.planning`,
`solver.planfile`, `omniroute.cli`).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from machine import run_header
from typer.testing import CliRunner

import solver
from omniroute.cli import app
from solver.generate import generate_dataset
from solver.loading import load_dataset
from solver.planfile import plan_json
from solver.planning import plan_dataset

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo"
GENERATED: dict[str, dict[str, Any]] = {
    "s1-small": dict(orders=300, stores=20, skus=200, seed=1),
    "s1-small-tight-outage": dict(orders=300, stores=20, skus=200, seed=1, tight=True, outage=True),
    "s2-1k-tight": dict(orders=1000, stores=100, skus=2000, seed=2, tight=True),
    "s3-1k-outage": dict(orders=1000, stores=100, skus=2000, seed=3, outage=True),
    "s7-2k-tight-outage": dict(orders=2000, stores=60, skus=800, seed=7, tight=True, outage=True),
    "s11-1k-bench-tight": dict(orders=1000, stores=30, skus=500, seed=11, tight=True),
    "s5-tiny": dict(orders=1, stores=1, skus=1, seed=5),
}
PLANNED: dict[str, dict[str, Any]] = {
    "b1k-tight": dict(orders=1000, stores=100, skus=2000, seed=1, tight=True),
    "b1k-loose": dict(orders=1000, stores=100, skus=2000, seed=1),
    "tight-1000": dict(orders=1000, stores=30, skus=500, seed=11, tight=True),
    "loose-1000": dict(orders=1000, stores=30, skus=500, seed=11),
    "tight-10000": dict(orders=10000, stores=100, skus=2000, seed=11, tight=True),
    "loose-10000": dict(orders=10000, stores=100, skus=2000, seed=11),
}
STRATEGIES = ("nearest", "priority", "myopic")


def checksums(out: Path) -> None:
    lines = []
    for name, options in GENERATED.items():
        folder = out / "generated" / name
        summary = generate_dataset(folder, **options)
        lines.append(f"{name} summary {summary!r}".replace(str(folder), "<dir>"))
        for path in sorted(folder.iterdir()):
            lines.append(f"{name}/{path.name} {hashlib.sha256(path.read_bytes()).hexdigest()}")
    (out / "generated.sha256").write_text("\n".join(lines) + "\n")


def plans(out: Path) -> None:
    (out / "plans").mkdir(exist_ok=True)
    folders = [DEMO]
    for name, options in PLANNED.items():
        generate_dataset(out / "data" / name, **options)
        folders.append(out / "data" / name)
    print("| dataset | strategy | total_cost | seconds |")
    print("|---|---|---|---|")
    for folder in folders:
        loaded = load_dataset(folder)
        assert loaded.dataset is not None, loaded.errors
        for strategy in STRATEGIES:
            started = time.monotonic()
            plan = plan_dataset(loaded.dataset, strategy)
            data = json.loads(plan_json(plan))
            data.pop("solve_seconds")
            target = out / "plans" / f"{folder.name}.{strategy}.json"
            target.write_text(json.dumps(data, indent=1))
            seconds = time.monotonic() - started
            print(f"| {folder.name} | {strategy} | {plan.total_cost:,.2f} | {seconds:.1f} |")


def check_texts(out: Path) -> None:
    """The `check` command on a valid demo plan, a demo plan broken five ways, and a tight plan
    that takes three more units on each line of 40 orders (stock and capacity overrun)."""
    work = out / "check"
    work.mkdir(exist_ok=True)
    demo = load_dataset(DEMO).dataset
    assert demo is not None
    good = work / "demo.myopic.json"
    good.write_text(plan_json(plan_dataset(demo, "myopic")))
    broken = json.loads(good.read_text())
    broken["total_cost"] += 1
    orders = broken["orders"]
    orders[0]["shipments"][0]["carrier_cost"] = 0.0
    orders[1]["shipments"][0]["eta_days"] = 0
    orders[2]["unfilled"] = []
    orders[3]["shipments"][0]["node_id"] = "NOPE"
    orders[4]["shipments"][0]["method"] = "same_day"
    del orders[5]
    bad = work / "demo.broken.json"
    bad.write_text(json.dumps(broken))
    tight_folder = out / "data" / "b1k-tight"
    tight = load_dataset(tight_folder).dataset
    assert tight is not None
    overrun = json.loads(plan_json(plan_dataset(tight, "nearest")))
    for order_plan in overrun["orders"][:40]:
        for shipment in order_plan["shipments"]:
            for line in shipment["lines"]:
                line["qty"] += 3
    over = work / "b1k-tight.overrun.json"
    over.write_text(json.dumps(overrun))
    runner = CliRunner()
    texts = []
    for label, folder, path in (
        ("valid", DEMO, good),
        ("broken", DEMO, bad),
        ("over stock", tight_folder, over),
    ):
        result = runner.invoke(app, ["check", str(folder), str(path)])
        texts.append(f"== {label}: exit {result.exit_code}\n{result.output}")
    (out / "check.txt").write_text("\n".join(texts).replace(str(out), "<out>"))


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    print(run_header())
    print(f"# solver from {Path(solver.__file__).parent}")
    checksums(out)
    plans(out)
    check_texts(out)


if __name__ == "__main__":
    main()
