"""The `omniroute` command line: generate datasets, plan batches, check plans, run the API
locally, load a dataset into a deployed stack."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from solver.deadline import Deadline
from solver.files import write_text_atomic
from solver.loading import load_dataset
from solver.network import Dataset

if TYPE_CHECKING:
    from solver.generate import GenerationSummary

app = typer.Typer(
    help="Omniroute: from which node, by which method, should each unit go.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
dataset_app = typer.Typer(help="Build datasets.", no_args_is_help=True)
app.add_typer(dataset_app, name="dataset")
console = Console()
errors = Console(stderr=True)

STRATEGY_NAMES = ("optimal", "myopic", "nearest", "priority")
WRITE_MARGIN_SECONDS = 1.0
WRITE_SECONDS_PER_ORDER = 4e-5
"""Time kept back from the solver for pricing and writing the plan (a generous allowance)."""
READ_SECONDS_PER_ORDER = 3e-5
"""Time the default work budget leaves for reading the dataset (100k orders: about 2 s). A
nominal figure, not the time reading took, so the budget is the same on every run."""


PlainOption = Annotated[
    bool | None,
    typer.Option(
        "--plain/--rich",
        help="Tables in plain text (no colour, no box drawing): for logs. "
        "Default: plain when the output is not a terminal.",
    ),
]


def _plain(asked: bool | None) -> bool:
    """Plain tables when asked, or by default when the output goes to a file or a pipe."""
    return not console.is_terminal if asked is None else asked


def _load(dataset: Path, orders: Path | None, current: Path | None = None) -> Dataset:

    result = load_dataset(dataset, orders)
    if result.dataset is None:
        errors.print(
            f"[bold red]{len(result.errors)} problem(s) in {dataset}; nothing planned[/] "
            "(positions are each file's own line numbers; a CSV's header is line 1):"
        )
        for err in result.errors:
            errors.print(f"  - {err}", markup=False, highlight=False)
        raise typer.Exit(code=2)
    if current is None:
        return result.dataset
    return _with_current(result.dataset, current)


def _with_current(data: Dataset, current: Path) -> Dataset:
    """The dataset re-planning against CURRENT.json (spec §7), or exit 2 naming every problem."""
    from solver.current_reading import read_current_file

    allocation, problems = read_current_file(current, data)
    if allocation is None:
        errors.print(
            f"[bold red]{len(problems)} problem(s) in {current}; it does not match {data.name}:[/]",
            soft_wrap=True,
        )
        for problem in problems:
            errors.print(f"  - {problem}", markup=False, highlight=False)
        raise typer.Exit(code=2)
    return Dataset(data.name, data.network.with_current(allocation), data.orders)


@app.command()
def plan(
    dataset: Annotated[Path, typer.Argument(help="Dataset folder (spec §1).")],
    strategy: Annotated[
        str, typer.Option("--strategy", "-s", help=f"One of: {', '.join(STRATEGY_NAMES)}.")
    ] = "optimal",
    orders: Annotated[
        Path | None, typer.Option(help="Orders file (JSONL); default DATASET/orders.jsonl.")
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(help="Seconds for the whole command, reading and writing included."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the plan (spec §6) here.")] = None,
    kpis_out: Annotated[Path | None, typer.Option(help="Write the KPIs as JSON here.")] = None,
    work: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            help="Search effort in work units (each about a second of the reference machine). "
            "The same data and work give the same plan on any machine. Default: 85 % of the "
            "time limit left after reading and writing; none without a time limit.",
        ),
    ] = None,
    current: Annotated[
        Path | None,
        typer.Option(
            "--current",
            metavar="CURRENT.json",
            help="Re-plan against this current allocation (spec §7): a plan file whose lines may "
            "carry `locked` units, with optional `fences`; moves are priced.",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress display.")] = False,
    plain: PlainOption = None,
) -> None:
    """Plan every order of DATASET and print its KPIs."""
    deadline = Deadline(time_limit)
    if strategy not in STRATEGY_NAMES:
        errors.print(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGY_NAMES)}")
        raise typer.Exit(code=2)
    from solver.planning import REPLAN_STRATEGIES

    if current is not None and strategy not in REPLAN_STRATEGIES:
        errors.print(
            f"{strategy} cannot re-plan (--current): choose one of {', '.join(REPLAN_STRATEGIES)}"
        )
        raise typer.Exit(code=2)
    if time_limit is not None and time_limit <= 0:
        errors.print("--time-limit must be a positive number of seconds")
        raise typer.Exit(code=2)
    from omniroute.progress_display import ProgressBoard
    from omniroute.tables import kpi_table
    from solver.kpis import plan_kpis
    from solver.planfile import write_plan
    from solver.planning import plan_dataset, search_work
    from solver.strategies.optimal import TIME_LIMIT_NOTE

    data = _load(dataset, orders, current)
    n = len(data.orders)
    reserve = WRITE_MARGIN_SECONDS + WRITE_SECONDS_PER_ORDER * n
    solve_deadline = Deadline(None if time_limit is None else max(0.5, deadline.left() - reserve))
    if work is None and time_limit is not None:
        work = search_work(max(0.5, time_limit - reserve - READ_SECONDS_PER_ORDER * n), n)
    title = f"{strategy} on {data.name}"
    with ProgressBoard(errors, [data.name], time_limit, title=title, quiet=quiet) as board:
        result = plan_dataset(data, strategy, solve_deadline, board.listener(data.name), work)
        board.update(data.name, finished=True, headline=None if strategy == "optimal" else "done")
    if out is not None:
        write_plan(result, out)
    kpis = plan_kpis(data, result)
    if kpis_out is not None:
        write_text_atomic(kpis_out, json.dumps(kpis.as_dict(), indent=1) + "\n")
    console.print(kpi_table(kpis, _plain(plain)))
    for note in result.notes:
        if note != TIME_LIMIT_NOTE:
            console.print(f"[dim]note: {note}[/]", highlight=False)
    if result.time_limit_hit:
        console.print(
            "[yellow]The time limit stopped the search before its work budget was spent, so "
            "another run may give a different plan. For a repeatable plan, allow more time or "
            "less --work.[/]"
        )
    console.print(
        f"[dim]{strategy} on {data.name}: {len(data.orders):,} orders in "
        f"{deadline.elapsed():.1f} s" + (f"; plan written to {out}" if out else "") + "[/]"
    )


@app.command()
def check(
    dataset: Annotated[Path, typer.Argument(help="Dataset folder the plan was made for.")],
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN.json", help="Plan to check.")],
    orders: Annotated[Path | None, typer.Option(help="Orders file, if not the default.")] = None,
    current: Annotated[
        Path | None,
        typer.Option(
            "--current",
            metavar="CURRENT.json",
            help="Check a re-plan against its current allocation (spec §7): locks, pickup "
            "stores, fences, moved units and move cost.",
        ),
    ] = None,
) -> None:
    """Recompute every cost of a plan and list every rule it breaks (exit 1 if any)."""
    from omniroute.check_report import check_report_text
    from solver.checker import check_plan
    from solver.planfile import read_plan

    data = _load(dataset, orders, current)
    plan_read, problems = read_plan(plan_file)
    if plan_read is None:
        errors.print(f"[bold red]cannot read {plan_file}:[/]")
        for problem in problems:
            errors.print(f"  - {problem}", markup=False, highlight=False)
        raise typer.Exit(code=2)
    result = check_plan(data, plan_read)
    console.print(check_report_text(result), markup=False, highlight=False)
    raise typer.Exit(code=0 if result.ok else 1)


@dataset_app.command("generate")
def generate(
    out_dir: Annotated[Path, typer.Argument(metavar="DIR", help="Folder to write.")],
    orders: Annotated[int, typer.Option(min=1, help="Number of orders.")] = 1000,
    stores: Annotated[int, typer.Option(min=1, help="Number of stores.")] = 50,
    skus: Annotated[int, typer.Option(min=1, help="Number of SKUs.")] = 500,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 1,
    tight: Annotated[bool, typer.Option(help="Scarce stock and capacity.")] = False,
    outage: Annotated[bool, typer.Option(help="A warehouse and some stores inactive.")] = False,
) -> None:
    """Generate a dataset on real US geography (ZIP-code centroids shipped with `zipcodes`)."""
    from solver.generate import generate_dataset

    started = time.monotonic()
    summary = generate_dataset(
        out_dir, orders=orders, stores=stores, skus=skus, seed=seed, tight=tight, outage=outage
    )
    console.print(generation_text(summary, time.monotonic() - started), highlight=False)


def generation_text(summary: GenerationSummary, seconds: float) -> str:
    """What `dataset generate` wrote, in words."""
    kinds = ", ".join(
        f"{count} {kind.replace('_', ' ')}{'s' if count != 1 else ''}"
        for kind, count in summary.nodes_by_kind.items()
    )
    cover = summary.available_units / summary.demanded_units if summary.demanded_units else 0.0
    lines = [
        f"Wrote {summary.out_dir} in {seconds:.1f} s: {sum(summary.nodes_by_kind.values())} "
        f"nodes ({kinds}), {summary.skus:,} SKUs, {summary.orders:,} orders "
        f"({summary.order_lines:,} lines, {summary.demanded_units:,} units).",
        f"Stock: {summary.stock_units:,} units on hand, {summary.available_units:,} available "
        f"to plan after safety stock ({cover:.1f} × the day's demand).",
    ]
    if summary.inactive_nodes:
        lines.append(f"Inactive (outage): {', '.join(summary.inactive_nodes)}.")
    return "\n".join(lines)


@app.command()
def whatif(
    scenarios: Annotated[Path, typer.Argument(metavar="SCENARIOS.yaml", help="Scenario file.")],
    out: Annotated[Path, typer.Option(help="Folder for kpis.csv/json, plans/, report.html.")],
    time_limit: Annotated[
        float | None,
        typer.Option(help="Seconds for the whole run (default: the file's defaults.time_limit)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes to plan with (default: every core). The time limit is shared out "
            "for this many (default: 2, whatever the machine, so plans are the same anywhere).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress display.")] = False,
    plain: PlainOption = None,
) -> None:
    """Run the base and every scenario of SCENARIOS.yaml and compare their KPIs."""
    from omniroute.tables import comparison_tables, cost_range_table
    from omniroute.whatif import ScenarioFileInvalid, WhatifFailed, run_whatif, write_outputs
    from solver.scenarios.results import comparison

    if time_limit is not None and time_limit <= 0:
        errors.print("--time-limit must be a positive number of seconds")
        raise typer.Exit(code=2)
    try:
        result = run_whatif(scenarios, out, time_limit, workers, errors, quiet)
    except ScenarioFileInvalid as exc:
        errors.print(f"[bold red]{len(exc.errors)} problem(s) in {scenarios}; nothing run:[/]")
        for problem in exc.errors:
            errors.print(f"  - {problem}", markup=False, highlight=False)
        raise typer.Exit(code=2) from None
    except WhatifFailed as exc:
        errors.print(f"[bold red]what-if run failed:[/] {exc}", highlight=False)
        raise typer.Exit(code=1) from None
    paths = write_outputs(result, out)
    for table in comparison_tables(comparison(result), console.width, _plain(plain)):
        console.print(table)
    console.print(cost_range_table(result, _plain(plain)))
    console.print(
        f"[dim]{len(result.all)} scenarios in {result.seconds:.1f} s on {result.workers} "
        f"worker(s); wrote {', '.join(str(p) for p in paths.values())} and {out / 'plans'}/[/]"
    )


@app.command()
def serve(
    port: Annotated[int, typer.Option(min=0, max=65535, help="API port on 127.0.0.1.")] = 8000,
    dataset: Annotated[
        Path | None,
        typer.Option(help="Dataset folder to load; default the demo shipped with omniroute."),
    ] = None,
    dynamodb_endpoint: Annotated[
        str | None,
        typer.Option(help="Use this DynamoDB (AWS, DynamoDB Local) instead of the embedded one."),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Handler processes (requests served at once).")
    ] = 4,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Keep the embedded store here: saved on stop, restored on the next start "
            "(default: in memory, lost on stop)."
        ),
    ] = None,
    schedules: Annotated[
        bool,
        typer.Option(
            help="Fire the template's schedules (the periodic re-optimisation of recent orders)."
        ),
    ] = True,
) -> None:
    """Run the API locally: embedded DynamoDB (moto), tables, demo data, Swagger UI; the
    reallocation triggers run in the background (closing a node re-sources its orders)."""
    from omniroute.local.snapshots import SnapshotError, has_snapshot
    from omniroute.local.stack import DEFAULT_DATASET, start_local_stack, wait_for_interrupt
    from omniroute.local.workers import WorkerStartFailed

    if data_dir is not None and dataset is not None and has_snapshot(data_dir):
        errors.print(
            f"[bold red]cannot start:[/] {data_dir} already holds a saved store; it is restored "
            "instead of a dataset (omit --dataset, or use another --data-dir)",
            highlight=False,
        )
        raise typer.Exit(code=2)
    folder = dataset or DEFAULT_DATASET
    try:
        stack = start_local_stack(
            port,
            folder,
            dynamodb_endpoint,
            workers=workers,
            data_dir=data_dir,
            run_schedules=schedules,
        )
    except (ValueError, OSError, SnapshotError, WorkerStartFailed) as exc:
        errors.print(f"[bold red]cannot start:[/] {exc}", highlight=False)
        raise typer.Exit(code=2) from None
    data = f"restored from {data_dir}: {stack.restored.summary()}" if stack.restored else folder
    console.print(f"Omniroute API on {stack.url} (DynamoDB at {stack.dynamodb_url}, data: {data})")
    console.print(f"Swagger UI: [bold]{stack.docs_url}[/]   OpenAPI: {stack.url}/openapi.json")
    from omniroute.local.eventbridge import rules
    from omniroute.local.schedules import schedules as template_schedules

    every = (
        ", ".join(f"{s.function} every {s.seconds / 60:g} min" for s in template_schedules())
        if schedules
        else "off"
    )
    console.print(
        f"Reallocation triggers: {len(rules())} event rules on; schedules: {every} "
        "(omniroute reallocate --help)"
    )
    kept = f"saved to {data_dir} on stop" if data_dir else "in memory only, lost on stop"
    console.print(f"Ctrl+C to stop (the embedded store is {kept}).")
    wait_for_interrupt()
    stack.stop()
    if stack.saved is not None:
        console.print(f"Saved to {data_dir}: {stack.saved.summary()}")


@app.command()
def reallocate(
    trigger: Annotated[
        str,
        typer.Option(
            help="node-offline, node-capacity, stock-short, rejected, stock-arrived, scheduled "
            "or manual (docs/reallocation.md)."
        ),
    ],
    node: Annotated[list[str] | None, typer.Option(help="Node id (repeat for several).")] = None,
    sku: Annotated[list[str] | None, typer.Option(help="SKU (repeat for several).")] = None,
    order: Annotated[list[str] | None, typer.Option(help="Order id (manual scope).")] = None,
    window_minutes: Annotated[
        int | None, typer.Option(min=1, help="scheduled: re-plan what was routed this far back.")
    ] = None,
    routed_after: Annotated[str | None, typer.Option(help="manual: ISO-8601 UTC.")] = None,
    routed_before: Annotated[str | None, typer.Option(help="manual: ISO-8601 UTC.")] = None,
    all_orders: Annotated[bool, typer.Option("--all", help="manual: every open order.")] = False,
    dry_run: Annotated[
        bool, typer.Option(help="Plan and report, change nothing (the node stays open).")
    ] = False,
    url: Annotated[str, typer.Option(help="The local stack's API.")] = "http://127.0.0.1:8000",
    chunk_orders: Annotated[int | None, typer.Option(min=1, help="Orders per chunk.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the run.")] = 600.0,
    orders_shown: Annotated[int, typer.Option(help="Changed orders listed.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Re-plan open orders together on a running `omniroute serve` and print the report.

    The run is the stack's reallocation state machine (the deployed definition, in its Step
    Functions). Without --dry-run, --trigger node-offline first closes the node through the
    API, as an operator would; the event that closing sends starts the same run."""
    from functions.logic.reallocation.triggers import KINDS
    from omniroute.reallocate import (
        ApiRefused,
        ApiUnreachable,
        call,
        print_report,
        request_body,
        wait,
    )

    if trigger not in KINDS:
        errors.print(f"unknown trigger {trigger!r}; choose one of {', '.join(KINDS)}")
        raise typer.Exit(code=2)
    try:
        body = request_body(
            trigger,
            node or [],
            sku or [],
            order or [],
            window_minutes,
            routed_after,
            routed_before,
            all_orders,
            dry_run,
            chunk_orders,
        )
    except ValueError as error:
        errors.print(str(error))
        raise typer.Exit(code=2) from None
    try:
        if trigger == "node-offline" and not dry_run:
            call(url, "PUT", f"/v1/nodes/{body['trigger']['node_id']}", {"active": False})
        started = call(url, "POST", "/v1/reallocations", body)
        report = wait(url, started["reallocation_id"], timeout)
    except (ApiUnreachable, ApiRefused) as error:
        errors.print(str(error), markup=False, highlight=False)
        raise typer.Exit(code=2) from None
    if as_json:
        console.print_json(json.dumps(report))
    else:
        print_report(console, report, orders_shown)
    raise typer.Exit(code=0 if report["status"] == "succeeded" else 1)


@app.command()
def load(
    dataset: Annotated[Path, typer.Argument(help="Dataset folder (spec §1).")],
    stack: Annotated[
        str, typer.Option("--stack", help="Name of the deployed CloudFormation stack.")
    ],
    region: Annotated[
        str | None, typer.Option(help="AWS region of the stack (default: your AWS config).")
    ] = None,
    upload: Annotated[
        bool,
        typer.Option(
            "--upload/--no-upload",
            help="Also upload the folder to the stack's bucket as datasets/<folder name>/ "
            "(the dataset what-if scenario files name).",
        ),
    ] = True,
) -> None:
    """Load DATASET (nodes, stock, config) into a deployed stack's tables, found from the
    stack's outputs (docs/deploy.md)."""
    import os

    from omniroute.deployed import StackError, load_into_stack, read_stack

    if region:
        os.environ["AWS_DEFAULT_REGION"] = region
    try:
        deployed = read_stack(stack)
        loaded = load_into_stack(dataset, deployed, upload)
    except (StackError, ValueError) as exc:
        errors.print(f"[bold red]nothing loaded:[/] {exc}", highlight=False)
        raise typer.Exit(code=2) from None
    tables = deployed.table_names()
    console.print(
        f"Loaded {dataset} into stack {stack}: {loaded.nodes} nodes, {loaded.skus} SKUs with "
        f"their stock, config (tables {tables['nodes']}, {tables['stock']}, {tables['config']})"
        + (
            f"; {loaded.dataset_files} files to s3://{deployed.bucket}/{loaded.bucket_prefix}"
            if loaded.bucket_prefix
            else ""
        ),
        highlight=False,
    )


def main() -> None:  # pragma: no cover - console script shim
    app()
