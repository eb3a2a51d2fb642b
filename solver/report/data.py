"""What the report shows, as plain numbers: one function per view, from the scenarios' outcomes.

This is the report's data contract. `charts.py` draws exactly these rows (one Bokeh data
source per view, named `<view>` in the page), nothing else computes a figure for the page, and
the browser test reads the sources back and compares them with `kpis.json`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from solver.kpis import NodeLoad
from solver.scenarios.flows import Flow
from solver.scenarios.outcome import ScenarioOutcome

COST_PARTS: tuple[tuple[str, str], ...] = (
    ("carrier_cost", "carrier"),
    ("handling_cost", "handling"),
    ("dropship_cost", "dropship fees"),
    ("split_cost", "split penalty"),
    ("late_cost", "late penalty"),
    ("unfilled_cost", "unfilled penalty"),
)
"""(Kpis field, label) of each part of a plan's cost (spec §3–§4), in stacking order."""
BAR_PARTS: tuple[tuple[str, str], ...] = (*COST_PARTS, ("move_cost", "move penalty"))
"""What the cost chart stacks: the parts of §4 and, last, a re-plan's move penalties (§7: part
of its cost; 0 for a plan that re-plans nothing), so every bar ends at the cost per order."""

BUSIEST_NODES = 8
"""Nodes named per scenario in the utilisation view: that many of its most loaded."""
MAP_FLOWS = 1500
"""Most flows drawn on one map: the biggest by units (a 20k-order run has ~10k)."""


def _per_order(value: float, orders: int) -> float:
    return value / orders if orders else 0.0


@dataclass(frozen=True)
class CostRow:
    """One scenario's cost per order, by part, and what its bound proves."""

    scenario: str
    orders: int
    total_cost: float
    parts: dict[str, float]
    """Cost per order of each `BAR_PARTS` field."""
    bound: float | None
    """The plan's proven lower bound on the optimal total cost (spec §6), when known."""

    @property
    def per_order(self) -> float:
        return _per_order(self.total_cost, self.orders)

    @property
    def bound_per_order(self) -> float | None:
        return None if self.bound is None else _per_order(self.bound, self.orders)


def cost_rows(outcomes: Sequence[ScenarioOutcome]) -> list[CostRow]:
    return [
        CostRow(
            scenario=o.name,
            orders=o.kpis.orders,
            total_cost=o.kpis.total_cost,
            parts={f: _per_order(getattr(o.kpis, f) or 0.0, o.kpis.orders) for f, _ in BAR_PARTS},
            bound=o.kpis.bound,
        )
        for o in outcomes
    ]


def busiest_nodes(outcome: ScenarioOutcome, count: int = BUSIEST_NODES) -> list[NodeLoad]:
    """The `count` capacity-limited nodes with the highest utilisation, busiest first (ties:
    more units first, then by id). Nodes that shipped nothing are left out."""
    loaded = [x for x in outcome.kpis.node_loads if x.utilisation is not None and x.shipments]
    loaded.sort(key=lambda x: (-(x.utilisation or 0.0), -x.units, x.node_id))
    return loaded[:count]


@dataclass(frozen=True)
class UtilisationCell:
    """One node in one scenario: its load against its daily limits over the run."""

    scenario: str
    node_id: str
    kind: str
    utilisation: float | None
    """The tighter of orders and units against their limits; None when unlimited or closed."""
    shipments: int
    max_orders: int | None
    units: int
    max_units: int | None
    active: bool


def utilisation_grid(
    outcomes: Sequence[ScenarioOutcome], count: int = BUSIEST_NODES
) -> tuple[list[str], list[UtilisationCell]]:
    """Rows (node ids) and cells of the utilisation view.

    The rows are every node among the `count` busiest of at least one scenario, the node
    busiest in any scenario first; each row has a cell for every scenario, so a node that is
    busy in one scenario can be read in all the others."""
    peak: dict[str, float] = {}
    for outcome in outcomes:
        for load in busiest_nodes(outcome, count):
            peak[load.node_id] = max(peak.get(load.node_id, 0.0), load.utilisation or 0.0)
    rows = sorted(peak, key=lambda node: (-peak[node], node))
    cells = []
    for outcome in outcomes:
        active = {n.node_id: n.active for n in outcome.nodes}
        loads = {x.node_id: x for x in outcome.kpis.node_loads}
        for node in rows:
            found = loads.get(node)
            if found is None:  # not in this scenario's network
                continue
            cells.append(
                UtilisationCell(
                    scenario=outcome.name,
                    node_id=node,
                    kind=found.kind,
                    utilisation=found.utilisation,
                    shipments=found.shipments,
                    max_orders=found.max_orders_per_day,
                    units=found.units,
                    max_units=found.max_units_per_day,
                    active=active.get(node, True),
                )
            )
    return rows, cells


@dataclass(frozen=True)
class MapFlows:
    """The flows one map draws, and how much of the scenario's flow they are."""

    flows: tuple[Flow, ...]
    """The biggest flows by units (ties by node, then destination), at most `MAP_FLOWS`."""
    total: int
    """Flows in the scenario."""
    units_shown: int
    units_total: int


def map_flows(outcome: ScenarioOutcome, limit: int = MAP_FLOWS) -> MapFlows:
    ranked = sorted(outcome.flows, key=lambda f: (-f.units, f.node_id, f.to_lat, f.to_lon))
    shown = tuple(ranked[:limit])
    return MapFlows(
        flows=shown,
        total=len(ranked),
        units_shown=sum(f.units for f in shown),
        units_total=sum(f.units for f in ranked),
    )


def flow_width(units: int, biggest: int) -> float:
    """Line width in pixels of a flow: its area grows with its units (0.5 px to 6 px)."""
    return 0.5 + 5.5 * math.sqrt(units / biggest) if biggest else 0.5


def node_size(units: int, biggest: int) -> float:
    """Marker diameter in pixels of a node: its area grows with the units it shipped."""
    return 6.0 + 22.0 * math.sqrt(units / biggest) if biggest else 6.0
