"""Every setting is checked by one rule, from the environment, ``settings.json`` and the dialog alike.

A value Leadcheck cannot use is refused with a sentence naming the setting, what it accepts and what it is;
nothing falls back silently to a default.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from desktop_app.paths import Paths
from desktop_app.settings import SETTINGS, InvalidSetting, Settings, origins_from_env, setting
from desktop_app.vendors.credentials import field


@pytest.fixture
def paths() -> Paths:
    return Paths.from_env().ensure()


def write_settings(paths: Paths, text: str) -> None:
    paths.config_file.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "0", "0.5", "601", "-3", "1e9", "thirty", "1_0", "30s"])
def test_bad_timeout_from_the_environment_is_refused_with_a_sentence(paths: Paths, value: str) -> None:
    with pytest.raises(InvalidSetting) as info:
        Settings(paths, environ={"LEADCHECK_TIMEOUT": value})
    assert str(info.value) == (f"LEADCHECK_TIMEOUT must be a number of seconds between 1 and 600; it is “{value}”.")
    assert info.value.setting == "LEADCHECK_TIMEOUT"


@pytest.mark.parametrize(("value", "expected"), [("1", 1.0), ("600", 600.0), ("2.5", 2.5), (" 45 ", 45.0)])
def test_timeout_range_ends_are_accepted(paths: Paths, value: str, expected: float) -> None:
    assert Settings(paths, environ={"LEADCHECK_TIMEOUT": value}).timeout == expected


@pytest.mark.parametrize("value", ["yes", "child", "1", "process here"])
def test_an_unknown_import_reader_is_refused_with_the_words_it_accepts(paths: Paths, value: str) -> None:
    with pytest.raises(InvalidSetting) as info:
        Settings(paths, environ={"LEADCHECK_IMPORT_READER": value})
    assert str(info.value) == f"LEADCHECK_IMPORT_READER must be auto, process or here; it is “{value}”."


@pytest.mark.parametrize(("value", "reader"), [("", None), ("auto", None), (" Process ", True), ("HERE", False)])
def test_the_import_reader_setting_says_where_an_import_reads(paths: Paths, value: str, reader: bool | None) -> None:
    """``import_reader`` as LeadImporter's ``reader_process``: unset or auto lets the importer decide."""
    assert Settings(paths, environ={"LEADCHECK_IMPORT_READER": value}).import_reader is reader
    write_settings(paths, '{"import_reader": "here"}')
    assert Settings(paths, environ={}).import_reader is False


def json_problem(text: str) -> str:
    """What Python's json module says is wrong with ``text``, and where (wording and column change between Python
    versions: 3.13 names the trailing comma)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    raise AssertionError(f"{text!r} is valid JSON")


TRAILING_COMMA = '{"timeout": 30,}'


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"timeout": "30"}', "timeout must be a number of seconds between 1 and 600; it is the text “30”"),
        ('{"timeout": 0}', "timeout must be a number of seconds between 1 and 600; it is “0”"),
        ('{"timeout": true}', "timeout must be a number of seconds between 1 and 600; it is “true”"),
        ('{"timeout": null}', "it is “null”"),
        ('{"concurrency.litigator": 65}', "concurrency.litigator must be a whole number of requests from 1 to 64"),
        ('{"concurrency.jornaya": 4.5}', "concurrency.jornaya must be a whole number of requests from 1 to 64"),
        ('{"concurrency.contactstate": 5}', "concurrency.contactstate must be a whole number of requests from 1 to 4"),
        ('{"litigator_cache_days": -1}', "litigator_cache_days must be a whole number of days from 0 to 365"),
        ('{"first_run_done": "false"}', "first_run_done must be true or false; it is the text “false”"),
        ('{"credentials.consentcontrol.host": 7}', "credentials.consentcontrol.host must be text of at most 200"),
        (TRAILING_COMMA, f"is not valid JSON ({json_problem(TRAILING_COMMA)})"),
        ("", "is not valid JSON"),
        ("[1, 2]", "must hold a JSON object of settings; it holds “[1, 2]”"),
        ("[" * 100_000, "is not valid JSON"),
    ],
)
def test_bad_settings_file_is_refused_naming_the_setting_and_the_way_out(
    paths: Paths, content: str, words: str
) -> None:
    write_settings(paths, content)
    with pytest.raises(InvalidSetting) as info:
        Settings(paths, environ={})
    message = str(info.value)
    assert words in message
    assert f"Fix it in {paths.config_file}, or delete that file to go back to the defaults." in message


def test_settings_file_that_is_not_utf8_or_too_large_is_refused(paths: Paths) -> None:
    paths.config_file.write_bytes(b'{"timeout": "\\xff\xff"}')
    with pytest.raises(InvalidSetting, match="is not UTF-8 text"):
        Settings(paths, environ={})
    paths.config_file.write_bytes(b'{"x": "' + b"a" * (1024 * 1024) + b'"}')
    with pytest.raises(InvalidSetting, match="larger than any settings file"):
        Settings(paths, environ={})


def test_settings_file_that_is_a_fifo_is_refused_without_waiting(paths: Paths) -> None:
    os.mkfifo(paths.config_file)
    with pytest.raises(InvalidSetting, match="named pipe"):
        Settings(paths, environ={})


def test_good_settings_file_reads_and_unknown_keys_survive_a_save(paths: Paths) -> None:
    write_settings(paths, json.dumps({"timeout": 45, "concurrency.litigator": 64, "from_a_newer_version": [1]}))
    settings = Settings(paths, environ={})
    assert settings.timeout == 45.0 and settings.get("concurrency.litigator") == 64
    assert settings.get("litigator_cache_days") == 30 and settings.source("litigator_cache_days") == "default"
    settings.set("litigator_cache_days", 0)
    saved = json.loads(paths.config_file.read_text(encoding="utf-8"))
    assert saved == {
        "timeout": 45.0,
        "concurrency.litigator": 64,
        "from_a_newer_version": [1],
        "litigator_cache_days": 0,
    }


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("timeout", 0),
        ("timeout", float("nan")),
        ("timeout", "12"),
        ("concurrency.trustedform", 0),
        ("first_run_done", 1),
    ],
)
def test_set_refuses_what_the_file_would_refuse_and_saves_nothing(paths: Paths, key: str, value: object) -> None:
    settings = Settings(paths, environ={})
    with pytest.raises(InvalidSetting, match=f"^{key} must be "):
        settings.set(key, value)
    assert not paths.config_file.exists()
    with pytest.raises(ValueError):  # callers that caught the old ValueError still do
        settings.set(key, value)


def test_non_secret_credential_is_checked_as_text(paths: Paths) -> None:
    settings = Settings(paths, environ={})
    with pytest.raises(InvalidSetting, match="Consent Control Account host .* must be text of at most 200 characters"):
        settings.set_credential(field("consentcontrol", "host"), "a" * 201)
    with pytest.raises(InvalidSetting, match="it is “acme\\\\nx”"):
        settings.set_credential(field("consentcontrol", "host"), "acme\nx")


def test_every_declared_default_passes_its_own_rule() -> None:
    for declared in SETTINGS:
        assert declared.parse(declared.default) == declared.default
    assert setting("timeout").accepts == "a number of seconds between 1 and 600"


# -- LEADCHECK_HOME ----------------------------------------------------------------------------------------------


def test_home_that_is_a_file_is_refused_naming_the_variable(tmp_path: Path) -> None:
    home = tmp_path / "a-file"
    home.write_text("not a folder")
    with pytest.raises(InvalidSetting) as info:
        Paths.from_env(environ={"LEADCHECK_HOME": str(home)}).ensure()
    assert str(info.value) == (
        f"LEADCHECK_HOME must be a folder Leadcheck can create or write to; it is “{home}”, which is a file."
    )


def test_home_under_a_file_or_a_locked_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidSetting, match="LEADCHECK_HOME must be a folder .* failed: Not a directory"):
        Paths.from_env(environ={"LEADCHECK_HOME": str(tmp_path / "file" / "home")}).ensure()
    if os.geteuid() == 0:
        return  # root ignores folder permissions
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(InvalidSetting, match="failed: Permission denied"):
        Paths.from_env(environ={"LEADCHECK_HOME": str(locked / "home")}).ensure()


def test_home_that_cannot_be_a_path_is_refused() -> None:
    with pytest.raises(InvalidSetting, match="it is “~no-such-user-here/x”, which is not a usable path"):
        Paths.from_env(environ={"LEADCHECK_HOME": "~no-such-user-here/x"})


def test_folders_leadcheck_creates_are_private_even_under_umask_0(tmp_path: Path) -> None:
    home = tmp_path / "new" / "deeper" / "home"
    previous = os.umask(0)
    try:
        paths = Paths.from_env(environ={"LEADCHECK_HOME": str(home)}).ensure()
    finally:
        os.umask(previous)
    created = [tmp_path / "new", tmp_path / "new" / "deeper", home, paths.data_dir, paths.config_dir]
    created += [paths.log_dir, paths.backups_dir]
    assert {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in created} == {str(p): "0o700" for p in created}


def test_an_existing_home_folder_keeps_its_own_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    Paths.from_env(environ={"LEADCHECK_HOME": str(shared)}).ensure()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "data").stat().st_mode) == 0o700


# -- LEADCHECK_ORIGINS -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "it is “.*origins.json”, which cannot be read \\(No such file or directory\\)"),
        ("{not json", "not a readable JSON file"),
        ('["x"]', "must map origin"),
    ],
)
def test_bad_origins_file_is_an_invalid_setting(tmp_path: Path, content: str | None, words: str) -> None:
    path = tmp_path / "origins.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InvalidSetting, match=words) as info:
        origins_from_env({"LEADCHECK_ORIGINS": str(path)})
    assert info.value.setting == "LEADCHECK_ORIGINS"


def test_origins_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "origins.json"
    os.mkfifo(fifo)
    with pytest.raises(InvalidSetting) as info:
        origins_from_env({"LEADCHECK_ORIGINS": str(fifo)})
    assert str(info.value) == (
        "LEADCHECK_ORIGINS must be the path of a readable JSON file mapping vendor origins to base URLs; "
        f"it is “{fifo}”, which is a named pipe (FIFO), not a regular file."
    )


def test_good_origins_file_and_no_origins(tmp_path: Path) -> None:
    path = tmp_path / "origins.json"
    path.write_text(json.dumps({"https://cert.trustedform.com": "http://127.0.0.1:8765/tf"}))
    assert origins_from_env({"LEADCHECK_ORIGINS": str(path)}).resolve("https://cert.trustedform.com/x") == (
        "http://127.0.0.1:8765/tf/x"
    )
    assert not origins_from_env({})
