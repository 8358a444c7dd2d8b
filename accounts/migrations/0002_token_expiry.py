"""API tokens get a public id and an expiry. Tokens issued before expiry existed live for the
configured time from when they were issued."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models

import core.ids


def fill(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    days = timedelta(days=getattr(settings, "API_TOKEN_TTL_DAYS", 30))
    for token in ApiToken.objects.all().iterator():
        token.public_id = core.ids.new_public_id("tok")
        token.expires_at = token.created_at + days
        token.save(update_fields=["public_id", "expires_at"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="public_id",
            field=models.CharField(max_length=32, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="public_id",
            field=core.ids.PublicIdField(prefix="tok"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
    ]
