"""docs/api.md lists every error code the API can answer (issue 12, finding 8: the contract is
written down): a new code without its line there fails here."""

from __future__ import annotations

import re

from tests.sam_template import ROOT

RAISED = re.compile(
    r"\b(?:ApiError|NotFound|Conflict|Invalid|InProgress|TooBusy)\(\s*(?:\d+,\s*)?\"([a-z_]+)\""
)
NOT_FOUND = re.compile(r"\bnot_found\(\s*\"([a-z_]+)\"")
LOCAL = re.compile(r"\bjson_answer\(\s*\d+,\s*\"([a-z_]+)\"")


def _codes() -> set[str]:
    codes: set[str] = set()
    for path in (*(ROOT / "functions").rglob("*.py"), ROOT / "omniroute/local/api_server.py"):
        text = path.read_text()
        codes |= set(RAISED.findall(text)) | set(LOCAL.findall(text))
        codes |= {f"{what}_not_found" for what in NOT_FOUND.findall(text)}
    return codes


def test_the_scan_finds_the_codes_it_should() -> None:
    assert {"invalid_request", "order_in_progress", "sku_not_found", "too_many_jobs"} <= _codes()
    assert {"unsupported_media_type", "body_too_large", "method_not_allowed"} <= _codes()


def test_every_error_code_is_documented() -> None:
    documented = set(re.findall(r"`([a-z_]+)`", (ROOT / "docs/api.md").read_text()))
    assert sorted(_codes() - documented) == []
