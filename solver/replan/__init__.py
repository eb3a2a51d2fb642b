"""Re-planning orders that hold an allocation (spec §7), for the reallocation workflow.

`replan(ReplanRequest(...))` re-decides the orders in scope on a snapshot of the network (what
is left now plus what they hold), with their locks, the fences and the move penalties, and
returns the plan, per order what changed and why (`MoveReason`), the proven bound, and the
order to commit the changes in (`CommitPlan`). Pure: no AWS.
"""

from solver.replan.api import OrderChange, ReplanOutcome, ReplanResult, replan
from solver.replan.commits import CommitPlan, CommitStep, Resource, commit_plan
from solver.replan.reasons import CHOSEN, FORCED, MoveReason
from solver.replan.request import ReplanRequest, replan_network

__all__ = [
    "CHOSEN",
    "FORCED",
    "CommitPlan",
    "CommitStep",
    "MoveReason",
    "OrderChange",
    "ReplanOutcome",
    "ReplanRequest",
    "ReplanResult",
    "Resource",
    "commit_plan",
    "replan",
    "replan_network",
]
