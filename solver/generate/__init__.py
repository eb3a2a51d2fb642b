"""Realistic synthetic datasets (spec §1–§4): a US omnichannel network and one day of orders.

Every node and customer sits at a real ZIP-code centroid from the offline `zipcodes` package:
distribution centres at logistics hubs, stores and dark stores around large metros, dropship
vendors in industrial suburbs. Demand is long-tail (Zipf over SKUs). `tight` sizes stock and
capacity close to demand so that orders compete for them; `outage` switches off the busiest
warehouse and about 5% of stores and changes nothing else. Same seed ⇒ byte-identical files.

- `dataset.py`      `generate_dataset`: the steps in order, one random stream each
- `calibration.py`  the numbers a recalibration changes (mixes, stock cover, capacities, rates)
- `locations.py`    metros, DC hubs, vendor sites, ZIP centroids, distances
- `placement.py`    the nodes and their fixed traits
- `catalogue.py`    the SKUs
- `demand.py`       the day's orders
- `sizing.py`       capacities and stock (tight or loose)
- `outage.py`       the nodes `outage` switches off
- `writers.py`      the files
"""

from solver.generate.dataset import GenerationSummary, generate_dataset

__all__ = ["GenerationSummary", "generate_dataset"]
