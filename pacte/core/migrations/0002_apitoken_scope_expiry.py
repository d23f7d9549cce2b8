"""API tokens get a scope (read, or read and write) and an expiry date.

Tokens created before are read tokens (the README always presented them as read access), valid
one year from their creation."""

import datetime

from django.db import migrations, models
from django.db.models import F


def expire_one_year_after_creation(apps, schema_editor):
    # Only a non-key column changes: no foreign-key check is queued (PostgreSQL then accepts
    # the ALTER TABLE that follows in the same transaction).
    ApiToken = apps.get_model("core", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=F("created_at") + datetime.timedelta(days=365)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[("read", "lecture"), ("read_write", "lecture et écriture")],
                default="read",
                max_length=16,
                verbose_name="portée",
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expire le"),
        ),
        migrations.RunPython(expire_one_year_after_creation, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expire le"),
        ),
    ]
