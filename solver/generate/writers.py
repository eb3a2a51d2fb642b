"""The files of spec §1 and §2, written from what the generator drew (fixed formats, so the
same draws give byte-identical files)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from solver.generate.calibration import (
    CHANNELS,
    ORDER_DAY,
    SERVICES,
    SETTINGS,
    TRANSIT_DAYS,
    WEIGHT_BANDS_KG,
    ZONES,
    parcel_rate,
)
from solver.generate.catalogue import Catalogue
from solver.generate.demand import OrderDay
from solver.generate.placement import NodeDraft
from solver.generate.sizing import Stock
from solver.models import Node

NODE_COLUMNS: tuple[str, ...] = tuple(Node.model_fields)
"""nodes.csv columns in the spec's order (the model declares them in that order)."""


def write_dataset_files(
    out_dir: Path, nodes: list[NodeDraft], catalogue: Catalogue, stock: Stock, day: OrderDay
) -> None:
    """Write the eight files of a dataset folder into `out_dir` (which must exist)."""
    _write_nodes(out_dir / "nodes.csv", nodes)
    _write_skus(out_dir / "skus.csv", catalogue)
    _write_inventory(out_dir / "inventory.csv", nodes, catalogue, stock)
    _write_zones(out_dir / "zones.csv")
    _write_rates(out_dir / "rates.csv")
    _write_transit(out_dir / "transit.csv")
    _write_settings(out_dir / "settings.json")
    _write_orders(out_dir / "orders.jsonl", day, nodes, catalogue)


def _csv_writer(handle: Any) -> Any:
    return csv.writer(handle, lineterminator="\n")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _limit(value: int | None) -> str:
    return "" if value is None else str(value)


def _write_nodes(path: Path, nodes: list[NodeDraft]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(NODE_COLUMNS)
        for n in nodes:
            writer.writerow(
                [
                    n.node_id,
                    n.kind,
                    f"{n.lat:.4f}",
                    f"{n.lon:.4f}",
                    _flag(n.ships),
                    _flag(n.pickup),
                    _flag(n.same_day),
                    f"{n.same_day_radius_km:.1f}",
                    n.processing_days,
                    f"{n.handling_per_order:.2f}",
                    f"{n.handling_per_unit:.2f}",
                    f"{n.dropship_fee:.2f}",
                    _limit(n.max_orders_per_day),
                    _limit(n.max_units_per_day),
                    _limit(n.same_day_capacity),
                    _flag(n.active),
                    n.channels,
                ]
            )


def _write_skus(path: Path, catalogue: Catalogue) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(["sku", "weight_kg", "unit_value"])
        for sku, weight, value in zip(
            catalogue.sku_ids, catalogue.weight_kg, catalogue.unit_value, strict=True
        ):
            writer.writerow([sku, f"{weight:.2f}", f"{value:.2f}"])


def _write_inventory(
    path: Path, nodes: list[NodeDraft], catalogue: Catalogue, stock: Stock
) -> None:
    """Rows with stock only, by node (file order) then SKU."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(["node_id", "sku", "on_hand", "safety_stock"])
        for column, node in enumerate(nodes):
            for sku in np.flatnonzero(stock.on_hand[:, column]):
                writer.writerow(
                    [
                        node.node_id,
                        catalogue.sku_ids[sku],
                        int(stock.on_hand[sku, column]),
                        int(stock.safety_stock[sku, column]),
                    ]
                )


def _write_zones(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(["zone", "max_km"])
        for zone, max_km in ZONES:
            writer.writerow([zone, "" if max_km is None else f"{max_km:.0f}"])


def _write_rates(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(["service", "zone", "max_kg", "cost"])
        for service in TRANSIT_DAYS:
            for zone_number, (zone, _) in enumerate(ZONES, start=1):
                for max_kg in WEIGHT_BANDS_KG:
                    rate = parcel_rate(service, zone_number, max_kg)
                    writer.writerow([service, zone, max_kg, f"{rate:.2f}"])


def _write_transit(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(["service", "zone", "days"])
        for service, days_by_zone in TRANSIT_DAYS.items():
            for (zone, _), days in zip(ZONES, days_by_zone, strict=True):
                writer.writerow([service, zone, days])


def _write_settings(path: Path) -> None:
    path.write_text(json.dumps(SETTINGS, indent=2) + "\n", encoding="utf-8")


def _timestamp(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{ORDER_DAY}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}Z"


def _write_orders(path: Path, day: OrderDay, nodes: list[NodeDraft], catalogue: Catalogue) -> None:
    """One JSON object a line (spec §2), streamed; absent optional fields are `null`."""
    width = max(6, len(str(day.count)))
    with path.open("w", encoding="utf-8") as handle:
        for i in range(day.count):
            start, end = int(day.line_start[i]), int(day.line_start[i + 1])
            kit_size = int(day.kit_size[i])
            lines = [
                {
                    "line_id": str(number),
                    "sku": catalogue.sku_ids[day.line_sku[start + number - 1]],
                    "qty": int(day.line_qty[start + number - 1]),
                    "group": "kit-1" if number <= kit_size else None,
                }
                for number in range(1, end - start + 1)
            ]
            pickup = int(day.pickup_node[i])
            order = {
                "order_id": f"o-{i + 1:0{width}d}",
                "created_at": _timestamp(int(day.created_seconds[i])),
                "channel": CHANNELS[day.channel[i]],
                "customer": {"lat": float(day.customer_lat[i]), "lon": float(day.customer_lon[i])},
                "service": SERVICES[day.service[i]],
                "pickup_node": nodes[pickup].node_id if pickup >= 0 else None,
                "promise_days": int(day.promise_days[i]) if day.promise_days[i] >= 0 else None,
                "max_shipments": int(day.max_shipments[i]) if day.max_shipments[i] > 0 else None,
                "lines": lines,
            }
            handle.write(json.dumps(order) + "\n")
