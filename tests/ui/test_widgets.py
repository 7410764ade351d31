"""The shared result widgets: flag badge words, rule chip tooltips, the raw-response expander, the error banner,
the result card and the recent-checks list."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.store import Store
from desktop_app.ui.theme import FLAG_COLOURS, contrast_ratio, dark_palette
from desktop_app.ui.widgets import (
    CardBuilder,
    ErrorBanner,
    FieldForm,
    FlagBadge,
    RawResponseExpander,
    RecentChecksList,
    ResultCard,
    RuleChip,
)
from desktop_app.ui.widgets.text import local_time
from desktop_app.vendors.errors import CallError, ErrorKind, InputError, MissingCredentials
from desktop_app.vendors.results import CheckResult, Flag


def result(flag: Flag | None = Flag.GREEN, *, error: CallError | None = None, subject: str = "s1") -> CheckResult:
    return CheckResult(
        vendor="litigator",
        operation="check",
        subject=subject,
        flag=flag,
        summary=f"summary {subject}",
        details={"n": 1},
        error=error,
        request={"method": "POST", "url": "https://api.example/x", "headers": {"Authorization": "[redacted]"}},
        response_body='{"a": {"b": 1}}',
    )


def test_badge_always_shows_the_word(qtbot: QtBot) -> None:
    badge = FlagBadge()
    qtbot.addWidget(badge)
    for flag, word in ((Flag.GREEN, "Green"), (Flag.YELLOW, "Yellow"), (Flag.RED, "Red")):
        badge.set_flag(flag)
        assert badge.text().endswith(word)
        assert badge.accessibleName() == f"Flag: {word}"
        assert FLAG_COLOURS[flag.value][0] in badge.styleSheet()
    badge.set_flag(None, none_text="Done")
    assert badge.text() == "Done" and badge.flag is None


def test_flag_text_contrasts_with_fill() -> None:
    from PySide6.QtGui import QColor

    for fill, text in FLAG_COLOURS.values():
        assert contrast_ratio(QColor(fill), QColor(text)) >= 4.5


def test_rule_chip_word_colour_and_tooltip(qtbot: QtBot) -> None:
    chip = RuleChip("Capture", "yellow", "The visual playback has been partially captured.")
    qtbot.addWidget(chip)
    assert chip.text().endswith("Capture: Yellow")
    assert chip.toolTip() == "The visual playback has been partially captured."
    assert chip.accessibleDescription() == chip.toolTip()
    missing = RuleChip("Stored", None, "Not returned.")
    qtbot.addWidget(missing)
    assert missing.text() == "Stored: Not returned" and missing.colour is None


def test_expander_collapsed_by_default_and_pretty_prints(qtbot: QtBot) -> None:
    expander = RawResponseExpander()
    qtbot.addWidget(expander)
    expander.set_content({"method": "GET", "headers": {"api-key": "[redacted]"}}, '{"a": {"b": 1}}')
    assert not expander.expanded
    assert expander.toggle.text() == "Show raw response"
    expander.toggle.click()
    assert expander.expanded and expander.toggle.text() == "Hide raw response"
    text = expander.text()
    assert '"a": {\n    "b": 1\n  }' in text
    assert "Request (secrets redacted)" in text
    assert expander.view.isReadOnly()
    expander.set_content({}, "<html>oops</html>")
    assert not expander.expanded
    assert "(nothing was sent)" in expander.text() and "<html>oops</html>" in expander.text()


def test_error_banner_shows_message_hint_and_status(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    banner = ErrorBanner(host)
    assert banner.isHidden()
    banner.show_error(CallError(ErrorKind.AUTH, "Key refused.", http_status=401, code=1000, hint="Open Settings → X."))
    assert not banner.isHidden()
    assert banner.message_label.text() == "Key refused."
    assert "Open Settings → X." in banner.hint_label.text()
    assert banner.meta_label.text() == "HTTP 401 · vendor code 1000"  # the heading says the kind in words
    banner.show_exception(MissingCredentials("jornaya", ["LEADCHECK_JORNAYA_AUDIT_KEY"], "No audit key."))
    assert banner.problem is not None and banner.problem.kind == "credentials"
    assert "Settings → Jornaya" in banner.hint_label.text()
    banner.show_exception(InputError("Bad phone."))
    assert banner.problem.kind == "input" and "Nothing was sent" in banner.hint_label.text()


def test_card_renders_details_and_error(qtbot: QtBot) -> None:
    def renderer(r: CheckResult, card: CardBuilder) -> None:
        card.row("Number", r.details.get("n"))
        card.link("Where", "https://example.com/x", note="valid 7 days")
        card.chips([RuleChip("Rule", "red", "meaning")])
        card.table(["A", "B"], [["1", "2"]], colours=["green"], colour_column=0, name="t")

    card = ResultCard(renderer, "placeholder")
    qtbot.addWidget(card)
    assert card.result is None and card.flag_word is None
    card.show_result(result(Flag.YELLOW))
    assert card.flag_word == "Yellow" and not card.shows_error
    assert card.values == {"Number": "1", "Where": "https://example.com/x"}
    assert card.chips[0].toolTip() == "meaning"
    assert card.tables["t"].item(0, 0).background().color().name() == FLAG_COLOURS["green"][0]
    assert (
        local_time(card.result.finished_at if card.result else None) in card.subject_label.text().replace(":", ":")
        or card.subject_label.text()
    )
    failed = result(None, error=CallError(ErrorKind.NETWORK, "No connection.", hint="Check the cable."))
    card.show_result(failed)
    assert card.shows_error and card.flag_word is None and card.badge.isHidden()
    assert card.error_banner.message_label.text() == "No connection."
    card.show_exception(InputError("Nope."), "litigator")
    assert card.shows_error and card.raw_expander.isHidden() and card.header.isHidden()


def test_recent_list_words_and_selection(qtbot: QtBot, store: Store) -> None:
    store.record_check(result(Flag.GREEN, subject="first"))
    store.record_check(result(None, error=CallError(ErrorKind.AUTH, "refused"), subject="second"))
    store.record_check(result(None, subject="third"))
    recent = RecentChecksList(store, "litigator")
    qtbot.addWidget(recent)
    recent.refresh()
    assert [recent.row_texts(i)[0] for i in range(3)] == ["Done", "Failed", "✓ Green"]
    assert recent.row_texts(2)[1] == "first"
    chosen: list[CheckResult] = []
    recent.check_selected.connect(chosen.append)
    recent.select_row(2)
    assert chosen and chosen[0].subject == "first" and chosen[0].flag is Flag.GREEN
    recent.refresh()
    assert recent.tree.currentItem() is None


def test_field_form_values_and_read_only(qtbot: QtBot) -> None:
    form = FieldForm(columns=2)
    qtbot.addWidget(form)
    box = form.add_line("a", "A", max_length=3)
    form.add_combo("b", "B", [("x", "Ex"), "y"])
    changes: list[bool] = []
    form.changed.connect(lambda: changes.append(True))
    box.setText("abcdef")
    assert form.values() == {"a": "abc"}
    form.set_value("b", "x")
    assert form.values() == {"a": "abc", "b": "x"} and changes
    form.set_read_only(True)
    assert box.isReadOnly() and not form.fields["b"].isEnabled()
    form.clear()
    assert form.values() == {}


def test_widgets_follow_a_dark_palette(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    previous = app.palette()
    app.setPalette(dark_palette())
    try:
        host = QWidget()
        qtbot.addWidget(host)
        chip = RuleChip("Stored", None, "meaning", parent=host)
        banner = ErrorBanner(host)
        banner.show_error(CallError(ErrorKind.AUTH, "x"))
        # neutral pieces take the dark palette's light text; the banner keeps it after restyling
        assert "color: #e8e8e8" in chip.styleSheet()
        assert "color: #e8e8e8" in banner.styleSheet()
        banner.show_error(CallError(ErrorKind.AUTH, "y"))
        assert "color: #e8e8e8" in banner.styleSheet()
    finally:
        app.setPalette(previous)
    app.sendPostedEvents()
    # and they follow the palette back to light
    assert "color: #e8e8e8" not in chip.styleSheet()
