"""Reallocation: re-deciding open orders together when the network changes (spec §7,
docs/reallocation.md).

- `triggers.py`   what starts one (typed; each names its execution)
- `signals.py`    the changes the other use cases put on the event bus
- `launch.py`     starting the state machine for a trigger; reading a run
- `scope.py`      which open orders a trigger concerns
- `snapshot.py`   what a chunk is re-planned on, read right before
- `replanning.py` the re-plan by `solver.replan` (optimal under §7)
- `committing.py` committing it order by order (cycles together), guarded by versions
- `publishing.py` one `OrderReallocated` event per changed order
- `reporting.py`  the report of a run
- `work.py`       the state machine's tasks (infra/reallocation-state-machine.asl.json)
"""
