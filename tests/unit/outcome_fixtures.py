"""Hand-made scenario outcomes for the report's and the tables' tests (every figure chosen
so a reader can check it):

    scenario  orders  total   bound  node loads (utilisation, shipments, units)
    base      4       40.00   38.00  W1 50 % (5, 10), S1 90 % (9, 9), S2 unlimited (3, 3),
                                     S3 0 % (0, 0)
    close     4       48.00   —      W1 closed (0, 0), S1 100 % (10, 12), S2 20 % (2, 2)
"""

from __future__ import annotations

from typing import Any

from solver.kpis import Kpis, NodeLoad
from solver.scenarios.outcome import NodeSpot, ScenarioOutcome


def load(node_id: str, utilisation: float | None, shipments: int, units: int) -> NodeLoad:
    limit = None if utilisation is None else 10
    return NodeLoad(
        node_id=node_id,
        kind="warehouse" if node_id.startswith("W") else "store",
        shipments=shipments,
        units=units,
        max_orders_per_day=limit,
        max_units_per_day=None,
        orders_utilisation=utilisation,
        units_utilisation=None,
        utilisation=utilisation,
    )


def kpis(total: float, bound: float | None, loads: tuple[NodeLoad, ...]) -> Kpis:
    fields: dict[str, Any] = {name: 0 for name in Kpis.model_fields}
    fields.update(
        dataset="d",
        strategy="optimal",
        orders=4,
        total_cost=total,
        carrier_cost=total - 12.0,
        handling_cost=8.0,
        unfilled_cost=4.0,
        units_by_method={"parcel": 0.7, "same_day": 0.1, "pickup": 0.1, "transfer": 0.1},
        units_by_node_kind={"warehouse": 0.5, "store": 0.5, "dark_store": 0.0, "vendor": 0.0},
        utilisation_mean=None,
        utilisation_max=None,
        node_loads=loads,
        bound=bound,
        gap=None,
        solve_seconds=None,
    )
    return Kpis(**fields)


def outcome(name: str, kpis: Kpis, closed: frozenset[str] = frozenset(), flows=()) -> Any:
    nodes = tuple(
        NodeSpot(x.node_id, x.kind, 40.0, -74.0, x.node_id not in closed) for x in kpis.node_loads
    )
    return ScenarioOutcome(name, "optimal", "", kpis, (), nodes, tuple(flows))


BASE = outcome(
    "base",
    kpis(
        40.0,
        38.0,
        (
            load("W1", 0.5, 5, 10),
            load("S1", 0.9, 9, 9),
            load("S2", None, 3, 3),
            load("S3", 0.0, 0, 0),
        ),
    ),
)
CLOSE = outcome(
    "close",
    kpis(48.0, None, (load("W1", None, 0, 0), load("S1", 1.0, 10, 12), load("S2", 0.2, 2, 2))),
    closed=frozenset({"W1"}),
)
