"""What a finished scenario hands to the comparison and the report: small, picklable, no plans.

The plans themselves are written to files by whoever runs the scenario; this keeps the KPIs,
the time each batch took, where the nodes are and a map-sized summary of the flows.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.kpis import Kpis
from solver.scenarios.flows import Flow, plan_flows
from solver.scenarios.running import ScenarioRun


@dataclass(frozen=True)
class BatchStat:
    day: str
    orders: int
    seconds: float
    total_cost: float
    notes: tuple[str, ...]


@dataclass(frozen=True)
class NodeSpot:
    node_id: str
    kind: str
    lat: float
    lon: float
    active: bool


@dataclass(frozen=True)
class ScenarioOutcome:
    name: str
    strategy: str
    description: str
    kpis: Kpis
    batches: tuple[BatchStat, ...]
    nodes: tuple[NodeSpot, ...]
    flows: tuple[Flow, ...]

    @property
    def seconds(self) -> float:
        return sum(b.seconds for b in self.batches)


def summarise(run: ScenarioRun, description: str) -> ScenarioOutcome:
    network = run.dataset.network
    return ScenarioOutcome(
        name=run.name,
        strategy=run.strategy,
        description=description,
        kpis=run.kpis,
        batches=tuple(
            BatchStat(b.day, b.orders, b.seconds, b.total_cost, b.plan.notes) for b in run.batches
        ),
        nodes=tuple(NodeSpot(n.node_id, n.kind, n.lat, n.lon, n.active) for n in network.nodes),
        flows=tuple(plan_flows(network, run.dataset.orders, run.plans)),
    )
