"""Omniroute's fulfilment solver: from which node, by which method, should each unit go.

A pure core (no AWS, no HTTP): every function here is a function of its inputs. The model it
implements is `spec/fulfilment-model.md`. A planner's notebook needs only this package:

    from solver import load_dataset, plan_dataset, check_plan, plan_kpis

    dataset = load_dataset("examples/demo").dataset    # None, with `.errors`, if the files are bad
    plan = plan_dataset(dataset, "optimal")             # or "myopic", "nearest", "priority"
    assert check_plan(dataset, plan).ok                 # every rule of spec §3-§6, costs recomputed
    print(plan_kpis(dataset, plan).as_dict())

Where things are:

- `models.py`         pydantic models of the records, orders, settings and plans (the edges)
- `network.py`        the network indexed into arrays (`Network`), a `Dataset` to plan
- `loading/`          dataset folders read and checked, every error named by file, row, column
- `pricing.py`        the one place shipments and orders are priced (spec §3, §4)
- `ledger.py`         stock and capacity left while planning (spec §5.1, §5.2)
- `order_solver.py`   the exact cheapest plan of one order (the API's and `myopic`'s path);
  `order_problem.py` its items, candidate nodes and prices, `order_mip.py` its exact MIP,
  `order_contents.py` the contents it enumerates, `order_current.py` the same for an order
  that already holds an allocation (spec §7: locks, fences, move penalties)
- `current.py`        a current allocation re-planned against (spec §7); `current_reading.py`
  reads one and names every mismatch with its dataset; `resourcing.py` re-sources orders one
  at a time the way an OMS does (`myopic` when re-planning)
- `strategies/`       batch strategies: `nearest`, `priority`, `myopic`, `optimal`
- `planning.py`       plan a dataset with a named strategy into a plan file (spec §6)
- `checker.py`        every rule a plan breaks, as data; `kpis.py` a plan's key figures
- `planfile.py`       plan files read and written
- `replan/`           the reallocation workflow's entry: `solver.replan.replan(ReplanRequest)`,
  why each order moved, in which order to commit the moves
- `scenarios/`        what-if scenarios: read, apply changes, run, compare
- `report/`           the what-if report (charts, one HTML page)
- `generate/`         realistic synthetic datasets; `geography.py` the US they cover

The names below are imported on first use, so `import solver` stays cheap (a Lambda that needs
one order's plan does not load the strategies or OR-Tools).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: `import solver` need not import typing
if TYPE_CHECKING:
    from typing import Any

    from solver.checker import CheckResult, Violation, check_plan
    from solver.current_reading import read_current
    from solver.deadline import Deadline
    from solver.generate import generate_dataset
    from solver.kpis import Kpis, plan_kpis
    from solver.ledger import Ledger
    from solver.loading import LoadError, LoadResult, load_dataset
    from solver.models import (
        CostBreakdown,
        Customer,
        Fence,
        Node,
        Order,
        OrderLine,
        OrderPlan,
        Plan,
        PlanLine,
        Settings,
        Shipment,
        Sku,
        StockRow,
    )
    from solver.network import Dataset, Network
    from solver.order_solver import solve_order
    from solver.planfile import read_plan, write_plan
    from solver.planning import plan_dataset
    from solver.replan import ReplanRequest

PUBLIC_API: dict[str, str] = {
    "load_dataset": "solver.loading",
    "LoadResult": "solver.loading",
    "LoadError": "solver.loading",
    "plan_dataset": "solver.planning",
    "check_plan": "solver.checker",
    "CheckResult": "solver.checker",
    "Violation": "solver.checker",
    "plan_kpis": "solver.kpis",
    "Kpis": "solver.kpis",
    "read_plan": "solver.planfile",
    "write_plan": "solver.planfile",
    "solve_order": "solver.order_solver",
    "Ledger": "solver.ledger",
    "Deadline": "solver.deadline",
    "generate_dataset": "solver.generate",
    "Dataset": "solver.network",
    "Network": "solver.network",
    "Order": "solver.models",
    "OrderLine": "solver.models",
    "Customer": "solver.models",
    "Plan": "solver.models",
    "OrderPlan": "solver.models",
    "Shipment": "solver.models",
    "PlanLine": "solver.models",
    "CostBreakdown": "solver.models",
    "Node": "solver.models",
    "Sku": "solver.models",
    "StockRow": "solver.models",
    "Settings": "solver.models",
    "Fence": "solver.models",
    "read_current": "solver.current_reading",
    "ReplanRequest": "solver.replan",
}
"""Each public name and the module it lives in."""

__all__ = [
    "CheckResult",
    "CostBreakdown",
    "Customer",
    "Dataset",
    "Deadline",
    "Fence",
    "Kpis",
    "Ledger",
    "LoadError",
    "LoadResult",
    "Network",
    "Node",
    "Order",
    "OrderLine",
    "OrderPlan",
    "Plan",
    "PlanLine",
    "ReplanRequest",
    "Settings",
    "Shipment",
    "Sku",
    "StockRow",
    "Violation",
    "check_plan",
    "generate_dataset",
    "load_dataset",
    "plan_dataset",
    "plan_kpis",
    "read_current",
    "read_plan",
    "solve_order",
    "write_plan",
]

if not TYPE_CHECKING:  # for mypy the imports above define the names; a typo stays an error

    def __getattr__(name: str) -> Any:
        """Import a public name from its module on first use (PEP 562)."""
        home = PUBLIC_API.get(name)
        if home is None:
            raise AttributeError(f"module 'solver' has no attribute {name!r}")
        from importlib import import_module

        value = getattr(import_module(home), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
