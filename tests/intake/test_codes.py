"""Claim codes are short, unambiguous, programme-prefixed and forgiving on input."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.intake.codes import ALPHABET, ClaimCodes, normalise_code, programme_prefix


def test_alphabet_has_no_look_alikes() -> None:
    assert not set("0O1IL") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 30


def test_prefix_comes_from_the_programme() -> None:
    assert programme_prefix("#EduMentoring") == "EDU"
    assert ClaimCodes.for_programme("RunTogether", rng=random.Random(1)).new().startswith("RUN-")


def test_code_shape_and_alphabet() -> None:
    codes = ClaimCodes("EDU")
    for _ in range(200):
        code = codes.new()
        prefix, body = code.split("-")
        assert prefix == "EDU" and len(body) == 4 and set(body) <= set(ALPHABET)


def test_seeded_rng_gives_the_same_codes() -> None:
    a = ClaimCodes("EDU", rng=random.Random(7))
    b = ClaimCodes("EDU", rng=random.Random(7))
    assert [a.new() for _ in range(5)] == [b.new() for _ in range(5)]


def test_new_code_avoids_taken_ones() -> None:
    codes = ClaimCodes("EDU", length=3, rng=random.Random(3))
    taken = {codes.new() for _ in range(20)}
    fresh = ClaimCodes("EDU", length=3, rng=random.Random(3)).new(taken)
    assert fresh not in taken
    seen: list[str] = []
    first_free = ClaimCodes("EDU", rng=random.Random(5)).new(lambda c: seen.append(c) or len(seen) < 3)
    assert first_free == seen[2]  # the predicate said the first two were taken


@pytest.mark.parametrize("typed", ["edu-7k2q", "EDU 7K2Q", " edu7k2q ", "#EDU_7k2q", "e d u - 7 k 2 q", "7k2q"])
def test_typed_variants_normalise_to_the_code(typed: str) -> None:
    assert ClaimCodes("EDU").normalise(typed) == "EDU-7K2Q"


@pytest.mark.parametrize("typed", ["EDU-7K20", "EDU-OK2Q", "EDU-7K2", "RUN-7K2Q", "", "hello"])
def test_invalid_or_foreign_codes_are_rejected(typed: str) -> None:
    assert ClaimCodes("EDU").normalise(typed) is None


def test_code_is_found_inside_a_message() -> None:
    codes = ClaimCodes("EDU")
    assert codes.find("hi! my code is edu 7k2q, thanks") == "EDU-7K2Q"
    assert codes.find("no code here, education 2024") is None


@given(st.randoms(use_true_random=False))
def test_generated_codes_survive_sloppy_typing(rng: random.Random) -> None:
    codes = ClaimCodes("EDU", rng=rng)
    code = codes.new()
    sloppy = " ".join(code.lower().replace("-", ""))
    assert codes.normalise(sloppy) == code
    assert normalise_code(sloppy) == code


def test_a_word_that_starts_with_the_prefix_is_not_a_code_inside_a_sentence() -> None:
    codes = ClaimCodes("LIB")
    assert codes.find("Kent Library Service") is None  # LIB + RARY: letters of the alphabet, but a word
    assert codes.find("my code is lib-rary") == "LIB-RARY"  # written apart, it is one
    assert codes.find("my code is lib7k2q") == "LIB-7K2Q"
