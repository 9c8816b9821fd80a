"""An index for the schools furthest behind (``compliance.schools_behind``): the missed
occurrences per school read by bureau and status from the index alone (a few percent of the
rows) instead of every occurrence of the period."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("duties", "0003_bench_duty_tally"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="occurrence",
            index=models.Index(
                fields=[
                    "bureau",
                    "status",
                    "window_end",
                    "grace_end",
                    "window_start",
                    "owner_kind",
                    "school",
                ],
                name="occ_missed_cover",
            ),
        ),
    ]
