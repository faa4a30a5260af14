from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.timezones import (
    Ambiguous,
    Exact,
    Unknown,
    describe_zone,
    format_offset,
    is_valid_zone,
    parse_timezone,
    utc_offset_hours,
)

# (what people type, the zone we store)
EXACT = [
    ("London", "Europe/London"),
    ("london", "Europe/London"),
    ("  LONDON  ", "Europe/London"),
    ("UK", "Europe/London"),
    ("United Kingdom", "Europe/London"),
    ("England", "Europe/London"),
    ("Scotland", "Europe/London"),
    ("Manchester", "Europe/London"),
    ("I'm in Manchester", "Europe/London"),
    ("London time", "Europe/London"),
    ("Birmingham UK", "Europe/London"),
    ("Perth, Scotland", "Europe/London"),
    ("BST", "Europe/London"),
    ("Europe/London", "Europe/London"),
    ("GB", "Europe/London"),
    ("Lagos", "Africa/Lagos"),
    ("Lagos, Nigeria", "Africa/Lagos"),
    ("Nigeria", "Africa/Lagos"),
    ("Abuja", "Africa/Lagos"),
    ("WAT", "Africa/Lagos"),
    ("Nairobi", "Africa/Nairobi"),
    ("Kenya", "Africa/Nairobi"),
    ("Accra", "Africa/Accra"),
    ("Cape Town", "Africa/Johannesburg"),
    ("South Africa", "Africa/Johannesburg"),
    ("Cairo", "Africa/Cairo"),
    ("Mumbai", "Asia/Kolkata"),
    ("Kolkata", "Asia/Kolkata"),
    ("Bangalore", "Asia/Kolkata"),
    ("India", "Asia/Kolkata"),
    ("+05:30", "Asia/Kolkata"),
    ("UTC+5:30", "Asia/Kolkata"),
    ("Karachi", "Asia/Karachi"),
    ("Dubai", "Asia/Dubai"),
    ("Singapore", "Asia/Singapore"),
    ("Hong Kong", "Asia/Hong_Kong"),
    ("Beijing", "Asia/Shanghai"),
    ("China", "Asia/Shanghai"),
    ("Tokyo", "Asia/Tokyo"),
    ("Japan", "Asia/Tokyo"),
    ("South Korea", "Asia/Seoul"),
    ("Sydney", "Australia/Sydney"),
    ("Sydney (Australia)", "Australia/Sydney"),
    ("Perth", "Australia/Perth"),
    ("AEST", "Australia/Sydney"),
    ("Auckland", "Pacific/Auckland"),
    ("New Zealand", "Pacific/Auckland"),
    ("Toronto", "America/Toronto"),
    ("Toronto Canada", "America/Toronto"),
    ("Vancouver", "America/Vancouver"),
    ("New York", "America/New_York"),
    ("NYC", "America/New_York"),
    ("New York, USA", "America/New_York"),
    ("Washington DC", "America/New_York"),
    ("EST", "America/New_York"),
    ("EDT", "America/New_York"),
    ("Eastern time", "America/New_York"),
    ("Chicago", "America/Chicago"),
    ("Los Angeles", "America/Los_Angeles"),
    ("San Francisco", "America/Los_Angeles"),
    ("PST", "America/Los_Angeles"),
    ("Portland, USA", "America/Los_Angeles"),
    ("Mexico City", "America/Mexico_City"),
    ("São Paulo", "America/Sao_Paulo"),
    ("Sao Paulo", "America/Sao_Paulo"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"),
    ("Paris", "Europe/Paris"),
    ("France", "Europe/Paris"),
    ("Paris, France", "Europe/Paris"),
    ("Europe/Paris", "Europe/Paris"),
    ("europe/paris", "Europe/Paris"),
    ("EUROPE/PARIS", "Europe/Paris"),
    ("CET", "Europe/Paris"),
    ("Berlin", "Europe/Berlin"),
    ("Germany", "Europe/Berlin"),
    ("Munich", "Europe/Berlin"),
    ("Zürich", "Europe/Zurich"),
    ("Madrid", "Europe/Madrid"),
    ("Dublin", "Europe/Dublin"),
    ("Ireland", "Europe/Dublin"),
    ("Kyiv", "Europe/Kyiv"),
    ("Istanbul", "Europe/Istanbul"),
    ("Türkiye", "Europe/Istanbul"),
    ("america/new_york", "America/New_York"),
    ("US/Eastern", "America/New_York"),
    ("Ho Chi Minh City", "Asia/Ho_Chi_Minh"),
    # offsets: Etc/GMT signs are inverted
    ("GMT+1", "Etc/GMT-1"),
    ("gmt +1", "Etc/GMT-1"),
    ("UTC+01:00", "Etc/GMT-1"),
    ("UTC-5", "Etc/GMT+5"),
    ("UTC−5", "Etc/GMT+5"),
    ("+3", "Etc/GMT-3"),
    ("UTC+14", "Etc/GMT-14"),
    ("UTC", "Etc/UTC"),
    ("UTC+0", "Etc/UTC"),
    ("Z", "Etc/UTC"),
    ("-03:30", "America/St_Johns"),
    ("+0545", "Asia/Kathmandu"),
]

AMBIGUOUS = [
    ("USA", {"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"}),
    ("United States", {"America/New_York", "America/Los_Angeles"}),
    ("Australia", {"Australia/Sydney", "Australia/Perth", "Australia/Brisbane"}),
    ("Canada", {"America/Toronto", "America/Vancouver", "America/Halifax"}),
    ("Brazil", {"America/Sao_Paulo", "America/Manaus"}),
    ("Russia", {"Europe/Moscow", "Asia/Vladivostok"}),
    ("IST", {"Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"}),
    ("GMT", {"Europe/London", "Etc/UTC"}),
    ("CST", {"America/Chicago", "Asia/Shanghai"}),
    ("Spain", {"Europe/Madrid", "Atlantic/Canary"}),
    ("Londn", {"Europe/London"}),
    ("Pariss", {"Europe/Paris"}),
    ("Nairobbi", {"Africa/Nairobi"}),
    ("Sidney", {"Australia/Sydney"}),
]

UNKNOWN = ["", "   ", "hello world", "asdfghjkl", "UTC+15", "UTC-13", "x" * 500, "my house", "???"]


@pytest.mark.parametrize(("text", "zone"), EXACT)
def test_real_inputs_resolve_to_one_iana_zone(text: str, zone: str) -> None:
    result = parse_timezone(text)
    assert isinstance(result, Exact), f"{text!r} gave {result}"
    assert result.zone == zone
    assert is_valid_zone(result.zone)
    assert result.label


@pytest.mark.parametrize(("text", "expected"), AMBIGUOUS)
def test_ambiguous_inputs_offer_choices_that_include_the_likely_zones(text: str, expected: set[str]) -> None:
    result = parse_timezone(text)
    assert isinstance(result, Ambiguous), f"{text!r} gave {result}"
    assert expected <= set(result.choices)
    assert 1 <= len(result.choices) <= 25
    assert len(set(result.choices)) == len(result.choices)
    assert all(is_valid_zone(z) for z in result.choices)


@pytest.mark.parametrize("text", UNKNOWN)
def test_nonsense_is_unknown_not_a_guess(text: str) -> None:
    assert isinstance(parse_timezone(text), Unknown)


def test_table_has_at_least_forty_real_inputs() -> None:
    assert len(EXACT) + len(AMBIGUOUS) >= 40


def test_every_country_answer_is_a_loadable_zone() -> None:
    for text in ["Ghana", "Uganda", "Pakistan", "Bangladesh", "Philippines", "Indonesia", "Mexico", "Chile"]:
        result = parse_timezone(text)
        zones = [result.zone] if isinstance(result, Exact) else getattr(result, "choices", [])
        assert zones and all(is_valid_zone(z) for z in zones), text


def test_fixed_offset_sign_matches_what_was_typed() -> None:
    plus = parse_timezone("GMT+1")
    assert isinstance(plus, Exact)
    assert utc_offset_hours(plus.zone, date(2025, 1, 15)) == 1.0
    minus = parse_timezone("UTC-5")
    assert isinstance(minus, Exact)
    assert utc_offset_hours(minus.zone, date(2025, 7, 15)) == -5.0


def test_utc_offset_follows_daylight_saving() -> None:
    assert utc_offset_hours("Europe/London", date(2025, 1, 15)) == 0.0
    assert utc_offset_hours("Europe/London", date(2025, 7, 15)) == 1.0
    assert utc_offset_hours("Asia/Kolkata", date(2025, 7, 15)) == 5.5
    assert utc_offset_hours("Australia/Sydney", date(2025, 1, 15)) == 11.0


def test_describe_zone_reads_like_a_confirmation() -> None:
    assert describe_zone("Europe/London", date(2025, 1, 15)) == "Europe/London (UTC+0 today)"
    assert describe_zone("Europe/London", date(2025, 7, 15)) == "Europe/London (UTC+1 today)"
    assert describe_zone("Asia/Kathmandu", date(2025, 7, 15)) == "Asia/Kathmandu (UTC+5:45 today)"
    # a fixed offset reads the way the person typed it, not as POSIX's inverted "Etc/GMT-1 (UTC+1 today)"
    assert describe_zone("Etc/GMT-1", date(2025, 7, 15)) == "UTC+1"
    assert describe_zone("Etc/GMT+5") == "UTC-5"
    assert format_offset(-3.5) == "UTC-3:30"


def test_parse_never_raises_on_odd_input() -> None:
    for text in ["../../etc/passwd", "Europe/../../x", "@everyone", "🇬🇧", "東京", "+99:99", "\x00", "/"]:
        parse_timezone(text)
    assert not is_valid_zone("../etc/passwd")
    assert not is_valid_zone("")


@given(st.text(max_size=80))
def test_any_text_gives_a_result_with_loadable_zones(text: str) -> None:
    result = parse_timezone(text)
    if isinstance(result, Exact):
        assert is_valid_zone(result.zone)
    elif isinstance(result, Ambiguous):
        assert 1 <= len(result.choices) <= 25 and all(is_valid_zone(z) for z in result.choices)
