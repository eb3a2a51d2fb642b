"""Errors a caller can cause, as values the API turns into 4xx bodies naming each bad field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from solver.loading import LoadError


@dataclass
class ApiError(Exception):
    """An answer other than success: HTTP status, a machine-readable code, and per-field errors
    (`path` is a JSON path into the request such as `lines[2].qty`)."""

    status: int
    code: str
    message: str
    errors: list[dict[str, Any]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": self.errors}

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


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


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, f"{what}_not_found", f"unknown {what} {ident!r}")
