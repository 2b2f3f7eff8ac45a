"""Headers of provider builds and targets (credentials) are encrypted at rest.

The columns become text, then every stored value is encrypted in place; backwards, the
values are decrypted before the columns become jsonb again.
"""

from django.db import migrations

import contracts.models.secrets
from contracts.models.secrets import decrypt_column, encrypt_column

COLUMNS = [("verifier_verificationrun", "headers"), ("verifier_verificationtarget", "headers")]


def encrypt(apps, schema_editor):
    for table, column in COLUMNS:
        encrypt_column(schema_editor, table, column)


def decrypt(apps, schema_editor):
    for table, column in COLUMNS:
        decrypt_column(schema_editor, table, column)


class Migration(migrations.Migration):
    dependencies = [
        ("verifier", "0003_webhooks_moved_out"),
    ]

    operations = [
        migrations.AlterField(
            model_name="verificationrun",
            name="headers",
            field=contracts.models.secrets.EncryptedJSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="verificationtarget",
            name="headers",
            field=contracts.models.secrets.EncryptedJSONField(blank=True, default=dict),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
