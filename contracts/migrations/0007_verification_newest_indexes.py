"""Indexes for the newest verification result of a content and of a pair. The pair's also
serves the consumer's foreign key, whose own index goes (after the new ones exist)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0006_pacticipant_display_name_field"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="verification",
            index=models.Index(fields=["contract", "-id"], name="verification_newest_idx"),
        ),
        migrations.AddIndex(
            model_name="verification",
            index=models.Index(fields=["consumer", "provider", "-id"], name="verification_pair_newest_idx"),
        ),
        migrations.AlterField(
            model_name="verification",
            name="consumer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="contracts.pacticipant",
            ),
        ),
    ]
