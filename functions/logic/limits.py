"""Limits the use cases enforce because of the data, not of HTTP (the request limits are in
`api/limits.py`)."""

MAX_RATE_KG = 1000
"""Largest `max_kg` of a rate row (the rate table has one column per kg)."""
MAX_ADJUSTMENT_SKUS = 100
"""Distinct SKUs in one adjustment call: applied in one transaction, all or nothing."""
MAX_MONEY = 100_000.0
"""Largest amount of money a config document may state (a rate's cost, a penalty, a courier
fee): plans then cost far less than 1e15, where a float still holds cents exactly, and never
overflow to infinity (which JSON cannot carry)."""
MAX_PER_KM = 1_000.0
"""Largest courier price per km."""
MAX_FACTOR = 1_000.0
"""Largest multiplier of a unit's value (`unfilled_penalty_factor`)."""
MAX_DAYS = 365
"""Largest transit time or default promise, in days."""
MAX_ZONE_KM = 20_100.0
"""Largest zone bound: half the Earth's circumference, beyond any great-circle distance."""
SETTING_BOUNDS: dict[str, float] = {
    "split_penalty": MAX_MONEY,
    "late_penalty_per_day": MAX_MONEY,
    "unfilled_penalty_factor": MAX_FACTOR,
    "min_shipment_value": MAX_MONEY,
    "courier_base": MAX_MONEY,
    "courier_per_km": MAX_PER_KM,
}
"""Upper bound of each number of settings.json (all are >= 0); a weight not named here (the
move penalties of spec §7) is bounded by MAX_MONEY."""
ROW_BOUNDS: dict[str, dict[str, float]] = {
    "rates": {"max_kg": MAX_RATE_KG, "cost": MAX_MONEY},
    "zones": {"max_km": MAX_ZONE_KM},
    "transit": {"days": MAX_DAYS},
}
"""Upper bounds of the numbers of each config document's rows."""
