"""Two items adopted at the same moment never get the same deliberation number."""

import datetime
import threading

import pytest
from django.db import connection

from pacte.assembly import services
from pacte.assembly.models import Attendance, Deliberation, Report, Sitting
from pacte.core.models import User

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_concurrent_adoptions_get_distinct_sequential_numbers():
    sitting = Sitting.objects.create(
        body="standing_committee",
        held_on="2024-06-03",
        president="M. le Président",
        members_in_office=10,
    )
    for position in range(10):
        Attendance.objects.create(
            sitting=sitting,
            position=position,
            civility="M.",
            name=f"Membre {position}",
            status="present",
        )
    reports = [
        Report.objects.create(
            sitting=sitting,
            opened_at=datetime.time(10, 0),
            number=n,
            kind="framework",
            title=f"Rapport {n}",
            text="Exposé",
            decision="Décision",
        )
        for n in range(1, 5)
    ]
    actor = User.objects.get(username="test-assembly")
    barrier = threading.Barrier(len(reports))
    errors = []

    def adopt(report):
        try:
            barrier.wait()
            services.report_adopt(
                actor=actor, report=report, votes_for=10, votes_against=0, abstentions=0
            )
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=adopt, args=(r,)) for r in reports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    numbers = sorted(Deliberation.objects.filter(year=2024).values_list("sequence", flat=True))
    assert numbers == [1, 2, 3, 4]
