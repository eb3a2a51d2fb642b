"""Mutation testing of the rule-bearing modules, and issue 15's deliberate bugs (`make mutation`).

For each `[[module]]` of `targets.toml`, mutmut runs in a scratch copy of the repository under
`build/mutation/` (mutmut reads its settings from `pyproject.toml`, so each module gets a copy
whose `[tool.mutmut]` scopes it to that module and to the tests that cover it), two workers.
Each `[[bug]]` is then made in a fresh copy and its tests run: they must fail. The tables go to
stdout and to `build/mutation/report.md`; docs/testing.md keeps the figures of the last run.

    python -m tests.mutation.run                      # every module, then every bug
    python -m tests.mutation.run --module pricing     # one module (repeatable)
    python -m tests.mutation.run --bugs-only
    python -m tests.mutation.run --bugs-only --bug capacity   # the bugs whose row says so
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGETS = Path(__file__).resolve().parent / "targets.toml"
SCRATCH = ROOT / "build" / "mutation"
COPIED = ("solver", "functions", "omniroute", "tests", "examples", "pyproject.toml")
WORKERS = 2
TIMEOUT_MULTIPLIER = 4
"""A mutant whose tests take this many times as long as they do unmutated counts as killed
(mutmut's default, 15, spends minutes on each mutant that makes the enumeration explode)."""
MUTMUT = str(Path(sys.executable).parent / "mutmut")
KILLED = {1, 3, 36, 24, -24, 152, 255, -11, -9, 37}
"""mutmut exit codes that count as killed: a failing test, a timeout, a crash."""
STATUS = {0: "survived", 33: "no tests", 5: "no tests", None: "not checked"}


@dataclass
class ModuleResult:
    name: str
    path: str
    mutants: int = 0
    killed: int = 0
    equivalent: list[tuple[str, str]] = field(default_factory=list)
    survivors: list[tuple[str, str]] = field(default_factory=list)
    """(mutant, diff) of survivors no `[[equivalent]]` explains."""
    stale: list[str] = field(default_factory=list)
    """`[[equivalent]]` lines that match no mutant any more (the code changed): drop them."""
    seconds: float = 0.0

    @property
    def score(self) -> float:
        counted = self.mutants - len(self.equivalent)
        return self.killed / counted if counted else 1.0


def copy_tree(into: Path) -> None:
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", ".hypothesis", "*.egg-info")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, into / name)


def toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def mutmut_section(module: dict) -> str:
    package = module["path"].split("/")[0]
    return f"""

[tool.mutmut]
source_paths = {toml_list([package])}
only_mutate = {toml_list([module["path"]])}
pytest_add_cli_args_test_selection = {toml_list(module["tests"])}
pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:xdist"]
also_copy = ["examples"]
use_git_change_detection = false
timeout_multiplier = {TIMEOUT_MULTIPLIER}
"""


def mutant_patterns(module: dict) -> list[str]:
    dotted = module["path"].removesuffix(".py").replace("/", ".")
    return [f"{dotted}{_function_key(f)}*" for f in module.get("functions", [])]


MAKE_MUTANTS = """
import json, sys
from mutmut.__main__ import create_mutants
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.mutation.trampoline import set_mutant_under_test
from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, setup_source_paths

path = sys.argv[1]
set_mutant_under_test("mutant_generation")
copy_src_dir()
copy_also_copy_files()
setup_source_paths()
create_mutants(2)
with open(f"mutants/{path}.meta") as f:
    names = list(json.load(f)["exit_code_by_key"])
print(json.dumps({name: get_diff_for_mutant(name, path=path) for name in names}))
"""
"""Makes the mutants of one module (mutmut's own steps, as `mutmut run` takes them first) and
prints every mutant's diff, so that the mutants known to be equivalent need not run."""


def run_module(module: dict, equivalents: list[dict], rerun_equivalents: bool) -> ModuleResult:
    """Mutate one module: make its mutants and the test map, leave out the mutants listed as
    equivalent (unless `rerun_equivalents`), run the rest, read the results."""
    where = SCRATCH / re.sub(r"\W+", "-", module["name"]).strip("-")
    copy_tree(where)
    with (where / "pyproject.toml").open("a") as f:
        f.write(mutmut_section(module))
    started = time.monotonic()
    log = where / "mutmut.log"
    patterns = mutant_patterns(module)
    made = subprocess.run(
        [sys.executable, "-c", MAKE_MUTANTS, module["path"]],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        raise SystemExit(f"mutmut could not make the mutants of {module['path']}:\n{made.stderr}")
    diffs = json.loads(made.stdout.strip().splitlines()[-1])
    names = [n for n in diffs if any(fnmatch.fnmatch(n, p) for p in patterns or ["*"])]
    result = ModuleResult(module["name"], module["path"], mutants=len(names))
    explained = {n: _equivalent(module, n, diffs[n], equivalents) for n in names}
    result.equivalent = [(n, why) for n, why in explained.items() if why is not None]
    to_run = [n for n in names if rerun_equivalents or explained[n] is None]
    with log.open("w") as out:
        subprocess.run(  # with no names mutmut would run every mutant: never call it so
            [MUTMUT, "run", "--max-children", str(WORKERS), *to_run] if to_run else ["true"],
            cwd=where,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    meta = where / "mutants" / (module["path"] + ".meta")
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    for name in sorted(to_run, key=_natural):
        code = codes[name]
        if code in KILLED:
            result.killed += 1
            if explained[name] is not None:
                result.equivalent.remove((name, explained[name]))
                result.survivors.append((name, f"listed as equivalent but killed\n{diffs[name]}"))
        elif explained[name] is None:
            result.survivors.append((name, f"{STATUS.get(code, code)}\n{diffs[name]}"))
    result.stale = [
        e.get("mutated") or f"{e['function']}: {e['replace']}"
        for e in equivalents
        if e["path"] == module["path"]
        and not any(_equivalent(module, n, diffs[n], [e]) for n in names)
    ]
    result.seconds = time.monotonic() - started
    return result


def _natural(name: str) -> tuple[str, int]:
    head, _, number = name.rpartition("_")
    return head, int(number) if number.isdigit() else 0


def _changed_lines(diff: str) -> list[tuple[str, str]]:
    """(original, mutated) line pairs of a mutant's diff, stripped."""
    lines = diff.splitlines()
    minus = [x[1:].strip() for x in lines if x.startswith("-") and not x.startswith("---")]
    plus = [x[1:].strip() for x in lines if x.startswith("+") and not x.startswith("+++")]
    return list(zip(minus, plus, strict=False))


def _function_key(function: str) -> str:
    """How mutmut names a function's mutants: `x_name` or, for a method, `xǁClassǁname`."""
    if "." in function:
        cls, _, method = function.partition(".")
        return f".xǁ{cls}ǁ{method}__mutmut_"
    return f".x_{function}__mutmut_"


def _matches(entry: dict, original: str, mutated: str) -> bool:
    """An `[[equivalent]]` names its mutant by the mutated line (`mutated`), or by a text of
    the original line and what the mutant puts in its place (`replace`, one of `by`); `near`,
    a text of the lines around it, tells apart the same change on two lines of a function."""
    if "mutated" in entry:
        return mutated == entry["mutated"].strip()
    old = entry["replace"]
    start = original.find(old)
    while start >= 0:
        for new in entry["by"]:
            made = original[:start] + new + original[start + len(old) :]
            if made.replace(" ", "") == mutated.replace(" ", ""):
                return True
        start = original.find(old, start + 1)
    return False


def _equivalent(module: dict, name: str, diff: str, equivalents: list[dict]) -> str | None:
    changed = _changed_lines(diff)
    for entry in equivalents:
        if entry["path"] != module["path"] or _function_key(entry["function"]) not in name:
            continue
        if "near" in entry and entry["near"] not in diff:
            continue  # the same change on another line of the function
        if changed and all(_matches(entry, o, m) for o, m in changed):
            return entry["why"]
    return None


def run_bug(n: int, bug: dict) -> tuple[bool, str]:
    """Make the bug in a fresh copy; (killed, the first failing test or the output's tail)."""
    where = SCRATCH / f"bug-{n}"
    copy_tree(where)
    target = where / bug["file"]
    text = target.read_text()
    if text.count(bug["old"]) != 1:
        return (
            False,
            f"the text to replace is not in {bug['file']} exactly once: update targets.toml",
        )
    target.write_text(text.replace(bug["old"], bug["new"]))
    env = {**os.environ, "PYTHONPATH": str(where)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            *bug["tests"],
        ],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    failed = re.findall(r"^FAILED (\S+)", done.stdout, flags=re.MULTILINE)
    if done.returncode == 1 and failed:
        return True, failed[0]
    return False, f"exit {done.returncode}: {done.stdout.strip().splitlines()[-1:]}"


def report(results: list[ModuleResult], bugs: list[tuple[dict, bool, str]]) -> str:
    out = []
    if results:
        out += [
            "| module | functions | mutants | killed | equivalent | survived | killed of non-equivalent | minutes |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results:
            out.append(
                f"| {r.name} | `{r.path}` | {r.mutants} | {r.killed} | {len(r.equivalent)} | "
                f"{len(r.survivors)} | {100 * r.score:.1f} % | {r.seconds / 60:.1f} |"
            )
        for r in results:
            if r.stale:
                out += ["", f"Stale [[equivalent]] entries of {r.name}: " + "; ".join(r.stale)]
            if r.survivors:
                out += ["", f"Survivors of {r.name}:", ""]
                for name, diff in r.survivors:
                    out += [f"- `{name}`", "", "```diff", diff.strip(), "```"]
    if bugs:
        out += ["", "| deliberate bug | where | killed by |", "|---|---|---|"]
        for bug, killed, by in bugs:
            out.append(
                f"| {bug['row']} | `{bug['file']}` | {'`' + by + '`' if killed else 'NOT KILLED: ' + by} |"
            )
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", help="only this [[module]] (by name)")
    parser.add_argument("--bugs-only", action="store_true")
    parser.add_argument("--no-bugs", action="store_true")
    parser.add_argument(
        "--bug", action="append", help="only the deliberate bugs whose row contains this text"
    )
    parser.add_argument(
        "--rerun-equivalents",
        action="store_true",
        help="run the mutants listed as equivalent too (they must survive)",
    )
    args = parser.parse_args()
    targets = tomllib.loads(TARGETS.read_text())
    modules = targets["module"]
    if args.module:
        modules = [m for m in modules if m["name"] in args.module]
    results = []
    if not args.bugs_only:
        for module in modules:
            print(f"mutating {module['path']} ...", flush=True)
            result = run_module(module, targets.get("equivalent", []), args.rerun_equivalents)
            print(
                f"  {result.killed}/{result.mutants} killed, {len(result.equivalent)} equivalent, "
                f"{len(result.survivors)} survived ({result.seconds / 60:.1f} min)",
                flush=True,
            )
            results.append(result)
    bugs = []
    if not args.no_bugs and not args.module:
        for n, bug in enumerate(targets.get("bug", []), start=1):
            if args.bug and not any(text in bug["row"] for text in args.bug):
                continue
            killed, by = run_bug(n, bug)
            print(
                f"bug {n} ({bug['row']}): {'killed by ' + by if killed else 'NOT KILLED ' + by}",
                flush=True,
            )
            bugs.append((bug, killed, by))
    text = report(results, bugs)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    (SCRATCH / "report.md").write_text(text)
    print(text)
    ok = all(k for _, k, _ in bugs) and all(not r.survivors for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
