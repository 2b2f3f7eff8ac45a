"""The `test` and `production` environments every broker starts with.

The Pact Broker seeds these two, and its CLIs' help tells users they exist
("The 'test' and 'production' environments will have been seeded for you"). A name that
is already taken is left as it is; rolling back keeps the rows (they may be in use).
"""

from django.db import migrations

ENVIRONMENTS = (
    # (name, display name, production)
    ("test", "Test", False),
    ("production", "Production", True),
)


def seed_environments(apps, schema_editor):
    Environment = apps.get_model("contracts", "Environment")
    environments = Environment.objects.using(schema_editor.connection.alias)
    for name, display_name, production in ENVIRONMENTS:
        environments.get_or_create(name=name, defaults={"display_name": display_name, "production": production})


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0002_webhooks_moved_out"),
    ]

    operations = [
        migrations.RunPython(seed_environments, migrations.RunPython.noop),
    ]
