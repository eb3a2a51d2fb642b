"""Errors a caller can cause, as values naming each bad field. The use cases raise them and know
nothing of HTTP: `api/errors.py` is where each kind gets its status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from solver.loading import LoadError


@dataclass
class DomainError(Exception):
    """A request the service refuses: a machine-readable code, a message, and per-field errors
    (`path` is a JSON path into the request such as `lines[2].qty`)."""

    code: str
    message: str
    errors: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class NotFound(DomainError):
    """What the request names does not exist (an order, a node, a SKU, a job, a report)."""


class Conflict(DomainError):
    """The request clashes with the current state (stock or a record changed meanwhile, an id
    already used, a change still in progress, a state that does not allow it); nothing changed."""


@dataclass
class TooBusy(DomainError):
    """The service is at a limit a deployment sets (e.g. concurrent what-if jobs); nothing
    changed, the same request succeeds later (`retry_after_seconds`: when to try again)."""

    retry_after_seconds: int = 60


@dataclass
class InProgress(Conflict):
    """Another request is changing the same thing right now: retry after `retry_after` s."""

    retry_after: int = 1


class Invalid(DomainError):
    """The request breaks a rule of the data (an unknown reference, an invalid document or row);
    nothing changed."""


def field_error(path: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"path": path, "message": message, **extra}


def from_load_errors(load_errors: Iterable[LoadError], prefix: str = "") -> list[dict[str, Any]]:
    """The loader's errors (file/row/column) as request field errors."""
    out = []
    for error in load_errors:
        path = error.column or ""
        if error.row is not None and prefix:
            path = f"{prefix}[{error.row - 1}]" + (f".{path}" if path else "")
        elif prefix and not path:
            path = prefix
        out.append(field_error(path, error.message))
    return out


def not_found(what: str, ident: str) -> NotFound:
    return NotFound(f"{what}_not_found", f"unknown {what} {ident!r}")
