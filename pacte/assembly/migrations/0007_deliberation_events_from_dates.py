import datetime
from zoneinfo import ZoneInfo

from django.db import migrations

PARIS = ZoneInfo("Europe/Paris")
REASON = "Étape enregistrée avant le suivi de la publicité des actes : date reprise de l'acte."


def _at(day):
    return datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=PARIS)


def events_from_dates(apps, schema_editor):
    """The acts published or sent before the publicity workflows get their history rows, dated
    by what the deliberation recorded, so that their page shows their steps."""
    Deliberation = apps.get_model("assembly", "Deliberation")
    Event = apps.get_model("assembly", "DeliberationEvent")
    for deliberation in Deliberation.objects.filter(events__isnull=True):
        steps = []
        if deliberation.published_on:
            steps.append(("publish", "unpublished", "published", deliberation.published_on))
        if deliberation.transmitted_on:
            steps.append(("transmit", "not_sent", "sent", deliberation.transmitted_on))
            if deliberation.acknowledged_on:
                steps.append(("acknowledge", "sent", "acknowledged", deliberation.acknowledged_on))
        for transition, source, target, day in steps:
            event = Event.objects.create(
                deliberation=deliberation,
                transition=transition,
                from_state=source,
                to_state=target,
                reason=REASON,
            )
            Event.objects.filter(pk=event.pk).update(at=_at(day))


class Migration(migrations.Migration):
    dependencies = [("assembly", "0006_deliberation_publicity_workflow")]

    operations = [migrations.RunPython(events_from_dates, migrations.RunPython.noop)]
