"""The return's and the redelivery's steps become a field. Existing cases take the step their
times showed: a return not yet sent back is at `return_shipping`, one sent back at
`return_receiving`; a redelivery not yet made at `redelivering`, one made at
`redelivery_confirming`. The constraint that keeps a step beside its status follows in 0008,
once every row has its step."""

from django.db import migrations, models

# The fill as a table: (status, the time that marks the second step, first step, second step).
FILL = (
    ("awaiting_return", "return_shipped_at", "return_shipping", "return_receiving"),
    ("awaiting_redelivery", "redelivered_at", "redelivering", "redelivery_confirming"),
)


def fill_steps(apps, schema_editor):
    Dispute = apps.get_model("disputes", "Dispute")
    for status, stamp, first, second in FILL:
        at_status = Dispute.objects.filter(status=status)
        at_status.filter(**{f"{stamp}__isnull": True}).update(step=first)
        at_status.filter(**{f"{stamp}__isnull": False}).update(step=second)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0006_internal_notes"),
    ]

    operations = [
        migrations.AddField(
            model_name="dispute",
            name="step",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "—"),
                    ("return_shipping", "The buyer sends the item back"),
                    ("return_receiving", "The seller confirms it arrived"),
                    ("redelivering", "The seller delivers again"),
                    ("redelivery_confirming", "The buyer confirms the new delivery"),
                ],
                default="",
                max_length=24,
            ),
        ),
        # Backwards the field goes, and with it what it held: nothing to undo row by row.
        migrations.RunPython(fill_steps, migrations.RunPython.noop),
    ]
