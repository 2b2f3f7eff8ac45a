"""Headers of provider builds and targets (credentials) are encrypted at rest.

The columns become text, then every stored value is encrypted in place; backwards, the
values are decrypted before the columns become jsonb again.
"""

from django.db import migrations

import contracts.models.secrets
from contracts.models.secrets import encrypted_in_place


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
        encrypted_in_place([("verifier_verificationrun", "headers"), ("verifier_verificationtarget", "headers")]),
    ]
