"""How generated datasets fill: units shipped and unfilled, and the unfilled penalty's share of
the cost, for every strategy (docs/calibration.md has the results).

Usage: python bench/calibration.py [DATASET ...] [--orders 200 --stores 30 --skus 150]
                                   [--seeds 7] [--modes loose,tight] [--time-limit S]

Each DATASET folder is planned as it is; otherwise a dataset is generated per seed and mode
(`omniroute dataset generate` with those sizes, `--tight` for tight) into a temporary folder.
Every strategy plans the whole day at once; without `--time-limit` each runs to its own
stopping rules. One markdown row per dataset and strategy.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from machine import run_header

from solver.deadline import Deadline
from solver.generate import generate_dataset
from solver.kpis import plan_kpis
from solver.loading import load_dataset
from solver.planning import plan_dataset

STRATEGIES = ("nearest", "priority", "myopic", "optimal")


def rows(name: str, folder: Path, time_limit: float | None) -> list[str]:
    loaded = load_dataset(folder)
    assert loaded.dataset is not None, loaded.errors
    dataset = loaded.dataset
    out = []
    for strategy in STRATEGIES:
        k = plan_kpis(dataset, plan_dataset(dataset, strategy, Deadline(time_limit)))
        out.append(
            f"| {name} | {strategy} | {k.total_cost:,.2f} | {k.units_shipped:,} of "
            f"{k.units_ordered:,} | {k.unfilled_units:,} ({100 * k.unfilled_share:.1f} %) | "
            f"{100 * k.unfilled_cost / k.total_cost:.0f} % | {k.nodes_at_capacity} |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("datasets", nargs="*", type=Path)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--stores", type=int, default=30)
    parser.add_argument("--skus", type=int, default=150)
    parser.add_argument("--seeds", default="7")
    parser.add_argument("--modes", default="loose,tight")
    parser.add_argument("--time-limit", type=float, default=None)
    args = parser.parse_args()
    print(run_header())
    print(
        "| dataset | strategy | total cost | units shipped | unfilled | unfilled penalty "
        "/ cost | nodes at capacity |"
    )
    print("|---|---|---|---|---|---|---|")
    for folder in args.datasets:
        print("\n".join(rows(str(folder), folder, args.time_limit)), flush=True)
    if args.datasets:
        return
    sizes = {"orders": args.orders, "stores": args.stores, "skus": args.skus}
    with tempfile.TemporaryDirectory() as scratch:
        for seed in (int(s) for s in args.seeds.split(",")):
            for mode in args.modes.split(","):
                folder = Path(scratch) / f"{mode}-{seed}"
                generate_dataset(folder, seed=seed, tight=mode == "tight", **sizes)
                name = f"{args.orders:,} orders, {mode}, seed {seed}"
                print("\n".join(rows(name, folder, args.time_limit)), flush=True)


if __name__ == "__main__":
    main()
