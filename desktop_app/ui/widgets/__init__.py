"""Widgets the vendor tabs share: the result card, flag badge, rule chip, error banner, raw-response expander,
recent-checks list and a small field-form helper."""

from desktop_app.ui.widgets.error_banner import ErrorBanner, Problem
from desktop_app.ui.widgets.field_form import FieldForm
from desktop_app.ui.widgets.flags import FlagBadge, RuleChip, flag_colours, flag_word
from desktop_app.ui.widgets.raw_response import RawResponseExpander
from desktop_app.ui.widgets.recent_checks import RecentChecksList
from desktop_app.ui.widgets.result_card import CardBuilder, Renderer, ResultCard

__all__ = [
    "CardBuilder",
    "ErrorBanner",
    "FieldForm",
    "FlagBadge",
    "Problem",
    "RawResponseExpander",
    "RecentChecksList",
    "Renderer",
    "ResultCard",
    "RuleChip",
    "flag_colours",
    "flag_word",
]
