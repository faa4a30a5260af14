from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.onboarding.safe_text import ZWSP, clean_input, safe_text, truncate


def test_mass_mentions_cannot_ping() -> None:
    out = safe_text("hi @everyone and @here <@123> <@!456> <@&789>")
    assert "@everyone" not in out and "@here" not in out
    assert "<@123>" not in out and "<@&789>" not in out
    assert f"@{ZWSP}everyone" in out


def test_markdown_is_escaped() -> None:
    out = safe_text("**bold** __u__ ~~s~~ `code` ||spoiler|| > quote # head [link](http://x)")
    for raw in ["**bold**", "`code`", "||spoiler||", "[link](", "~~s~~"]:
        assert raw not in out
    assert r"\*\*bold\*\*" in out


def test_long_text_is_truncated_with_an_ellipsis() -> None:
    out = safe_text("a" * 5000, 100)
    assert len(out) == 100 and out.endswith("…")


def test_truncation_never_splits_an_emoji_or_flag() -> None:
    family = "👩\u200d👩\u200d👧\u200d👦"
    cut = truncate("ab" + family * 3, 6)
    assert "\u200d" not in cut[-2:]
    assert truncate("🇬🇧🇳🇬🇫🇷", 4) == "🇬🇧…"
    assert truncate("e\u0301" * 10, 4).count("\u0301") == truncate("e\u0301" * 10, 4).count("e")


def test_non_latin_names_and_emoji_pass_through() -> None:
    for name in ["李小龙", "محمد", "Zoë Ñúñez", "Ада", "Ngozi 🌍"]:
        assert safe_text(name) == name


def test_bidi_overrides_and_control_characters_are_removed() -> None:
    assert clean_input("abc\u202edef\x00\x07") == "abcdef"
    assert clean_input("a\n\n\n\n\nb", one_line=False) == "a\n\nb"


@given(st.text(max_size=3000))
def test_safe_text_is_bounded_and_never_pings(text: str) -> None:
    out = safe_text(text, 200)
    assert len(out) <= 400 + out.count(ZWSP)
    for i, ch in enumerate(out):
        if ch == "@":
            assert out[i + 1 : i + 2] == ZWSP


# --- text built for Discord fits Discord's limits after escaping (issue 17) ----------------------------------

def test_a_long_school_name_fits_a_select_option_description_after_escaping() -> None:
    from bot.onboarding.safe_text import SELECT_OPTION_DESCRIPTION, fit_text

    school = "St. Mary's C-of-E (Voluntary-Aided) Primary School & Nursery — *Hill_Top* [Academy] (Multi-Academy) Trust"
    assert len(school) > 90 and len(safe_text(school, 90)) > SELECT_OPTION_DESCRIPTION  # what broke before
    shown = fit_text(school, SELECT_OPTION_DESCRIPTION)
    assert len(shown) <= SELECT_OPTION_DESCRIPTION and shown.endswith("…") and shown.startswith("St. Mary")
    assert not shown.rstrip("…").endswith("\\")


def test_a_long_answer_fits_an_embed_field_and_short_text_is_unchanged() -> None:
    from bot.onboarding.safe_text import EMBED_FIELD_VALUE, fit_lines, fit_text

    assert len(fit_text("_*" * 1000, EMBED_FIELD_VALUE)) <= EMBED_FIELD_VALUE
    assert len(fit_text("@everyone " * 200, EMBED_FIELD_VALUE)) <= EMBED_FIELD_VALUE
    assert fit_text("Hill School", 100) == "Hill School"
    assert fit_text("👩🏽‍🏫" * 50, 20).endswith("…")
    joined = fit_lines(["x" * 500] * 5, EMBED_FIELD_VALUE)
    assert len(joined) <= EMBED_FIELD_VALUE and joined.endswith("…")
