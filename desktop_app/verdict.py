"""One verdict per lead: the rule, written once, used by the store, the window, the CLI and exports.

The verdict is read from the *latest completed check of each vendor* that checks a lead's evidence
(:data:`VERDICT_VENDORS`) and that was made with the lead's own data (a manual check sent with another email
does not count for the lead; it is kept and shown beside it):

==========  ===========================================================================================
Red         any of those vendors' latest flag is red (a certificate that does not match or is expired, a
            failed LeadiD rule, a known TCPA litigator, a Contact State certificate not found)
Yellow      no red, and any flag is yellow (a partial match, a yellow rule, a claim not scored yet)
Green       every vendor that checked the lead said green
Unchecked   no vendor has completed a check of the lead (a vendor not checked does not count)
==========  ===========================================================================================

Consent Control is not in the rule: an opt-out upload is about the consumer, not a lead's evidence, and it
shows in the lookup and the suppression list instead. Failed calls carry no flag and never count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from desktop_app.vendors.registry import LEAD_VENDORS, VENDOR_LABELS

VERDICT_VENDORS = LEAD_VENDORS  # every vendor that checks a lead's evidence counts toward its verdict


class Verdict(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"
    UNCHECKED = "unchecked"

    @property
    def word(self) -> str:
        return "Unchecked" if self is Verdict.UNCHECKED else self.value.capitalize()


def review_words(review: Mapping[str, Any]) -> str:
    """A review (``store.reviews``: reason, seat, at) in words: ``reviewed: <reason> (by <seat>, <date>)``."""
    seat, day = review.get("seat") or "unknown", str(review.get("at") or "")[:10]
    return f"reviewed: {review.get('reason')} (by {seat}, {day})"


def verdict_words(verdict: str, review: Mapping[str, Any] | None = None) -> str:
    """The verdict as one says it: ``Red``, or ``Red — reviewed: <reason> (by <seat>, <date>)`` for a red lead
    someone marked reviewed (the review does not change the verdict; it says a person looked at it)."""
    word = Verdict(verdict).word
    return f"{word} — {review_words(review)}" if review and verdict == Verdict.RED else word


# Worst first: the first colour any vendor has is the verdict.
_ORDER = (Verdict.RED, Verdict.YELLOW, Verdict.GREEN)


def verdict_of(flags: Mapping[str, str | None]) -> Verdict:
    """The verdict from each vendor's latest flag (``{"trustedform": "green", "jornaya": None, ...}``)."""
    present = {flags.get(vendor) for vendor in VERDICT_VENDORS}
    for colour in _ORDER:
        if colour.value in present:
            return colour
    return Verdict.UNCHECKED


def verdict_sql(column: str = "flag_{vendor}") -> str:
    """The same rule as an SQL expression over the lead's flag columns (for updates of many leads at once)."""
    columns = [column.format(vendor=vendor) for vendor in VERDICT_VENDORS]
    whens = " ".join(
        f"WHEN '{colour.value}' IN ({', '.join(f'coalesce({c}, {chr(39)}{chr(39)})' for c in columns)}) "
        f"THEN '{colour.value}'"
        for colour in _ORDER
    )
    return f"CASE {whens} ELSE '{Verdict.UNCHECKED.value}' END"


@dataclass(frozen=True)
class VendorAnswer:
    """A vendor's latest counted answer about a lead: its flag and the summary the vendor client wrote."""

    vendor: str
    flag: str
    summary: str


def reasons(answers: Mapping[str, VendorAnswer]) -> list[str]:
    """Why the lead has its verdict, in a buyer's words: every red answer, then every yellow one; for a green
    lead, which vendors said so."""
    verdict = verdict_of({vendor: answer.flag for vendor, answer in answers.items()})
    if verdict is Verdict.UNCHECKED:
        return ["No vendor has checked this lead yet."]
    if verdict is Verdict.GREEN:
        names = [VENDOR_LABELS[v] for v in VERDICT_VENDORS if v in answers]
        return [f"Every vendor that checked it is green ({', '.join(names)})."]
    return [*answers_of_colour(answers, Verdict.RED.value), *answers_of_colour(answers, Verdict.YELLOW.value)]


def answers_of_colour(answers: Mapping[str, VendorAnswer], colour: str) -> list[str]:
    """The answers that are ``colour``, each as ``"TrustedForm: <the vendor's sentence>"``, in verdict order."""
    return [
        f"{VENDOR_LABELS[vendor]}: {answer.summary}"
        for vendor in VERDICT_VENDORS
        if (answer := answers.get(vendor)) is not None and answer.flag == colour
    ]


def count_line(counts: Mapping[str, int]) -> str:
    """``"195 leads: 12 red, 30 yellow, 153 green"`` (unchecked named only when there are some)."""
    total = sum(counts.values())
    parts = [f"{counts.get(v.value, 0):,} {v.value}" for v in _ORDER]
    if counts.get(Verdict.UNCHECKED.value):
        parts.append(f"{counts[Verdict.UNCHECKED.value]:,} unchecked")
    return f"{total:,} lead{'s' if total != 1 else ''}: " + ", ".join(parts)
