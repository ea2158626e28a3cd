"""Settings refuse values the app cannot run with, with a sentence saying what to do."""

from pathlib import Path

import pytest

from app.settings import Settings, SettingsError


@pytest.fixture
def env(tmp_path):
    """A minimal environment with a var directory of its own."""
    return {"GATEPOST_VAR_DIR": str(tmp_path)}


def test_the_defaults_serve_localhost_over_http_with_sqlite_under_var(env, tmp_path):
    settings = Settings.from_env(env)
    assert settings.public_url == "http://localhost:8000"
    assert settings.rp_id == "localhost"
    assert settings.origin == "http://localhost:8000"
    assert not settings.secure_cookies
    assert settings.database_url == f"sqlite:///{tmp_path / 'gatepost.sqlite'}"
    assert settings.host == "127.0.0.1"


def test_a_secret_is_made_once_and_kept(env, tmp_path):
    first = Settings.from_env(env).secret_key
    assert len(first) >= 32
    assert Settings.from_env(env).secret_key == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_short_secret_key_is_refused(env):
    with pytest.raises(SettingsError, match="at least 32"):
        Settings.from_env({**env, "SECRET_KEY": "too-short"})


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "https://192.168.1.20", "https://[::1]:8443"])
def test_a_public_url_with_an_ip_address_is_refused(env, url):
    with pytest.raises(SettingsError, match="not an IP address"):
        Settings.from_env({**env, "PUBLIC_URL": url})


def test_plain_http_is_refused_except_on_localhost(env):
    with pytest.raises(SettingsError, match="must be https"):
        Settings.from_env({**env, "PUBLIC_URL": "http://gate.example.com"})
    assert Settings.from_env({**env, "PUBLIC_URL": "http://gate.localhost:8000"}).rp_id == "gate.localhost"


def test_https_gives_secure_cookies_and_the_host_as_relying_party(env):
    settings = Settings.from_env({**env, "PUBLIC_URL": "https://gate.example.com/"})
    assert settings.public_url == "https://gate.example.com"
    assert settings.rp_id == "gate.example.com"
    assert settings.origin == "https://gate.example.com"
    assert settings.secure_cookies


@pytest.mark.parametrize("half", [{"TLS_CERT": "/etc/gate.pem"}, {"TLS_KEY": "/etc/gate.key"}])
def test_tls_half_set_is_refused(env, half):
    with pytest.raises(SettingsError, match="both TLS_CERT and TLS_KEY"):
        Settings.from_env({**env, **half})


def test_tls_fully_set_serves_https_on_localhost(env):
    settings = Settings.from_env({**env, "TLS_CERT": "/etc/gate.pem", "TLS_KEY": "/etc/gate.key", "PORT": "8443"})
    assert settings.public_url == "https://localhost:8443"
    assert settings.secure_cookies


@pytest.mark.parametrize("url", ["mysql://db/gatepost", "sqlite://relative.db"])
def test_an_unknown_database_is_refused(env, url):
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        Settings.from_env({**env, "DATABASE_URL": url})


def test_postgres_urls_are_normalised(env):
    settings = Settings.from_env({**env, "DATABASE_URL": "postgres://gate@db/gatepost"})
    assert settings.database_url == "postgresql://gate@db/gatepost"
    assert not settings.is_sqlite


def test_a_port_that_is_not_a_number_is_refused(env):
    with pytest.raises(SettingsError, match="PORT"):
        Settings.from_env({**env, "PORT": "eighty"})


@pytest.mark.parametrize("url", ["gate.example.com", "ftp://gate.example.com", "https://"])
def test_a_public_url_that_is_not_a_web_address_is_refused(env, url):
    with pytest.raises(SettingsError, match="PUBLIC_URL"):
        Settings.from_env({**env, "PUBLIC_URL": url})


def test_the_periodic_work_runs_every_half_minute_unless_told_otherwise(env):
    assert Settings.from_env(env).periodic_seconds == 30
    assert Settings.from_env({**env, "PERIODIC_SECONDS": "1.5"}).periodic_seconds == 1.5


@pytest.mark.parametrize("value", ["soon", "0", "-5", "86400"])
def test_a_periodic_interval_that_is_not_a_sensible_number_of_seconds_is_refused(env, value):
    with pytest.raises(SettingsError, match="PERIODIC_SECONDS"):
        Settings.from_env({**env, "PERIODIC_SECONDS": value})


def test_a_secret_another_worker_made_meanwhile_is_kept_not_replaced(env, tmp_path, monkeypatch):
    theirs = "made-by-the-worker-that-started-first-" * 2
    (tmp_path / "secret_key").write_text(theirs)
    # This worker looked before the other one had written it.
    monkeypatch.setattr(Path, "exists", lambda self: False)
    assert Settings.from_env(env).secret_key == theirs
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no draft left behind
