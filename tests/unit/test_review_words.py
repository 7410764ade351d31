"""How a review reads beside a verdict."""

from __future__ import annotations

from desktop_app.verdict import review_words, verdict_words

REVIEW = {"reason": "a false positive", "seat": "ann", "at": "2026-03-01T10:00:00.000Z"}


def test_a_reviewed_red_verdict_reads_with_its_reason_seat_and_date() -> None:
    assert verdict_words("red", REVIEW) == "Red — reviewed: a false positive (by ann, 2026-03-01)"
    assert review_words(REVIEW) == "reviewed: a false positive (by ann, 2026-03-01)"


def test_an_unreviewed_or_not_red_verdict_reads_as_the_word() -> None:
    assert verdict_words("red") == "Red"
    assert verdict_words("green", REVIEW) == "Green"
    assert verdict_words("unchecked", None) == "Unchecked"
