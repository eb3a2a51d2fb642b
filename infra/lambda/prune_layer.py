"""Remove installed distributions from a layer folder, by the files their RECORD lists:

    python infra/lambda/prune_layer.py LAYER_DIR infra/lambda/pruned.txt

build_layer.sh runs it after installing the lock; pruned.txt says what goes and why. Written
here rather than `pip uninstall --target` (pip cannot uninstall from a --target folder) and
without importing anything outside the standard library (any Python can run it).
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def prune(folder: Path, names: set[str]) -> list[str]:
    removed = []
    for info in sorted(folder.glob("*.dist-info")):
        distribution = canonical(info.name.removesuffix(".dist-info").rsplit("-", 1)[0])
        if distribution not in names:
            continue
        with (info / "RECORD").open(newline="") as record:
            files = [folder / row[0] for row in csv.reader(record) if row]
        for file in files:
            file.unlink(missing_ok=True)
        for directory in sorted({f.parent for f in files}, key=lambda d: -len(d.parts)):
            while directory != folder and directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()
                directory = directory.parent
        removed.append(distribution)
    return removed


def main() -> int:
    folder, listing = Path(sys.argv[1]), Path(sys.argv[2])
    lines = (line.split("#", 1)[0].strip() for line in listing.read_text().splitlines())
    wanted = {canonical(line) for line in lines if line}
    removed = prune(folder, wanted)
    missing = wanted - set(removed)
    if missing:
        print(f"prune_layer.py: not installed, nothing to remove: {sorted(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
