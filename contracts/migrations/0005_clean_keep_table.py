from django.db import migrations


class Migration(migrations.Migration):
    """The clean's keep table (contracts/services/clean.py): a table of its own, not a
    temporary one, so the clean's batches find it whichever server session a pooler in
    transaction mode gives them. UNLOGGED: its rows are scratch, not worth the WAL."""

    dependencies = [
        ("contracts", "0004_integration_summary"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE UNLOGGED TABLE contracts_clean_keep (id bigint PRIMARY KEY)",
            "DROP TABLE IF EXISTS contracts_clean_keep",
        ),
    ]
