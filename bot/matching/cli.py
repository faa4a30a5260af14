"""`python -m bot match PEOPLE.csv --out MATCHES.csv`: the offline matcher (wired into typer by bot/cli/match.py).

Without ``--programme``/``--config`` the file has MATCHING.md's columns. With ``--programme PRESET`` (or a
``--config`` TOML whose programme names its ``questions`` preset or ``criteria``) the file is that
programme's ``/export``: its own columns and values, read by the programme's one typed profile
(:class:`bot.programme.ProgrammeSpec`) and matched on its own criteria.

Exit codes: 0 all rows used; 1 matched, but some rows were bad (each is listed); 2 nothing done (unreadable
file, missing columns, bad config).
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from bot.clock import SystemClock
from bot.matching.config import MatchingConfig
from bot.matching.csvio import RowError, read_people, write_matches
from bot.matching.engine import match
from bot.matching.model import MatchResult
from bot.onboarding.questions import QuestionsConfig
from bot.programme.criteria import MatchingDeclaration
from bot.programme.profile import ProgrammeSpec, build_spec


def _programme_table(data: dict[str, Any]) -> dict[str, Any]:
    programmes = data.get("programme") or data.get("programmes") or []
    if isinstance(programmes, list) and programmes and isinstance(programmes[0], dict):
        return programmes[0]
    return data


def load_matching_config(path: Path) -> MatchingConfig:
    """A TOML file's top-level ``[matching]`` table, or the first ``[[programme]]``'s ``matching`` table."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    table: Any = data.get("matching")
    if table is None:
        table = _programme_table(data).get("matching")
    return MatchingConfig.model_validate(table or {})


def load_spec(programme: str | None, config_file: Path | None) -> ProgrammeSpec | None:
    """The programme whose export is being matched: a preset by name, or a config file's first programme
    (its ``questions`` preset, ``criteria`` and ``matching`` settings). None: plain MATCHING.md."""
    table: dict[str, Any] = {}
    if programme is None and config_file is None:
        return None
    if config_file is not None:
        table = _programme_table(tomllib.loads(config_file.read_text(encoding="utf-8")))
        if programme is None and "questions" not in table and "criteria" not in table:
            return None
    questions = QuestionsConfig.model_validate(table.get("questions") or {"preset": programme or "edumentoring"})
    if programme is not None:
        questions = questions.model_copy(update={"preset": programme})
    criteria = table.get("criteria")
    return build_spec(questions, MatchingDeclaration.model_validate(criteria) if criteria is not None else None,
                      MatchingConfig.model_validate(table.get("matching") or {}))


def _summary(result: MatchResult, errors: list[RowError], out: Path) -> dict[str, Any]:
    return {
        "matched": len(result.pairs), "unmatched": len(result.unmatched), "total_score": round(result.total_score, 2),
        "certified_optimal": result.certified, "seconds": round(result.timings.get("total", 0.0), 3),
        "bad_rows": len(errors), "out": str(out),
    }


def run_match_cli(
    people_csv: Path, out: Path, date: date | None, config_file: Path | None, as_json: bool, console: Console,
    programme: str | None = None,
) -> int:
    """Read people, match them, write ``out``, print a summary (rich, or JSON with ``as_json``)."""
    def fail(message: str) -> int:
        if as_json:
            console.print_json(json.dumps({"error": message}))
        else:
            console.print(f"[bold red]error:[/] {message}")
        return 2

    try:
        spec = load_spec(programme, config_file)
        if spec is not None:
            config = spec.matching
        else:
            config = load_matching_config(config_file) if config_file else MatchingConfig()
    except (OSError, tomllib.TOMLDecodeError, ValidationError, ValueError) as exc:
        return fail(f"config {config_file or programme}: {exc}")
    try:
        if spec is not None:
            people, errors = spec.read_csv(people_csv.read_text(encoding="utf-8-sig"))
        else:
            people, errors = read_people(people_csv)
    except (OSError, UnicodeDecodeError) as exc:
        return fail(f"cannot read {people_csv}: {exc}")
    if not people and errors and errors[0].line == 1:
        return fail(f"{people_csv}: {errors[0].reason}")
    if not people:
        if not as_json:
            _print_bad_rows(console, errors)
        what = (f"none of its {len(errors)} rows is valid (each is listed with its problem)" if errors
                else "it has no rows")
        if as_json:
            console.print_json(json.dumps({"error": f"{people_csv}: nothing to match: {what}",
                                           "bad_rows": [{"line": e.line, "reason": e.reason} for e in errors]}))
            return 2
        console.print(f"[bold red]error:[/] {people_csv}: nothing to match: {what}. Nothing was written.")
        return 2
    run_date = date or SystemClock().now().date()
    try:
        result = match(people, config, reference_date=run_date)
    except ValueError as exc:
        return fail(str(exc))
    try:
        write_matches(out, result.pairs)
    except OSError as exc:
        return fail(f"cannot write {out}: {exc}")
    summary = _summary(result, errors, out)
    if as_json:
        console.print_json(json.dumps({
            "summary": summary,
            "unmatched": [{"id": u.person_id, "reason": u.reason} for u in result.unmatched],
            "bad_rows": [{"line": e.line, "reason": e.reason} for e in errors],
            "timings": {k: round(v, 4) for k, v in result.timings.items()},
        }))
    else:
        _print_rich(console, result, errors, summary, run_date)
    return 1 if errors else 0


def _print_rich(console: Console, result: MatchResult, errors: list[RowError], summary: dict[str, Any],
                run_date: date) -> None:
    table = Table(title=f"Match run ({run_date.isoformat()})", show_header=False)
    table.add_row("matched", str(summary["matched"]))
    table.add_row("unmatched", str(summary["unmatched"]))
    table.add_row("total score", f"{result.total_score:.2f}")
    table.add_row("certified optimal", "[green]yes[/]" if result.certified else "[red]no[/]")
    table.add_row("time", f"{summary['seconds']:.2f} s")
    table.add_row("written to", summary["out"])
    console.print(table)
    if result.unmatched:
        un = Table(title="Unmatched")
        un.add_column("id")
        un.add_column("why")
        for u in result.unmatched:
            un.add_row(u.person_id, u.reason)
        console.print(un)
    _print_bad_rows(console, errors)


def _print_bad_rows(console: Console, errors: list[RowError]) -> None:
    if errors:
        bad = Table(title="Rows not used", title_style="bold red")
        bad.add_column("line", justify="right")
        bad.add_column("reason")
        for e in errors:
            bad.add_row(str(e.line), e.reason)
        console.print(bad)
