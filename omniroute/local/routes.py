"""Which template route serves a request, as API Gateway matches them: a path's `{name}`
matches one segment (still percent-encoded, as sent), `{name+}` the rest of the path; a literal
segment wins over a parameter."""

from __future__ import annotations

import re
from dataclasses import dataclass

from omniroute.local.template import Route


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


@dataclass(frozen=True)
class PathMatch:
    """What a path matched: the route for the method if there is one, and every method the
    path's resource has (for 405 and OPTIONS)."""

    match: RouteMatch | None
    methods: tuple[str, ...]


def _pattern(path: str) -> re.Pattern[str]:
    parts = []
    for segment in path.strip("/").split("/"):
        greedy = re.fullmatch(r"\{([A-Za-z0-9_]+)\+\}", segment)
        single = re.fullmatch(r"\{([A-Za-z0-9_]+)\}", segment)
        if greedy:
            parts.append(f"(?P<{greedy.group(1)}>.+)")
        elif single:
            parts.append(f"(?P<{single.group(1)}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("/" + "/".join(parts))


def _specificity(path: str) -> tuple[int, int]:
    """Literal segments before parameters, as API Gateway prefers them."""
    segments = path.strip("/").split("/")
    return (-sum(not s.startswith("{") for s in segments), -len(segments))


class RouteTable:
    """The template's routes, matched against a request's method and raw path."""

    def __init__(self, routes: tuple[Route, ...]) -> None:
        by_path: dict[str, dict[str, Route]] = {}
        for route in routes:
            by_path.setdefault(route.path, {})[route.method] = route
        self._paths = sorted(
            ((path, _pattern(path), methods) for path, methods in by_path.items()),
            key=lambda entry: _specificity(entry[0]),
        )
        self.routes = routes

    def match(self, method: str, raw_path: str) -> PathMatch | None:
        """The route for `method` on `raw_path` (no query); None if no route has the path."""
        for _, pattern, methods in self._paths:
            found = pattern.fullmatch(raw_path)
            if found is None:
                continue
            route = methods.get(method)
            match = RouteMatch(route, found.groupdict()) if route is not None else None
            return PathMatch(match, tuple(sorted(methods)))
        return None
