"""Settings and credentials: environment beats keyring, secrets never land in settings.json, no-keyring message."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from desktop_app.paths import Paths
from desktop_app.settings import KeyringUnavailable, Settings
from desktop_app.vendors.credentials import field, require
from desktop_app.vendors.errors import MissingCredentials


def test_secret_round_trips_through_the_keyring_and_not_the_config_file(leadcheck_home: Path) -> None:
    paths = Paths.from_env().ensure()
    settings = Settings(paths, environ={})
    settings.set_credential(field("trustedform", "api_key"), "tf-secret-value")
    settings.set_credential(field("consentcontrol", "host"), "acme")
    again = Settings(paths, environ={})
    assert again.credential(field("trustedform", "api_key")) == ("tf-secret-value", "keyring")
    assert again.credential(field("consentcontrol", "host")) == ("acme", "settings")
    assert "tf-secret-value" not in paths.config_file.read_text()
    assert json.loads(paths.config_file.read_text())["credentials.consentcontrol.host"] == "acme"


def test_environment_overrides_keyring() -> None:
    paths = Paths.from_env().ensure()
    Settings(paths, environ={}).set_credential(field("trustedform", "api_key"), "from-keyring")
    settings = Settings(paths, environ={"LEADCHECK_TRUSTEDFORM_API_KEY": "from-env"})
    assert settings.credential(field("trustedform", "api_key")) == ("from-env", "environment")


def test_no_keyring_reads_as_unset_and_saving_explains_the_variable() -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    settings = Settings(Paths.from_env().ensure(), environ={})
    assert settings.credential(field("litigator", "token")) == ("", "")
    usable, text = settings.keyring_status()
    assert not usable and "keyring" in text
    with pytest.raises(KeyringUnavailable, match="LEADCHECK_LITIGATOR_TOKEN"):
        settings.set_credential(field("litigator", "token"), "abc-secret")


def test_missing_credentials_name_the_variables() -> None:
    with pytest.raises(MissingCredentials) as info:
        require("litigator", {"client_id": "x", "cwsid": "", "token": None}, "client_id", "cwsid", "token")
    assert info.value.missing == ("LEADCHECK_LITIGATOR_CWSID", "LEADCHECK_LITIGATOR_TOKEN")
    assert "leadcheck credentials set litigator" in str(info.value)


def test_timeout_comes_from_environment_then_file() -> None:
    paths = Paths.from_env().ensure()
    Settings(paths, environ={}).set("timeout", 12)
    assert Settings(paths, environ={}).timeout == 12
    assert Settings(paths, environ={"LEADCHECK_TIMEOUT": " 5 "}).timeout == 5
    assert Settings(paths, environ={"LEADCHECK_TIMEOUT": ""}).timeout == 12  # empty: not set
    assert Settings(paths, environ={"LEADCHECK_TIMEOUT": "5"}).source("timeout") == "environment"
    assert Settings(paths, environ={}).source("timeout") == "settings"


def test_leadcheck_home_moves_every_folder(tmp_path: Path) -> None:
    paths = Paths.from_env(environ={"LEADCHECK_HOME": str(tmp_path / "h")})
    assert all(str(p).startswith(str(tmp_path / "h")) for p in (paths.data_dir, paths.config_dir, paths.log_dir))
