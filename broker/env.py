"""Typed readers for environment variables that fail loudly on bad values.

Each reader takes several names: Accord's own first, then the Pact Broker's name for the
same setting, so an existing Pact Broker install can switch without renaming anything.
A `NAME_FILE` variable (Docker/Kubernetes secrets) is read when `NAME` is unset.
"""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the variable."""


def _lookup(names: tuple[str, ...]) -> tuple[str, str] | None:
    for name in names:
        value = os.environ.get(name)
        if value is not None and value != "":
            return name, value
        path = os.environ.get(f"{name}_FILE")
        if path:
            try:
                return name, Path(path).read_text().strip()
            except OSError as exc:
                raise ConfigError(f"{name}_FILE={path!r} cannot be read: {exc.strerror}") from None
    return None


def env_str(*names: str, default: str | None = None) -> str | None:
    """The first set variable among `names`, else `default`."""
    found = _lookup(names)
    return found[1] if found else default


def env_bool(*names: str, default: bool = False) -> bool:
    """A boolean: true/false, yes/no, on/off, 1/0 (any case)."""
    found = _lookup(names)
    if not found:
        return default
    name, value = found
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}")


def env_int(*names: str, default: int, minimum: int | None = None) -> int:
    """An integer, optionally with a lower bound."""
    found = _lookup(names)
    if not found:
        return default
    name, value = found
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {number}")
    return number


def env_float(*names: str, default: float) -> float:
    """A positive number."""
    found = _lookup(names)
    if not found:
        return default
    name, value = found
    try:
        number = float(value.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{name} must be positive, got {value!r}")
    return number


def env_list(*names: str, default: tuple[str, ...] = ()) -> list[str]:
    """A list separated by commas and/or spaces."""
    found = _lookup(names)
    if not found:
        return list(default)
    return [item for item in found[1].replace(",", " ").split() if item]


def env_networks(*names: str) -> list[str]:
    """A list of IP addresses and CIDR networks ("10.0.0.0/8 192.0.2.7 fd00::/8")."""
    entries = env_list(*names)
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(f"{names[0]} must list IP addresses or CIDR networks, got {entry!r}") from None
    return entries


def env_json(*names: str, default: object = None) -> object:
    """A JSON value (e.g. a list of objects)."""
    found = _lookup(names)
    if not found:
        return default
    name, value = found
    try:
        return json.loads(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be JSON: {exc}") from None


def env_cron(*names: str, default: str) -> tuple[str, str, str, str, str]:
    """A five-field cron expression (minute hour day-of-month month day-of-week)."""
    from celery.schedules import ParseException, crontab

    found = _lookup(names)
    name, value = found if found else (names[0], default)
    fields = value.split()
    if len(fields) != 5:
        raise ConfigError(f"{name} must be a cron expression of five fields (e.g. '15 2 * * *'), got {value!r}")
    minute, hour, day_of_month, month, day_of_week = fields
    try:
        crontab(minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month, day_of_week=day_of_week)
    except (ValueError, ParseException) as exc:
        raise ConfigError(f"{name} is not a valid cron expression ({value!r}): {exc}") from None
    return minute, hour, day_of_month, month, day_of_week


def database_from_url(url: str, *, variable: str = "DATABASE_URL") -> dict[str, object]:
    """Django DATABASES entry from postgres://user:pass@host:port/name?option=value."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "postgis"}:
        raise ConfigError(
            f"{variable} must be a postgres:// URL (Accord runs on PostgreSQL only), got scheme {parts.scheme!r}"
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ConfigError(f"{variable} must name a database, e.g. postgres://user:pass@host:5432/accord")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(f"{variable} has an invalid port") from None
    options = dict(parse_qsl(parts.query))
    host = unquote(parts.hostname or "") if parts.hostname else options.pop("host", "")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(port or ""),
        "OPTIONS": options,
    }


def base_urls(*names: str) -> list[str]:
    """Public base URLs (several allowed, as in the Pact Broker), without trailing slashes."""
    urls = env_list(*names)
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ConfigError(f"{names[0]} must be absolute http(s) URLs, got {url!r}")
    return [url.rstrip("/") for url in urls]
