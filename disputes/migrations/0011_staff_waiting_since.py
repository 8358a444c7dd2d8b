"""Since when a case has waited for the administration becomes a field, and the staff queue's
partial index is keyed by what the queue sorts by (the decision target, else that time), so a
page of the queue is the index's first rows instead of a sort of every waiting case; and, on
PostgreSQL, the statistics that let the planner see how many cases wait (below).

Existing cases take the value the queue computed until now: the escalation, or the latest
answer of one of its questions, or the due time of the latest one forfeited, whichever is
latest. A case never escalated has none (it never waited for the administration)."""

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest


def fill_staff_waiting_since(apps, schema_editor):
    Dispute = apps.get_model("disputes", "Dispute")
    InfoRequest = apps.get_model("disputes", "InfoRequest")
    returned = InfoRequest.objects.filter(dispute=OuterRef("pk"))
    answered = returned.filter(status="answered").order_by("-answered_at").values("answered_at")[:1]
    forfeited = returned.filter(status="forfeited").order_by("-due_at").values("due_at")[:1]
    since = F("escalated_at")
    Dispute.objects.filter(escalated_at__isnull=False).update(
        # Coalesce: on SQLite a NULL among GREATEST's arguments makes the whole result NULL.
        staff_waiting_since=Greatest(since, Coalesce(Subquery(answered), since), Coalesce(Subquery(forfeited), since))
    )


def empty_staff_waiting_since(apps, schema_editor):
    apps.get_model("disputes", "Dispute").objects.update(staff_waiting_since=None)


# PostgreSQL estimates the queue's condition (status escalated or appealed, and waiting for the
# administration) as if the two were independent: a fifth of a fifth of the disputes, when nearly
# every escalated case waits for the administration. Under-counted, a few hundred waiting cases
# looked cheaper to join one by one and sort than to read in the index's order; with the two
# columns' joint statistics the planner counts them right and walks the index under the LIMIT.
def create_queue_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE STATISTICS IF NOT EXISTS dispute_status_waiting (dependencies, mcv) "
            "ON status, waiting_on_staff FROM disputes_dispute"
        )


def drop_queue_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS dispute_status_waiting")


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0010_step_default_and_times"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="dispute",
            name="dispute_staff_inbox",
        ),
        migrations.AddField(
            model_name="dispute",
            name="staff_waiting_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill_staff_waiting_since, empty_staff_waiting_since),
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(
                Coalesce("decision_due_at", "staff_waiting_since", "escalated_at"),
                "id",
                condition=models.Q(status__in=["escalated", "appealed"], waiting_on_staff=True),
                name="dispute_staff_inbox",
            ),
        ),
        migrations.RunPython(create_queue_statistics, drop_queue_statistics),
    ]
