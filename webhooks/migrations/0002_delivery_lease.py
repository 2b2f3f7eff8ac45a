"""Deliveries hold a lease while a worker sends them (verifier.leases), like verification runs."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0002_webhooks_moved_out'),
        ('webhooks', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='triggeredwebhook',
            name='claim',
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='triggeredwebhook',
            name='lease_expires_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name='triggeredwebhook',
            constraint=models.CheckConstraint(condition=models.Q(('claim__isnull', True), ('lease_expires_at__isnull', False), _connector='OR'), name='triggered_webhook_claim_has_lease'),
        ),
    ]
