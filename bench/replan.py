"""Benchmark: re-planning orders that hold an allocation (spec §7), the solver side of issue 11.

Usage: python bench/replan.py [--orders 5000] [--stores 100] [--skus 2000] [--seed 11]
                              [--loose] [--picked 0.2] [--outage-seconds 180] [--seconds 300]
                              [--outage-work W] [--work W] [--penalties zero|default|both]
                              [--split-penalty P] [--only outage|reoptimisation|shipments]

The current allocation is the `myopic` plan: the orders routed one by one as they arrive.

(a) Outage drill. The warehouse holding the most reserved units goes offline; the orders with
    units there are re-planned (`solver.replan.replan`, the workflow's entry) on the live
    snapshot (what is left with every reservation taken, plus what they hold). The earliest
    `--picked` share of all orders are picked: every unit of theirs is locked. Reported: the
    re-plan's cost against its proven bound, locked units moved, what the checker finds over
    the whole network (every order: the re-planned ones and the others as they were), and
    where each affected unit went, with its reason; `myopic` (re-sourcing one order at a time)
    alongside.
(b) Scheduled re-optimisation. Every order re-planned together by `optimal` from its myopic
    allocation, with the move penalties at 0 and at their defaults, against `optimal` from
    scratch: the share of the myopic-to-optimal cost gap recovered, the share of the extra
    shipments (beyond one per order) removed, the orders moved; and whether any order moved for
    less than its penalty (see `moves_worth_their_penalty`). Extra shipments are also
    measured against what can be removed: the share of the extra shipments that `optimal` from
    scratch removes which the re-plan removes too (optimal itself scores 100 %).
(c) Extra shipments forced by stock (`--only shipments`, also printed first by a full run): of
    the myopic plan's extra shipments, how many no plan shipping the same units could avoid,
    because no fewer nodes hold those units (`stock_forced_extra`).

With `--work` / `--outage-work`, `optimal` runs on work budgets (`solver.deadline.Budget`):
the plans, costs and shares are then the same whatever the machine's load, and the seconds
are only a cap. Without them, `optimal` stops by the time limits given, so on a busy machine it
may stop with a larger gap (the load average is printed with each step). The dataset comes
from the current generator (regenerated under bench/data/ when missing); the from-scratch
plan of a given work budget is kept there too, so the two penalty settings can run apart.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
from machine import run_header

from solver.checker import check_plan, chosen_shipment
from solver.current_reading import read_current
from solver.deadline import Deadline
from solver.ledger import Ledger
from solver.loading import load_dataset
from solver.models import Order, OrderPlan, Plan
from solver.network import Dataset, Network
from solver.planning import plan_dataset
from solver.pricing import ChosenShipment, price_order
from solver.replan import ReplanRequest, replan
from solver.replan.commits import Resource, usage
from solver.replan.request import left_after

HERE = Path(__file__).parent


def load(args: argparse.Namespace) -> Dataset:
    from solver.generate import generate_dataset

    mode = "loose" if args.loose else "tight"
    folder = HERE / "data" / f"replan-{mode}-{args.orders}-{args.stores}-{args.skus}-{args.seed}"
    if not (folder / "orders.jsonl").exists():
        generate_dataset(
            folder,
            orders=args.orders,
            stores=args.stores,
            skus=args.skus,
            seed=args.seed,
            tight=not args.loose,
        )
    args.folder = str(folder)
    loaded = load_dataset(folder)
    assert loaded.dataset is not None, loaded.errors
    data = loaded.dataset
    if args.split_penalty is not None:
        settings = data.network.settings.model_copy(update={"split_penalty": args.split_penalty})
        data = Dataset(data.name, replace(data.network, settings=settings), data.orders)
    return data


def load_now() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def extra_shipments(plan: Plan) -> int:
    """Shipments beyond one per order."""
    return sum(max(0, len(o.shipments) - 1) for o in plan.orders)


def unfilled(plan: Plan) -> int:
    return sum(u.qty for o in plan.orders for u in o.unfilled)


def removed_share(extra: int, removable: int, plan: Plan) -> str:
    """Of the `removable` extra shipments (those optimal from scratch removes from the `extra`
    of the current allocation), the share this plan removes."""
    return f"{(extra - extra_shipments(plan)) / removable:.1%}" if removable > 0 else "—"


def fewest_nodes(stock: np.ndarray, need: np.ndarray, most: int) -> int:
    """The fewest rows of `stock` ([node, sku]) whose sum covers `need` ([sku]), trying sizes up
    to `min(most, 3)`; one more than that when none covers (then a lower bound on the fewest).
    Brute force over subsets of the nodes that hold any of it: a bench measure, sized for orders
    of a few lines."""
    holders = stock[(stock > 0).any(axis=1)]
    for size in range(1, min(most, 3) + 1):
        if size == 1:
            sums = holders
        elif size == 2:
            sums = (holders[:, None, :] + holders[None, :, :]).reshape(-1, len(need))
        else:
            sums = (
                holders[:, None, None, :] + holders[None, :, None, :] + holders[None, None, :, :]
            ).reshape(-1, len(need))
        if (sums >= need).all(axis=1).any():
            return size
    return min(most, 3) + 1


def stock_forced_extra(data: Dataset, plan: Plan) -> int:
    """Of `plan`'s extra shipments, how many stock alone forces: per order, the fewest nodes
    (active, serving its channel) whose stock, with no other order taking any, holds the units
    the plan ships it; each shipment beyond that number could go with a plan that ships the
    same units. A relaxation (it ignores capacity, methods, rates and the other orders), so
    `extra − forced` is an upper bound on the extra shipments any plan shipping the same units
    could remove."""
    network = data.network
    stock = network.available_stock()
    orders = {o.order_id: o for o in data.orders}
    forced = 0
    for order_plan in plan.orders:
        if len(order_plan.shipments) < 2:
            continue
        needed = Counter(
            line.sku
            for shipment in order_plan.shipments
            for line in shipment.lines
            for _ in range(line.qty)
        )
        skus = [network.sku_index[sku] for sku in needed]
        serving = network.serves_channel(orders[order_plan.order_id].channel)
        usable = stock[serving][:, skus]
        need = np.array(list(needed.values()))
        fewest = fewest_nodes(usable, need, len(order_plan.shipments))
        forced += min(fewest, len(order_plan.shipments)) - 1
    return forced


def shipments_forced_by_stock(data: Dataset, current_plan: Plan) -> None:
    extra = extra_shipments(current_plan)
    forced = stock_forced_extra(data, current_plan)
    split_orders = sum(len(o.shipments) > 1 for o in current_plan.orders)
    print(
        f"\n## extra shipments forced by stock\n\nmyopic: {split_orders:,} orders in more than one "
        f"shipment, {extra:,} extra shipments; {forced:,} of them ({forced / max(extra, 1):.1%}) "
        f"forced by stock (the units shipped are in no fewer nodes, with every other order's "
        f"stock free); at most {extra - forced:,} ({(extra - forced) / max(extra, 1):.1%}) could "
        "go in any plan that ships the same units."
    )


def optimal_from_scratch(data: Dataset, args: argparse.Namespace) -> tuple[Plan, float | None]:
    """`optimal` on the dataset with the run's budget, and its seconds (None: kept from an
    earlier run with the same work budget: under a work budget the plan is the same)."""
    from solver.planfile import read_plan, write_plan

    kept = None
    if args.work is not None:
        split = "" if args.split_penalty is None else f"-split-{args.split_penalty:g}"
        kept = Path(args.folder) / f"optimal-work-{args.work:g}{split}.json"
        if kept.exists():
            plan, problems = read_plan(kept)
            assert plan is not None, problems
            if not plan.time_limit_hit:
                return plan, None
    started = time.monotonic()
    plan = plan_dataset(data, "optimal", Deadline(args.seconds), work=args.work)
    if kept is not None:
        write_plan(plan, kept)
    return plan, time.monotonic() - started


def picked(data: Dataset, plan: Plan, share: float) -> list[OrderPlan]:
    """The plan with the earliest `share` of the orders picked: every unit locked."""
    by_time = sorted(range(len(data.orders)), key=lambda i: data.orders[i].created_at or "")
    first = {data.orders[i].order_id for i in by_time[: round(share * len(data.orders))]}
    out = []
    for p in plan.orders:
        if p.order_id in first:
            p = p.model_copy(
                update={
                    "shipments": tuple(
                        s.model_copy(
                            update={
                                "lines": tuple(
                                    pl.model_copy(update={"locked": pl.qty}) for pl in s.lines
                                )
                            }
                        )
                        for s in p.shipments
                    )
                }
            )
        out.append(p)
    return out


def without(network: Network, node_id: str) -> Network:
    nodes = tuple(
        n.model_copy(update={"active": False}) if n.node_id == node_id else n for n in network.nodes
    )
    return replace(network, nodes=nodes)


# --------------------------------------------------------------------------- (a) outage drill


def outage_drill(data: Dataset, current_plan: Plan, args: argparse.Namespace) -> None:
    plans = picked(data, current_plan, args.picked)
    held, problems = read_current(data.network, data.orders, plans)
    assert held is not None, problems
    units = Counter()
    for p in plans:
        for s in p.shipments:
            units[s.node_id] += sum(pl.qty for pl in s.lines)
    total_units = sum(units.values())
    warehouses = [n.node_id for n in data.network.nodes if n.kind == "warehouse"]
    target = max(warehouses, key=lambda n: units[n])
    scope_ids = {p.order_id for p in plans if any(s.node_id == target for s in p.shipments)}
    scope = [o for o in data.orders if o.order_id in scope_ids]
    scope_plans = [p for p in plans if p.order_id in scope_ids]
    locked_at_target = sum(
        pl.locked or 0
        for p in scope_plans
        for s in p.shipments
        if s.node_id == target
        for pl in s.lines
    )
    affected = sum(
        pl.qty - (pl.locked or 0)
        for p in scope_plans
        for s in p.shipments
        if s.node_id == target
        for pl in s.lines
    )
    left = left_after(data.network, data.orders, held)
    outage = without(data.network, target)
    print(
        f"\n## (a) outage drill: {target} goes offline\n\n"
        f"{target} holds {units[target]:,} of the {total_units:,} reserved units "
        f"({units[target] / total_units:.1%}), for {len(scope):,} orders; "
        f"{args.picked:.0%} of all orders are picked (locked): {locked_at_target:,} locked units "
        f"at {target}, {affected:,} units there to re-source.\n"
    )
    print(
        "| re-plan | cost | bound | gap | move cost | moved orders | units re-sourced | "
        "units backordered | locked units moved | checker (all orders) | seconds | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for strategy, seconds in (("optimal", args.outage_seconds), ("myopic", None)):
        started = time.monotonic()
        outcome = replan(
            ReplanRequest(
                outage,
                scope,
                scope_plans,
                left=left,
                strategy=strategy,
                seconds=seconds,
                work=args.outage_work if strategy == "optimal" else None,
            )
        )
        took = time.monotonic() - started
        assert outcome.result is not None, outcome.errors
        result = outcome.result
        whole = whole_network_plan(data, plans, result.plan)
        checked = check_plan(Dataset(data.name, outage.with_current(held), data.orders), whole)
        resourced, backordered = where_units_went(target, scope_plans, result)
        reasons = Counter(c.reason.code for c in result.orders if c.reason is not None)
        no_reason = sum(1 for c in result.orders if c.status == "moved" and c.reason is None)
        bound = result.bound
        gap = (
            ""
            if bound is None
            else f"{(result.plan.total_cost - bound) / result.plan.total_cost:.2%}"
        )
        print(
            f"| {strategy} | {result.plan.total_cost:,.2f} | "
            f"{'' if bound is None else f'{bound:,.2f}'} | {gap} | {result.plan.move_cost:,.2f} | "
            f"{sum(c.status == 'moved' for c in result.orders):,} | {resourced:,} | "
            f"{backordered:,} | {len(checked.of_rule('locked_moved'))} | "
            f"{'ok' if checked.ok else sorted(checked.rules)} | {took:.0f} | {load_now()} |"
        )
        print(
            f"<!-- {strategy}: reasons {dict(reasons)}, moved without a reason {no_reason}, "
            f"work {result.plan.work} (budget {args.outage_work if strategy == 'optimal' else '-'}"
            f"), time limit hit {result.plan.time_limit_hit}, notes {list(result.notes)} -->"
        )


def whole_network_plan(data: Dataset, plans: list[OrderPlan], replanned: Plan) -> Plan:
    """Every order of the dataset: the re-planned ones as re-planned, the others as they were
    (they move nothing, so their cost is the same on the re-planning network)."""
    new = {p.order_id: p for p in replanned.orders}
    orders = tuple(new.get(p.order_id, p) for p in plans)
    total = sum(p.breakdown.total for p in orders if p.breakdown is not None)
    return Plan(
        dataset=data.name,
        strategy="re-plan",
        total_cost=round(total, 2),
        orders=orders,
        move_cost=replanned.move_cost,
    )


def where_units_went(target: str, scope_plans: list[OrderPlan], result) -> tuple[int, int]:
    """Of the unlocked units held at `target`: how many ship from elsewhere now, how many are
    unfilled (backordered). Every moved order has a reason (checked above)."""
    resourced = backordered = 0
    after = {c.order_id: c.after for c in result.orders}
    for p in scope_plans:
        for s in p.shipments:
            if s.node_id != target:
                continue
            for pl in s.lines:
                gone = pl.qty - (pl.locked or 0)
                unfilled = sum(u.qty for u in after[p.order_id].unfilled if u.line_id == pl.line_id)
                left_unfilled = min(gone, unfilled)
                backordered += left_unfilled
                resourced += gone - left_unfilled
    return resourced, backordered


# --------------------------------------------------------------------------- (b) re-optimisation


def reoptimisation(data: Dataset, current_plan: Plan, args: argparse.Namespace) -> None:
    fresh, fresh_seconds = optimal_from_scratch(data, args)
    myopic_cost, optimal_cost = current_plan.total_cost, fresh.total_cost
    gap = myopic_cost - optimal_cost
    extra = extra_shipments(current_plan)
    removable = extra - extra_shipments(fresh)
    took_fresh = "kept from an earlier run" if fresh_seconds is None else f"{fresh_seconds:.0f} s"
    print(
        f"\n## (b) scheduled re-optimisation of all {len(data.orders):,} orders\n\n"
        f"myopic (the current allocation): {myopic_cost:,.2f}, {extra:,} extra shipments; "
        f"optimal from scratch (work {fresh.work}, time limit hit: {fresh.time_limit_hit}): "
        f"{optimal_cost:,.2f} (bound {fresh.bound or 0:,.2f}), "
        f"{unfilled(fresh):,} units unfilled (myopic {unfilled(current_plan):,}), "
        f"{extra_shipments(fresh):,} extra shipments (removes {(extra - extra_shipments(fresh)) / extra:.1%}"
        f" of the extra shipments: {removable:,} are removable), {took_fresh}, {load_now()}; "
        f"gap myopic − optimal {gap:,.2f}.\n"
    )
    print(
        "| move penalties | re-plan cost | of which moves | cost without moves | gap recovered "
        "(vs optimal) | (vs bound) | units unfilled | extra shipments | extra shipments removed "
        "| of the removable | orders moved "
        "| units moved | bound | work | time limit hit | seconds | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    best_bound = fresh.bound or 0.0
    held, problems = read_current(data.network, data.orders, current_plan.orders)
    assert held is not None, problems
    settings = {"zero": [("0 / 0", 0.0, 0.0)], "default": [("3.00 / 0.50 (default)", 3.0, 0.5)]}
    runs = (
        settings["zero"] + settings["default"]
        if args.penalties == "both"
        else settings[args.penalties]
    )
    for label, per_order, per_unit in runs:
        settings = data.network.settings.model_copy(
            update={"move_penalty_per_order": per_order, "move_penalty_per_unit": per_unit}
        )
        network = replace(data.network, settings=settings).with_current(held)
        replanning = Dataset(data.name, network, data.orders)
        started = time.monotonic()
        plan = plan_dataset(replanning, "optimal", Deadline(args.seconds), work=args.work)
        took = time.monotonic() - started
        assert check_plan(replanning, plan).ok
        moves = plan.move_cost or 0.0
        without_moves = plan.total_cost - moves
        moved = [p for p in plan.orders if p.moved_units]
        print(
            f"| {label} | {plan.total_cost:,.2f} | {moves:,.2f} | {without_moves:,.2f} | "
            f"{(myopic_cost - without_moves) / gap:.1%} | "
            f"{(myopic_cost - without_moves) / (myopic_cost - best_bound):.1%} | "
            f"{unfilled(plan):,} | {extra_shipments(plan):,} | "
            f"{(extra - extra_shipments(plan)) / extra:.1%} | "
            f"{removed_share(extra, removable, plan)} | {len(moved):,} | "
            f"{sum(p.moved_units or 0 for p in moved):,} | {plan.bound or 0:,.2f} | "
            f"{plan.work} | {plan.time_limit_hit} | {took:.0f} | {load_now()} |"
        )
        if per_order or per_unit:
            print("\n" + moves_worth_their_penalty(replanning, current_plan, plan) + "\n")


def moves_worth_their_penalty(data: Dataset, current: Plan, replanned: Plan) -> str:
    """Whether any order moved for less than its penalty.

    For a moved order whose current allocation still fits next to every other order's new plan,
    "worth it" means: putting it back alone would cost at least as much, i.e. its saving on the
    cost of §4 is at least its move penalty. An order that made room for others cannot go back
    alone (what it released is taken); so moves are grouped with the changes that took what they
    released (and those with the changes that took what they released, ...); each group goes
    back whole (it then takes back only what it released) and "worth it" means the group's
    saving is at least its penalties. Counted: moved orders, those that can go back alone and
    how many of them saved less than their penalty; groups of several changes and how many of
    them saved less than their penalties."""
    network = data.network
    orders = {o.order_id: o for o in data.orders}
    before = {p.order_id: p for p in current.orders}
    after = {p.order_id: p for p in replanned.orders}
    changed = [
        oid
        for oid in orders
        if _decision(network, orders[oid], before[oid])
        != _decision(network, orders[oid], after[oid])
    ]
    use_before = {
        oid: usage(network, orders[oid], _decision(network, orders[oid], before[oid]))
        for oid in changed
    }
    use_after = {
        oid: usage(network, orders[oid], _decision(network, orders[oid], after[oid]))
        for oid in changed
    }
    limits = _limits(network)
    used: Counter[Resource] = Counter()
    for oid, p in after.items():
        for r, a in usage(network, orders[oid], _decision(network, orders[oid], p)).items():
            used[r] += a

    def fits(back: list[str]) -> bool:
        trial = used.copy()
        for oid in back:
            for r, a in use_after[oid].items():
                trial[r] -= a
            for r, a in use_before[oid].items():
                trial[r] += a
        return all(trial[r] <= limits.get(r, float("inf")) for r in trial)

    def cost_change(back: list[str]) -> float:
        """Cost of putting `back` back (§4 of the current) less their cost now (with moves)."""
        total = 0.0
        for oid in back:
            kept = price_order(network, orders[oid], _decision(network, orders[oid], before[oid]))
            total += kept.breakdown.total - after[oid].breakdown.total
        return total

    moved = [oid for oid in changed if after[oid].moved_units]
    alone = [oid for oid in moved if fits([oid])]
    cheaper_alone = [oid for oid in alone if cost_change([oid]) < -1e-6]
    groups = _groups(changed, use_before, use_after)
    grouped = [g for g in groups if len(g) > 1 and any(after[o].moved_units for o in g)]
    cheaper_groups = [g for g in grouped if fits(g) and cost_change(g) < -1e-6]
    unfit = [g for g in grouped if not fits(g)]
    sizes = sorted((len(g) for g in grouped), reverse=True)
    return (
        f"No order moved for less than its penalty? {len(moved):,} orders moved; "
        f"{len(alone):,} of them could go back alone, and {len(cheaper_alone)} of those would be "
        f"cheaper back (moved for less than their penalty); the other {len(moved) - len(alone):,} "
        f"interact with other changes: {len(grouped):,} groups of several changes (sizes "
        f"{sizes[:5]}), {len(cheaper_groups)} cheaper put back whole, {len(unfit)} that could not "
        f"be put back whole."
    )


def _decision(network: Network, order: Order, plan: OrderPlan) -> tuple[ChosenShipment, ...]:
    return tuple(
        sorted(
            (chosen_shipment(network, order, s) for s in plan.shipments),
            key=lambda c: (c.node, c.key, sorted(c.units.items())),
        )
    )


def _limits(network: Network) -> dict[Resource, int]:
    from solver.network import UNLIMITED

    fresh = Ledger.fresh(network)
    out: dict[Resource, int] = {}
    for n, node in enumerate(network.nodes):
        for s, sku in enumerate(network.skus):
            out["stock", node.node_id, sku.sku] = int(fresh.stock[n, s])
        for kind, left in (("orders", fresh.orders_left), ("units", fresh.units_left),
                           ("same_day", fresh.same_day_left)):  # fmt: skip
            if left[n] < UNLIMITED // 2:
                out[kind, node.node_id, ""] = int(left[n])
    return out


def _groups(
    changed: list[str],
    use_before: dict[str, dict[Resource, int]],
    use_after: dict[str, dict[Resource, int]],
) -> list[list[str]]:
    """Changes joined when one takes more of a resource the other releases."""
    parent = {oid: oid for oid in changed}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    releasers: dict[Resource, list[str]] = {}
    takers: dict[Resource, list[str]] = {}
    for oid in changed:
        for r in set(use_before[oid]) | set(use_after[oid]):
            delta = use_after[oid].get(r, 0) - use_before[oid].get(r, 0)
            if delta < 0:
                releasers.setdefault(r, []).append(oid)
            elif delta > 0:
                takers.setdefault(r, []).append(oid)
    for r, gave in releasers.items():
        for a in gave:
            for b in takers.get(r, []):
                parent[root(a)] = root(b)
    found: dict[str, list[str]] = {}
    for oid in changed:
        found.setdefault(root(oid), []).append(oid)
    return list(found.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--loose", action="store_true")
    parser.add_argument("--picked", type=float, default=0.2)
    parser.add_argument("--outage-seconds", type=float, default=180.0)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--only", choices=["outage", "reoptimisation", "shipments"])
    parser.add_argument("--work", type=float, help="work budget of each re-optimisation run")
    parser.add_argument("--outage-work", type=float, help="work budget of the outage re-plan")
    parser.add_argument("--penalties", choices=["zero", "default", "both"], default="both")
    parser.add_argument(
        "--split-penalty",
        type=float,
        help="the dataset's split_penalty replaced by this one for every plan (a retailer that "
        "prices each extra shipment higher, as the shipment-count studies do)",
    )
    args = parser.parse_args()
    print(run_header())
    data = load(args)
    started = time.monotonic()
    current = plan_dataset(data, "myopic")
    print(
        f"\n{data.name}: {len(data.network.nodes)} nodes, {len(data.orders):,} orders; myopic "
        f"(the current allocation) {current.total_cost:,.2f} in {time.monotonic() - started:.0f} s"
        f", {load_now()}"
    )
    if args.only in (None, "shipments"):
        shipments_forced_by_stock(data, current)
    if args.only is None or args.only == "outage":
        outage_drill(data, current, args)
    if args.only is None or args.only == "reoptimisation":
        reoptimisation(data, current, args)


if __name__ == "__main__":
    main()
