"""Result files are written whole, with the permissions any file the user writes gets."""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager

import pytest

from solver.files import write_text_atomic
from solver.models import Plan
from solver.planfile import read_plan, write_plan

PLAN = Plan(dataset="d", strategy="nearest", total_cost=0.0, orders=())


@contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_a_plan_file_gets_the_mode_the_umask_gives_like_any_other_file(tmp_path, mask):
    with umask(mask):
        write_plan(PLAN, tmp_path / "plans" / "p.json")
        (tmp_path / "kpis.json").write_text("{}")
    assert mode(tmp_path / "plans" / "p.json") == mode(tmp_path / "kpis.json") == 0o666 & ~mask
    assert read_plan(tmp_path / "plans" / "p.json") == (PLAN, [])


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path):
    target = tmp_path / "report.html"
    write_text_atomic(target, "old")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(target, "\udcff")  # a lone surrogate cannot be UTF-8
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
