"""Secrets at rest: model fields whose values are encrypted in the database.

Credentials Accord must send somewhere (webhook passwords and headers, the headers of
provider builds and live targets) are stored encrypted with Fernet (AES-128-CBC with an
HMAC-SHA256, from the `cryptography` package): a database dump, a backup or a replica
holds ciphertext only. Values are decrypted when a row is loaded; responses and logs
still redact them (verifier/http.py), encryption is about the data at rest.

Keys come from ACCORD_SECRETS_KEYS (Fernet keys, the first encrypts and every one
decrypts, so a key can be rotated: add the new one first, re-save, drop the old one). With
none set, one key is derived from SECRET_KEY, so `make run` needs no set-up; production
should set ACCORD_SECRETS_KEYS (or at least keep SECRET_KEY stable: a lost key is lost data).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations, models

# Stored values start with this, so plain values (from before encryption) can be told apart.
PREFIX = "fernet:"


@functools.cache
def _cipher(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = hashlib.sha256(b"accord secrets at rest\0" + secret_key.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"ACCORD_SECRETS_KEYS holds a key that is not a Fernet key: {exc}") from None


def cipher() -> MultiFernet:
    """The cipher for the configured keys (cached per key set)."""
    return _cipher(tuple(settings.ACCORD_SECRETS_KEYS), settings.SECRET_KEY)


def encrypt(text: str) -> str:
    """`text` encrypted with the first key, as stored."""
    return PREFIX + cipher().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    """A stored value back to its text; a value from before encryption is returned as it is."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return cipher().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with ACCORD_SECRETS_KEYS (or the key derived from SECRET_KEY): "
            "the key it was encrypted with is missing"
        ) from None


class EncryptedTextField(models.TextField):
    """A string stored encrypted; None stays NULL (nothing to hide)."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)


class EncryptedJSONField(models.TextField):
    """A JSON value stored encrypted (as text, so it cannot be queried inside: by design)."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(decrypt(value))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(PREFIX):
            return json.loads(decrypt(value))
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj))


def encrypt_column(schema_editor: Any, table: str, column: str) -> None:
    """Migrations: encrypt the plain values of a text column in place (already encrypted ones stay)."""
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {quote(column)} FROM {quote(table)} WHERE {quote(column)} IS NOT NULL")
        for row_id, value in cursor.fetchall():
            if not value.startswith(PREFIX):
                cursor.execute(
                    f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s", [encrypt(value), row_id]
                )


def decrypt_column(schema_editor: Any, table: str, column: str) -> None:
    """Migrations, backwards: the plain values again."""
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {quote(column)} FROM {quote(table)} WHERE {quote(column)} IS NOT NULL")
        for row_id, value in cursor.fetchall():
            if value.startswith(PREFIX):
                cursor.execute(
                    f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s", [decrypt(value), row_id]
                )


def encrypted_in_place(columns: list[tuple[str, str]]) -> migrations.RunPython:
    """A migration step: encrypt the plain values of these (table, column)s; backwards, decrypt them."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        for table, column in columns:
            encrypt_column(schema_editor, table, column)

    def backwards(apps: Any, schema_editor: Any) -> None:
        for table, column in columns:
            decrypt_column(schema_editor, table, column)

    return migrations.RunPython(forwards, backwards)
