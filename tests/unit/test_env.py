"""Configuration readers fail loudly and name the variable."""

from __future__ import annotations

import pytest

from broker.env import (
    ConfigError,
    base_urls,
    database_from_url,
    env_bool,
    env_cron,
    env_int,
    env_json,
    env_list,
    env_str,
)


def test_first_set_name_wins_and_pact_broker_names_are_aliases(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("PACT_BROKER_DATABASE_URL", "postgres://u:p@db/x")
    assert env_str("DATABASE_URL", "PACT_BROKER_DATABASE_URL") == "postgres://u:p@db/x"
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db/y")
    assert env_str("DATABASE_URL", "PACT_BROKER_DATABASE_URL") == "postgres://u:p@db/y"


def test_file_variant_is_read_for_secrets(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    assert env_str("SECRET_KEY") == "s3cret"


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("YES", True), ("1", True), ("off", False), ("0", False)]
)
def test_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG") is expected


@pytest.mark.parametrize(
    ("reader", "raw", "message"),
    [
        (lambda: env_bool("X_VALUE"), "maybe", "X_VALUE must be true or false, got 'maybe'"),
        (lambda: env_int("X_VALUE", default=1), "ten", "X_VALUE must be a whole number, got 'ten'"),
        (lambda: env_int("X_VALUE", default=1, minimum=1), "0", "X_VALUE must be at least 1, got 0"),
        (lambda: base_urls("X_VALUE"), "pact.example.com", "X_VALUE must be absolute http(s) URLs"),
        (lambda: env_json("X_VALUE"), "[{maxAge: 90}]", "X_VALUE must be JSON"),
        (lambda: env_cron("X_VALUE", default="15 2 * * *"), "15 2 * *", "X_VALUE must be a cron expression of five"),
        (lambda: env_cron("X_VALUE", default="15 2 * * *"), "15 25 * * *", "X_VALUE is not a valid cron expression"),
    ],
)
def test_bad_values_name_the_variable(monkeypatch, reader, raw, message):
    monkeypatch.setenv("X_VALUE", raw)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        reader()


def test_json_and_cron_values(monkeypatch):
    monkeypatch.delenv("X_VALUE", raising=False)
    assert env_json("X_VALUE", default=None) is None
    assert env_cron("X_VALUE", default="15 2 * * *") == ("15", "2", "*", "*", "*")
    monkeypatch.setenv("X_VALUE", '[{"maxAge": 90}]')
    assert env_json("X_VALUE") == [{"maxAge": 90}]
    monkeypatch.setenv("X_VALUE", "*/10 1-5 * * mon-fri")
    assert env_cron("X_VALUE", default="15 2 * * *") == ("*/10", "1-5", "*", "*", "mon-fri")


def test_lists_split_on_commas_and_spaces(monkeypatch):
    monkeypatch.setenv("X_LIST", "a.example, b.example  c.example")
    assert env_list("X_LIST") == ["a.example", "b.example", "c.example"]


def test_database_url_is_parsed_for_postgres_only():
    assert database_from_url("postgres://accord:p%40ss@db.internal:6543/broker?sslmode=require") == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "broker",
        "USER": "accord",
        "PASSWORD": "p@ss",
        "HOST": "db.internal",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require"},
    }
    with pytest.raises(ConfigError, match="PostgreSQL only"):
        database_from_url("mysql://u:p@h/db")
    with pytest.raises(ConfigError, match="must name a database"):
        database_from_url("postgres://u:p@h/")
