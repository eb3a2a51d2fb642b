"""A mistake in a scenario file, located as its author would look for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScenarioError:
    """Names the file, the scenario, the change (numbered from 1, with its kind) and the field."""

    file: str
    message: str
    scenario: str | None = None
    change: int | None = None
    """1-based position of the change in its scenario's list."""
    change_kind: str | None = None
    field: str | None = None
    line: int | None = None
    """Line of the YAML file, for syntax errors."""

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.scenario is not None:
            where.append(f"scenario {self.scenario!r}")
        if self.change is not None:
            kind = f" ({self.change_kind})" if self.change_kind else ""
            where.append(f"change {self.change}{kind}")
        if self.field:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}"
