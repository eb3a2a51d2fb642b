"""The numbers that decide how a generated dataset's demand, stock and capacity compare: the
day's service and channel mix, baskets, popularity, the radii that decide who can pick up or get
same-day delivery, stock cover and shelf caps, daily capacities (tight and loose), the carrier
rate card and transit times, and settings.json.

A recalibration (for example to make stock cover demand the way retailers run it) changes this
module; the modules that draw the dataset read it. The fixed traits of each kind of node
(handling costs, which stores offer same-day) stay with the code that places the nodes
(`placement.py`), the shape of SKU weights and values with `catalogue.py`."""

from __future__ import annotations

from typing import Any

# ---------------------------------------------------------------------------------------------
# The day's orders (`demand.py`, `catalogue.py`)

ORDER_DAY = "2026-11-20"
SERVICES: tuple[str, ...] = ("ground", "express", "next_day", "same_day", "pickup")
SERVICE_SHARES: tuple[float, ...] = (0.70, 0.12, 0.05, 0.05, 0.08)
GROUND_SERVICE, SAME_DAY_SERVICE, PICKUP_SERVICE = 0, 3, 4
CHANNELS: tuple[str, ...] = ("web", "app", "marketplace")
CHANNEL_SHARES: tuple[float, ...] = (0.70, 0.22, 0.08)
MARKETPLACE_CHANNEL = 2
MARKETPLACE_GROUND_PROMISE_DAYS = 4  # marketplaces impose their own, shorter delivery SLA
MAX_LINES = 10
QTY_SHARES: tuple[float, ...] = (0.85, 0.11, 0.04)  # qty 1, 2, 3
BULKY_KG = 10.0  # nobody orders two sofas
KIT_SHARE = 0.03  # of multi-line orders
MAX_SHIPMENTS_SHARE = 0.02
# Orders per hour of the day (local e-commerce curve: quiet night, evening peak).
# fmt: off
HOURLY_ORDER_WEIGHTS: tuple[float, ...] = (
    0.9, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.5, 3.5, 4.2, 4.6,
    5.0, 5.0, 4.8, 4.7, 4.8, 5.2, 5.8, 6.5, 7.0, 6.6, 5.0, 2.5,
)
# fmt: on

UNIT_VALUE_RANGE = (4.99, 2500.0)
"""Cheapest and dearest SKU price (`catalogue.py` draws them log-normal around 30)."""
ZIPF_EXPONENT = 1.1
HEAD_FRACTION = 0.3  # the popular head, by popularity rank
METRO_CUSTOMER_SHARE = 0.85
CUSTOMER_METRO_RADIUS_KM = 50.0
STORE_METRO_RADIUS_KM = 40.0
DARK_STORE_METRO_RADIUS_KM = 15.0
PICKUP_REACH_KM = 60.0  # farther than this from every store, a customer does not pick up


# ---------------------------------------------------------------------------------------------
# Stock (`sizing.stock_network`): how much of each SKU the network holds, and where

LOOSE_SERVICE_LEVEL = 0.97
"""Loose: the chance that a SKU's stock covers the day's demand for it (retail base stock;
docs/calibration.md)."""
TIGHT_HEAD_SERVICE_LEVEL = 0.7
"""Tight: the popular head's service level (a peak day: the best sellers run short first)."""
TIGHT_TAIL_SERVICE_LEVEL = 0.9
DC_CARRIES = (0.97, 0.75)
"""Chance that a DC carries a SKU of the popular head, of the tail."""
VENDOR_CARRIES = (0.05, 0.45)
"""Chance that a SKU of the head, of the tail, has a dropship vendor."""
STOCK_SHARE_BY_KIND = {"warehouse": 0.55, "store": 0.30, "dark_store": 0.05}
"""Weight of each kind of node in a SKU's units, shared by size within the kind."""
VENDOR_STOCK_WEIGHT = (0.2, 0.6)
"""A vendor's weight in a SKU's units, for a head SKU and for a tail SKU."""
STORE_SHELF_CAP = 8  # units of a SKU a store holds for ship-from-store, before safety stock
DARK_STORE_SHELF_CAP = 15
SAFETY_STOCK_SHARES = (0.5, 0.3, 0.2)
"""Chance that a store holds back 0, 1 or 2 units of a SKU it displays."""

# ---------------------------------------------------------------------------------------------
# Daily capacity (`sizing.size_capacities`): orders and units a node ships a day

DC_SIZE_SPREAD = (0.85, 1.15)
"""A DC's share of the work, relative to an even split (drawn in both modes)."""
TIGHT_DC_ORDERS_SHARE = 1.1
"""Tight: the DCs' max_orders_per_day together ÷ the day's orders."""
TIGHT_DC_MIN_ORDERS = 5
TIGHT_DC_UNITS_ALLOWANCE = (1.1, 1.3)
"""Tight: a DC's max_units_per_day ÷ (its max_orders_per_day × the day's units per order)."""
TIGHT_STORE_ORDERS = (0.15, 0.45)
"""Tight: a store's max_orders_per_day ÷ the day's orders per store."""
TIGHT_STORE_MIN_ORDERS = 3
LOOSE_STORE_ORDERS = (0.5, 1.2)
LOOSE_STORE_MIN_ORDERS = 20
STORE_UNITS_PER_ORDER = (1.8, 2.4)
"""A store's max_units_per_day ÷ its max_orders_per_day."""
TIGHT_STORE_SAME_DAY_SHARE = 0.3
"""Tight: a same-day store's same_day_capacity ÷ its max_orders_per_day (loose: half)."""
TIGHT_DARK_STORE_ORDERS_SHARE = 0.05
"""Tight: the dark stores' max_orders_per_day together ÷ the day's orders (each spread)."""
TIGHT_DARK_STORE_SPREAD = (0.8, 1.2)
TIGHT_DARK_STORE_MIN_ORDERS = 5
TIGHT_DARK_STORE_SAME_DAY_SHARE = 0.7
TIGHT_DARK_STORE_MIN_SAME_DAY = 3
LOOSE_DARK_STORE_ORDERS_SHARE = 0.15
LOOSE_DARK_STORE_MIN_ORDERS = 50
DARK_STORE_UNITS_PER_ORDER = 2.2

# ---------------------------------------------------------------------------------------------
# Carriers and settings (`writers.py`)

# Carrier distance bands, like UPS/FedEx zones; `None` = no limit.
ZONES: tuple[tuple[str, float | None], ...] = (
    ("1", 80.0),
    ("2", 240.0),
    ("3", 480.0),
    ("4", 960.0),
    ("5", 1450.0),
    ("6", 2250.0),
    ("7", 2900.0),
    ("8", None),
)
WEIGHT_BANDS_KG: tuple[int, ...] = (1, 2, 3, 5, 10, 20, 30, 50, 70)
TRANSIT_DAYS: dict[str, tuple[int, ...]] = {
    "ground": (1, 2, 3, 3, 4, 5, 5, 6),
    "express": (1, 1, 2, 2, 2, 2, 2, 2),
    "next_day": (1, 1, 1, 1, 1, 1, 1, 1),
}

SETTINGS: dict[str, Any] = {
    "split_penalty": 4.0,
    "late_penalty_per_day": 6.0,
    "unfilled_penalty_factor": 5.0,
    "min_shipment_value": 5.0,
    "courier_base": 7.0,
    "courier_per_km": 0.9,
    "move_penalty_per_order": 3.0,
    "move_penalty_per_unit": 0.5,
    "default_promise_days": {"ground": 5, "express": 2, "next_day": 1, "same_day": 0, "pickup": 2},
}


def parcel_rate(service: str, zone_number: int, max_kg: int) -> float:
    """A monotone rate card: dearer with distance, weight and speed (ground 1 kg ≈ 8.50–14.10)."""
    ground = 8.5 + 0.8 * (zone_number - 1) + (0.45 + 0.2 * (zone_number - 1)) * (max_kg - 1)
    step = (zone_number - 1) / (len(ZONES) - 1)
    multiplier = {"ground": 1.0, "express": 2.0 + 0.5 * step, "next_day": 3.0 + 1.0 * step}
    return round(ground * multiplier[service], 2)
