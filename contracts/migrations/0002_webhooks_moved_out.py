"""Webhook definitions belong to the webhooks app now.

State only: webhooks 0001 renamed the table, so nothing is dropped here. After verifier
0003, so that no model state still points at contracts.Webhook.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0001_initial"),
        ("verifier", "0003_webhooks_moved_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Webhook")]),
    ]
