"""A step stands beside its own status, and a status with steps is at one of them. Kept apart
from 0007's fill, as Django advises: on PostgreSQL, altering a table in the transaction that
updated its rows may meet pending trigger events."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0007_dispute_step"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="dispute",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("step", ""),
                        models.Q(("status__in", ["awaiting_redelivery", "awaiting_return"]), _negated=True),
                    ),
                    models.Q(("status", "awaiting_redelivery"), ("step__in", ["redelivering", "redelivery_confirming"])),
                    models.Q(("status", "awaiting_return"), ("step__in", ["return_receiving", "return_shipping"])),
                    _connector="OR",
                ),
                name="dispute_step_beside_status",
            ),
        ),
    ]
