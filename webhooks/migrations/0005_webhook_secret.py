"""Secrets for webhooks (`${user.NAME}`): a name, a description and a value encrypted at rest."""

import contracts.models.secrets
import django.db.models.functions.text
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('webhooks', '0004_triggered_webhook_source_key'),
    ]

    operations = [
        migrations.CreateModel(
            name='WebhookSecret',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('name', models.CharField(max_length=100)),
                ('description', models.CharField(blank=True, max_length=1024, null=True)),
                ('value', contracts.models.secrets.EncryptedTextField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'constraints': [models.UniqueConstraint(django.db.models.functions.text.Lower('name'), name='webhook_secret_name_unique_any_case'), models.CheckConstraint(condition=models.Q(('name__regex', '^[A-Za-z][A-Za-z0-9_]{0,99}$')), name='webhook_secret_name_format')],
            },
        ),
    ]
