"""``[dashboard]``: off by default; enabled it needs its public address and two secrets from the environment,
and a bad value stops start-up with the key and the reason."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, parse_config

SECRET = "s" * 40


def problems_of(data: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    return info.value.problems


def test_the_dashboard_is_off_unless_the_config_turns_it_on() -> None:
    assert parse_config({}).config.dashboard.enabled is False


def test_an_enabled_dashboard_needs_its_public_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_CLIENT_SECRET", "x")
    monkeypatch.setenv("DASHBOARD_SESSION_SECRET", SECRET)
    problems = problems_of({"dashboard": {"enabled": True}})
    assert any(p.startswith("dashboard") and "public_url is required" in p for p in problems), problems
    problems = problems_of({"dashboard": {"enabled": True, "public_url": "http://mentoring.example.org"}})
    assert any(p.startswith("dashboard.public_url") and "https://" in p for p in problems), problems
    problems = problems_of({"dashboard": {"enabled": True, "public_url": "https://x.example.org", "port": 70000}})
    assert any(p.startswith("dashboard.port") for p in problems), problems
    ok = parse_config({"dashboard": {"enabled": True, "public_url": "https://mentoring.example.org/"}})
    assert ok.config.dashboard.public_url == "https://mentoring.example.org"


def test_an_enabled_dashboard_names_each_missing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("DASHBOARD_SESSION_SECRET", "short")
    problems = problems_of({"dashboard": {"enabled": True, "public_url": "https://mentoring.example.org"}})
    assert any(p.startswith("DISCORD_CLIENT_SECRET:") for p in problems), problems
    assert any(p.startswith("DASHBOARD_SESSION_SECRET:") and "too short" in p for p in problems), problems
    assert not any("short" in p and SECRET in p for p in problems)


def test_dashboard_secrets_in_the_file_are_refused() -> None:
    problems = problems_of({"dashboard": {"client_secret": "abc", "session_secret": "def"}})
    assert any("DISCORD_CLIENT_SECRET" in p for p in problems) and any("DASHBOARD_SESSION_SECRET" in p for p in problems)
