"""The database cache table (rate-limit counters every process shares) belongs to the schema: a
plain `migrate` creates it, so a deployment that never heard of `createcachetable` still works."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_worker_heartbeat")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
