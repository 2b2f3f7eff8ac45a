"""The webhooks app takes over its tables from contracts/ and verifier/.

The tables are renamed, not re-created, so every webhook, triggered webhook and
execution survives the upgrade; only Django's model state moves between the apps
(contracts 0002 and verifier 0003 drop theirs after this). Index and constraint
names do not carry the table name, so they stay as they are.
"""

import django.db.models.deletion
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contracts', '0001_initial'),
        ('verifier', '0002_verification_runs'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
            migrations.RunSQL(
                "ALTER TABLE contracts_webhook RENAME TO webhooks_webhook",
                reverse_sql="ALTER TABLE webhooks_webhook RENAME TO contracts_webhook",
            ),
            migrations.RunSQL(
                "ALTER TABLE verifier_triggeredwebhook RENAME TO webhooks_triggeredwebhook",
                reverse_sql="ALTER TABLE webhooks_triggeredwebhook RENAME TO verifier_triggeredwebhook",
            ),
            migrations.RunSQL(
                "ALTER TABLE verifier_webhookexecution RENAME TO webhooks_webhookexecution",
                reverse_sql="ALTER TABLE webhooks_webhookexecution RENAME TO verifier_webhookexecution",
            ),
            ],
            state_operations=[
            migrations.CreateModel(
                name='Webhook',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('uuid', models.CharField(max_length=64, unique=True)),
                    ('description', models.CharField(blank=True, max_length=1024, null=True)),
                    ('enabled', models.BooleanField(default=True)),
                    ('consumer_label', models.CharField(blank=True, max_length=255, null=True)),
                    ('provider_label', models.CharField(blank=True, max_length=255, null=True)),
                    ('events', models.JSONField(default=list)),
                    ('method', models.CharField(max_length=16)),
                    ('url', models.TextField()),
                    ('headers', models.JSONField(blank=True, default=dict)),
                    ('body', models.TextField(blank=True, null=True)),
                    ('body_is_json', models.BooleanField(default=False)),
                    ('username', models.CharField(blank=True, max_length=255, null=True)),
                    ('password', models.CharField(blank=True, max_length=1024, null=True)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('updated_at', models.DateTimeField(auto_now=True)),
                    ('consumer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contracts.pacticipant')),
                    ('provider', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contracts.pacticipant')),
                ],
            ),
            migrations.CreateModel(
                name='TriggeredWebhook',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                    ('webhook_uuid', models.CharField(max_length=64)),
                    ('event_name', models.CharField(max_length=64)),
                    ('trigger_type', models.CharField(default='resource_creation', max_length=32)),
                    ('status', models.CharField(choices=[('not_run', 'Not Run'), ('retrying', 'Retrying'), ('success', 'Success'), ('failure', 'Failure')], default='not_run', max_length=16)),
                    ('context', models.JSONField(default=dict)),
                    ('attempts_made', models.PositiveIntegerField(default=0)),
                    ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('updated_at', models.DateTimeField(auto_now=True)),
                    ('consumer', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contracts.pacticipant')),
                    ('provider', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contracts.pacticipant')),
                    ('webhook', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='triggered', to='webhooks.webhook')),
                ],
            ),
            migrations.CreateModel(
                name='WebhookExecution',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('attempt', models.PositiveIntegerField()),
                    ('success', models.BooleanField()),
                    ('status_code', models.PositiveIntegerField(blank=True, null=True)),
                    ('request_log', models.TextField(blank=True, default='')),
                    ('response_log', models.TextField(blank=True, default='')),
                    ('error', models.TextField(blank=True, null=True)),
                    ('duration_ms', models.PositiveIntegerField(blank=True, null=True)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('triggered_webhook', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='executions', to='webhooks.triggeredwebhook')),
                ],
            ),
            migrations.AddConstraint(
                model_name='webhook',
                constraint=models.CheckConstraint(condition=models.Q(('consumer__isnull', True), ('consumer_label__isnull', True), _connector='OR'), name='webhook_consumer_name_xor_label'),
            ),
            migrations.AddConstraint(
                model_name='webhook',
                constraint=models.CheckConstraint(condition=models.Q(('provider__isnull', True), ('provider_label__isnull', True), _connector='OR'), name='webhook_provider_name_xor_label'),
            ),
            migrations.AddConstraint(
                model_name='webhook',
                constraint=models.CheckConstraint(condition=models.Q(('uuid__regex', '^[A-Za-z0-9_-]{16,64}$')), name='webhook_uuid_format'),
            ),
            migrations.AddIndex(
                model_name='triggeredwebhook',
                index=models.Index(condition=models.Q(('status__in', ['not_run', 'retrying'])), fields=['next_attempt_at'], name='triggered_webhook_due_idx'),
            ),
            migrations.AddIndex(
                model_name='triggeredwebhook',
                index=models.Index(fields=['consumer', 'provider', '-id'], name='triggered_webhook_pair_idx'),
            ),
            migrations.AddConstraint(
                model_name='triggeredwebhook',
                constraint=models.CheckConstraint(condition=models.Q(('status__in', ['not_run', 'retrying', 'success', 'failure'])), name='triggered_webhook_status_valid'),
            ),
            migrations.AddConstraint(
                model_name='webhookexecution',
                constraint=models.UniqueConstraint(fields=('triggered_webhook', 'attempt'), name='webhook_execution_unique_attempt'),
            ),
            ],
        ),
    ]
