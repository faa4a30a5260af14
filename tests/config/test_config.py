"""The config loader accepts the documented example and rejects each kind of bad value with its path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"key": "edu", "name": "Edu", "guild_id": 42}


def problems_of(data: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    return info.value.problems


def programme(**changes: object) -> dict[str, object]:
    table: dict[str, object] = dict(GOOD)
    table.update(changes)
    return {"programme": [table]}


def test_the_documented_example_is_valid() -> None:
    settings = load_config(ROOT / "config.example.toml")
    prog = settings.config.programme[0]
    assert prog.key == "edumentoring"
    assert prog.matching.max_timezone_gap_hours == 3
    assert [s.key for s in prog.nudges.steps][:2] == ["day3-met", "week2-checkin"]


def test_an_empty_file_means_no_programmes_and_the_sqlite_default() -> None:
    settings = parse_config({})
    assert settings.config.programme == []
    assert settings.database_url.startswith("sqlite+aiosqlite:///")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (programme(matching={"max_timezone_gap_hours": 20}),
         "programme[0].matching.max_timezone_gap_hours: must be between 0 and 12"),
        (programme(guild_id="abc"), "programme[0].guild_id: must be a whole number (got 'abc')"),
        (programme(guild_id=-5), "programme[0].guild_id: must be more than 0"),
        (programme(key="Bad Key!"), "programme[0].key: has a form that is not allowed"),
        (programme(spaces={"mode": "rooms"}), "programme[0].spaces.mode: must be 'auto', 'channels' or 'threads'"),
        (programme(colour="blue"), "programme[0].colour: unknown key"),
        (programme(questions={"preset": "chess"}), "unknown question preset 'chess'"),
        (programme(intake={"hashtags": ["Edu Mentoring"]}), "programme[0].intake.hashtags: 'Edu Mentoring' is not a hashtag"),
        (programme(cohort_start="2026-09-01", cohort_end="2026-08-01"), "cohort_end must be after cohort_start"),
        (programme(quiet_hours={"excluded_weekdays": [9]}), "programme[0].quiet_hours.excluded_weekdays"),
        (programme(nudges={"steps": [{"key": "a", "day": 3, "text": "Hi {partnr}"}]}), "partnr"),
        (programme(invite_url="discord.gg/x"), "programme[0].invite_url: must be a link starting with https://"),
        ({"programme": [GOOD, GOOD]}, "programme key 'edu' is used twice"),
        ({"programme": [{"name": "x"}]}, "programme[0].key: is required"),
        ({"bot": {"log_level": "LOUD"}}, "bot.log_level: must be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'"),
        ({"bot": {"pacing": {"messages_per_second": 100}}}, "bot.pacing.messages_per_second: must be"),
        ({"bot": {"database_url": "postgresql://u:hunter2@db/x"}},
         "bot.database_url: holds a password: put the URL in the DATABASE_URL environment variable instead"),
    ],
)
def test_each_bad_value_is_reported_with_its_path_and_reason(data: dict[str, object], expected: str) -> None:
    problems = problems_of(data)
    assert any(expected in p for p in problems), problems


def test_every_problem_is_reported_not_just_the_first() -> None:
    problems = problems_of(programme(guild_id="x", matching={"max_timezone_gap_hours": 99}, colour=1))
    assert len(problems) == 3


def test_secrets_in_the_file_are_refused_and_not_echoed() -> None:
    problems = problems_of({"bot": {"discord_token": "MTIz.super-secret"}})
    assert problems == ["bot.discord_token: secrets are read only from the environment; remove it and set DISCORD_TOKEN"]
    assert not any("super-secret" in p for p in problems)


def test_secrets_come_from_the_environment_and_are_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.super-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pw@db/x")
    settings = parse_config({})
    assert settings.secrets.discord_token is not None
    assert settings.secrets.discord_token.get_secret_value() == "MTIz.super-secret"
    assert "super-secret" not in repr(settings.secrets) and "super-secret" not in repr(settings)
    assert settings.database_url == "postgresql://u:pw@db/x"


def test_environment_overrides_file_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_BOT__LOG_LEVEL", "DEBUG")
    assert parse_config({"bot": {"log_level": "ERROR"}}).config.bot.log_level == "DEBUG"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "MENTORBOT_"))}
    full_env.update(env or {})
    full_env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT,
                          env=full_env, timeout=60)


def test_check_config_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[programme]]\nkey = "edu"\nname = "Edu"\nguild_id = 1\n'
                   "[programme.matching]\nmax_timezone_gap_hours = 20\n", encoding="utf-8")
    result = _cli("check-config", str(bad))
    assert result.returncode == 1
    assert "programme[0].matching.max_timezone_gap_hours: must be between 0 and 12" in result.stderr


def test_check_config_accepts_the_example() -> None:
    result = _cli("check-config", "config.example.toml")
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_run_with_a_bad_config_stops_before_connecting(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[bot]\nlog_level = 'LOUD'\n", encoding="utf-8")
    result = _cli("run", "--config", str(bad), env={"DISCORD_TOKEN": "x" * 30})
    assert result.returncode == 1
    assert "bot.log_level" in result.stderr


def test_run_without_a_token_says_what_to_do() -> None:
    result = _cli("run", "--config", "config.example.toml")
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr


def test_db_upgrade_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    for _ in range(2):
        result = _cli("db", "upgrade", env={"DATABASE_URL": url})
        assert result.returncode == 0, result.stderr
        assert "database is at revision" in result.stdout
    tables = {r[0] for r in sqlite3.connect(tmp_path / "bot.db").execute("select name from sqlite_master")}
    assert {"person", "profile", "match", "nudge", "lead"} <= tables
