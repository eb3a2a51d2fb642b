"""The what-if report: charts (`charts.py`) and the self-contained HTML page (`page.py`)."""
