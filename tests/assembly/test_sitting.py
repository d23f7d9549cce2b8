import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pacte.assembly import services
from pacte.assembly.demo import seed_sitting_2022_317
from pacte.assembly.models import Attendance, Proxy

pytestmark = pytest.mark.django_db


@pytest.fixture
def sitting(users):
    return seed_sitting_2022_317(users["test-assembly"])


def test_the_sitting_of_26_september_2022_as_recorded(sitting):
    assert sitting.president == "M. Jean-Claude LEROY"
    assert sitting.secretary == "M. Bruno COUSEIN"
    statuses = list(sitting.attendances.values_list("status", flat=True))
    assert statuses.count("present") == 63 and statuses.count("excused") == 15
    first = sitting.attendances.first()
    assert (first.civility, first.name, first.councillor.last_name) == (
        "M.",
        "Jean-Claude LEROY",
        "LEROY",
    )
    lapouille = sitting.attendances.get(name="Emmanuelle LAPOUILLE")
    assert lapouille.councillor.last_name == "LAPOUILLE-FLAJOLET"
    # Marine LE PEN has left the register since: the minutes keep her name, without a link.
    assert sitting.attendances.get(name="Marine LE PEN").councillor is None
    matched = sitting.attendances.filter(councillor__isnull=False).count()
    assert matched >= 75


def test_fifteen_demo_proxies_one_per_holder_and_the_quorum(sitting):
    proxies = Proxy.objects.filter(sitting=sitting)
    assert proxies.count() == 15 and all(p.is_demo for p in proxies)
    holders = [p.holder_id for p in proxies]
    assert len(set(holders)) == 15
    quorum = services.sitting_quorum(sitting)
    assert (quorum.counted, quorum.required, quorum.reached) == (63, 40, True)
    # 63 present + 15 proxies = the 78 votes of the seed.
    assert quorum.present + quorum.represented == 78


def test_proxy_rules_are_enforced(sitting, users):
    actor = users["test-assembly"]
    present = list(sitting.attendances.filter(status="present").order_by("position"))
    holder = Proxy.objects.filter(sitting=sitting).first().holder
    free = next(a for a in present if not a.proxies_held.exists() and a != holder)
    excused_giver = Proxy.objects.filter(sitting=sitting).first().giver
    with pytest.raises(ValidationError, match="déjà donné son pouvoir"):
        services.proxy_record(actor=actor, sitting=sitting, giver=excused_giver, holder=free)
    with pytest.raises(ValidationError, match="est présent"):
        services.proxy_record(actor=actor, sitting=sitting, giver=free, holder=holder)
    absent = Attendance.objects.create(
        sitting=sitting, position=99, civility="M.", name="Membre ABSENT", status="absent"
    )
    with pytest.raises(ValidationError, match="1 au plus par membre"):
        services.proxy_record(actor=actor, sitting=sitting, giver=absent, holder=holder)
    with pytest.raises(PermissionDenied):
        services.proxy_record(actor=users["test-agent"], sitting=sitting, giver=absent, holder=free)
    services.proxy_record(actor=actor, sitting=sitting, giver=absent, holder=free)
    assert services.sitting_quorum(sitting).represented == 16
