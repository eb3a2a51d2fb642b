"""Where nodes and customers can be: metro anchors, DC hubs, vendor sites, and the
contiguous-US ZIP-code centroids of the offline `zipcodes` package, with distance look-ups."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import zipcodes

from solver.generate.arrays import FloatArray, IntArray
from solver.geography import CONTIGUOUS_STATES
from solver.pricing import haversine_km

# (metro, anchor ZIP, weight ≈ metro population in millions). Coordinates come from `zipcodes`.
METROS: tuple[tuple[str, str, float], ...] = (
    ("New York", "10001", 19.5),
    ("Los Angeles", "90012", 12.8),
    ("Chicago", "60601", 9.4),
    ("Dallas", "75201", 7.9),
    ("Houston", "77002", 7.3),
    ("Washington", "20001", 6.3),
    ("Philadelphia", "19103", 6.2),
    ("Atlanta", "30303", 6.2),
    ("Miami", "33130", 6.1),
    ("Phoenix", "85003", 5.0),
    ("Boston", "02108", 4.9),
    ("San Francisco", "94103", 4.6),
    ("Detroit", "48226", 4.3),
    ("Seattle", "98101", 4.0),
    ("Minneapolis", "55401", 3.7),
    ("San Diego", "92101", 3.3),
    ("Tampa", "33602", 3.3),
    ("Denver", "80202", 3.0),
    ("Baltimore", "21201", 2.8),
    ("St. Louis", "63101", 2.8),
    ("Charlotte", "28202", 2.7),
    ("San Antonio", "78205", 2.6),
    ("Portland", "97204", 2.5),
    ("Sacramento", "95814", 2.4),
    ("Pittsburgh", "15222", 2.4),
    ("Austin", "78701", 2.4),
    ("Las Vegas", "89101", 2.3),
    ("Cincinnati", "45202", 2.3),
    ("Kansas City", "64106", 2.2),
    ("Columbus", "43215", 2.1),
    ("Indianapolis", "46204", 2.1),
    ("Cleveland", "44113", 2.1),
    ("Nashville", "37203", 2.0),
    ("Jacksonville", "32202", 1.7),
    ("Milwaukee", "53202", 1.6),
    ("Raleigh", "27601", 1.4),
    ("Memphis", "38103", 1.3),
    ("Louisville", "40202", 1.3),
    ("New Orleans", "70112", 1.3),
    ("Salt Lake City", "84101", 1.3),
    ("Tucson", "85701", 1.05),
    ("Fresno", "93721", 1.0),
    ("Omaha", "68102", 0.97),
    ("Albuquerque", "87102", 0.92),
)

# Distribution-centre hubs, in the order a growing network opens them.
WAREHOUSE_HUBS: tuple[tuple[str, str], ...] = (
    ("Memphis TN", "38118"),
    ("Reno NV", "89502"),
    ("Allentown PA", "18106"),
    ("Fort Worth TX", "76177"),
    ("Atlanta GA", "30336"),
    ("Groveport OH", "43125"),
)

# Industrial suburbs where dropship vendors keep their stock.
VENDOR_SITES: tuple[tuple[str, str], ...] = (
    ("Ontario CA", "91761"),
    ("Elk Grove Village IL", "60007"),
    ("Secaucus NJ", "07094"),
    ("High Point NC", "27260"),
    ("Dalton GA", "30720"),
    ("Grand Rapids MI", "49512"),
    ("Grand Prairie TX", "75050"),
    ("Kent WA", "98032"),
    ("Miami FL", "33166"),
)


@dataclass(frozen=True)
class ZipTable:
    """STANDARD, active ZIP codes of the contiguous US, sorted by code."""

    codes: list[str]
    lat: FloatArray
    lon: FloatArray


def load_zip_table() -> ZipTable:
    rows = sorted(
        (z["zip_code"], float(z["lat"]), float(z["long"]))
        for z in zipcodes.list_all()
        if z["zip_code_type"] == "STANDARD" and z["active"] and z["state"] in CONTIGUOUS_STATES
    )
    return ZipTable(
        codes=[code for code, _, _ in rows],
        lat=np.array([lat for _, lat, _ in rows]),
        lon=np.array([lon for _, _, lon in rows]),
    )


def zip_point(code: str) -> tuple[float, float]:
    matches = zipcodes.matching(code)
    if not matches:
        raise LookupError(f"ZIP code {code} is not in the zipcodes package")
    return float(matches[0]["lat"]), float(matches[0]["long"])


def zips_within(table: ZipTable, point: tuple[float, float], radius_km: float) -> IntArray:
    distance = haversine_km(point[0], point[1], table.lat, table.lon)
    return np.flatnonzero(distance <= radius_km).astype(np.int64)


def in_chunks(count: int, size: int = 4096) -> Iterator[slice]:
    for start in range(0, count, size):
        yield slice(start, min(start + size, count))


def nearest_targets(
    lat: FloatArray, lon: FloatArray, target_lat: FloatArray, target_lon: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Index of and distance to the nearest target of each point (first one on ties)."""
    index = np.zeros(len(lat), dtype=np.int64)
    distance = np.full(len(lat), np.inf)
    if len(target_lat) == 0:
        return index, distance
    for part in in_chunks(len(lat)):
        d = haversine_km(lat[part, None], lon[part, None], target_lat[None, :], target_lon[None, :])
        index[part] = d.argmin(axis=1)
        distance[part] = d[np.arange(d.shape[0]), index[part]]
    return index, distance
