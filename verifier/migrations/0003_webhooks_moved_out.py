"""Triggered webhooks and their executions belong to the webhooks app now.

State only: webhooks 0001 renamed the tables, so nothing is dropped here.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("verifier", "0002_verification_runs"),
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="webhookexecution", name="triggered_webhook"),
                migrations.DeleteModel(name="TriggeredWebhook"),
                migrations.DeleteModel(name="WebhookExecution"),
            ],
        ),
    ]
