"""A delivery may name the fact it is owed for (a drift transition): once per webhook and source."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('webhooks', '0003_secrets_encrypted_at_rest'),
    ]

    operations = [
        migrations.AddField(
            model_name='triggeredwebhook',
            name='source_key',
            field=models.CharField(blank=True, max_length=255, null=True),
        ),
        migrations.AddConstraint(
            model_name='triggeredwebhook',
            constraint=models.UniqueConstraint(condition=models.Q(('source_key__isnull', False)), fields=('source_key', 'webhook_uuid'), name='triggered_webhook_once_per_source'),
        ),
    ]
