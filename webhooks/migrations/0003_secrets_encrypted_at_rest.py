"""Webhook headers and passwords (credentials) are encrypted at rest.

The columns become text, then every stored value is encrypted in place; backwards, the
values are decrypted before the columns get their old types again.
"""

from django.db import migrations

import contracts.models.secrets
from contracts.models.secrets import encrypted_in_place


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0002_delivery_lease"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhook",
            name="headers",
            field=contracts.models.secrets.EncryptedJSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="webhook",
            name="password",
            field=contracts.models.secrets.EncryptedTextField(blank=True, null=True),
        ),
        encrypted_in_place([("webhooks_webhook", "headers"), ("webhooks_webhook", "password")]),
    ]
