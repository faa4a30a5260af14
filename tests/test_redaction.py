"""Redacting a person who left from the bot's messages: whole words only, every shown text of an embed, within
Discord's limits, addresses untouched."""

from __future__ import annotations

from bot.redaction import LEFT, Redactor


def test_a_name_is_replaced_as_a_whole_word_not_inside_another_word() -> None:
    r = Redactor(["Ana", "<@123>"])
    assert r.text("Ana met <@123> about Analysis; ask Ana.") == f"{LEFT} met {LEFT} about Analysis; ask {LEFT}."
    assert not r.names_in("Banana analysis")


def test_every_shown_text_of_an_embed_is_redacted_and_addresses_are_not() -> None:
    embed = {"title": "Goals of Ana", "description": "Ana's plan", "url": "https://example.org/Ana",
             "fields": [{"name": "Goal 1 · Ana", "value": "Ana: lead a briefing", "inline": False}],
             "footer": {"text": "for Ana", "icon_url": "https://example.org/Ana.png"},
             "author": {"name": "Ana", "url": "https://example.org/Ana"}}
    out = Redactor(["Ana"]).embed(embed)
    assert "Ana" not in str({k: v for k, v in out.items() if k != "url"}).replace("example.org/Ana", "")
    assert out["url"] == embed["url"] and out["footer"]["icon_url"] == embed["footer"]["icon_url"]
    assert out["fields"][0]["value"] == f"{LEFT}: lead a briefing" and out["fields"][0]["inline"] is False


def test_a_redacted_field_stays_within_discords_limit() -> None:
    out = Redactor(["Al"]).embed({"fields": [{"name": "n", "value": "Al " * 341}]})
    assert len(out["fields"][0]["value"]) <= 1024 and out["fields"][0]["value"].endswith("…")
