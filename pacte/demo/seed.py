"""Demo data: what the demo command adds on top of the official referential.

Everything here that is not a fact from the sources is marked as demo in the data
(`is_demo`, `group_is_fictitious`), and shown as such on the pages.
"""

import datetime
import secrets
from pathlib import Path

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from pacte.accounts.models import SecondFactor
from pacte.accounts.services import second_factor_enrol, second_factor_reset
from pacte.contracts.models import Partner
from pacte.contracts.services import partners_create_from_epcis
from pacte.core import notifications, policy
from pacte.core.models import User
from pacte.core.roles import Role
from pacte.demo import contracts as contracts_demo
from pacte.demo.assembly import seed_sitting_2022_317
from pacte.demo.finance import seed_ap
from pacte.demo.history import seed_history
from pacte.demo.instruction import seed_instruction
from pacte.demo.operations import seed_operations
from pacte.demo.partners_today import seed_partner_work
from pacte.territory.models import Councillor, Department, Epci, PoliticalGroup, Territory
from pacte.territory.text import normalize

# The five political groups named in deliberation 2022-317, in the seed's order.
POLITICAL_GROUPS_62 = [
    "Groupe Socialiste, Républicain et Citoyen",
    "Groupe Communiste et Républicain",
    "Groupe Union pour le Pas-de-Calais",
    "Groupe Rassemblement National",
    "Non-Inscrits",
]

# Demo territories of the Pas-de-Calais and the intercommunalités (by SIREN) assigned to each.
TERRITORIES_62 = {
    "Arrageois": ["200033579", "200035442", "200069482", "200044048"],
    "Artois": ["200072460", "245900758"],
    "Audomarois": ["200069037", "246201016"],
    "Boulonnais": ["246200729", "200018083", "246200380"],
    "Calaisis": ["200090751", "200072478", "246200844"],
    "Lens-Hénin": ["246200364", "246200299"],
    "Montreuillois": ["200069029", "200069235", "200044030"],
    "Ternois": ["200069672"],
}

DEMO_USERS = [
    ("admin", Role.ADMIN, "Alice", "Administratrice", None),
    ("agent", Role.AGENT, "Antoine", "Chargé-de-territoire", None),
    ("signataire", Role.AGENT, "Diane", "Délégataire", None),
    ("assemblee", Role.ASSEMBLY, "Adèle", "Assemblées", None),
    ("finances", Role.FINANCE, "Fabien", "Finances", None),
    ("elu", Role.ELECTED, "Élise", "Conseillère", None),
    ("president", Role.ELECTED, "Jean-Claude", "Leroy", None),
    ("partenaire", Role.PARTNER, "Paul", "Partenaire", "246200364"),
    ("partenaire2", Role.PARTNER, "Pauline", "Partenaire", "200033579"),
]


def _acceptable(password: str) -> bool:
    """Whether the password policy (AUTH_PASSWORD_VALIDATORS) accepts `password`."""
    try:
        validate_password(password)
    except ValidationError:
        return False
    return True


def demo_password() -> str:
    """One password for every demo login, drawn at first start and kept under var/; drawn again
    if the one kept no longer passes the password policy (12 characters at least…)."""
    path = Path(settings.VAR_DIR) / "demo-password"
    if path.exists() and _acceptable(path.read_text().strip()):
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    while not _acceptable(password):
        password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password)
    return password


def demo_totp_key() -> str:
    """The second factor's key (TOTP, base 32) of the demo's administrator and finance users,
    drawn at first start and kept under var/: the demo command prints it, to add to an
    authenticator application, and `manage.py demo_totp` prints its current code."""
    path = Path(settings.VAR_DIR) / "demo-totp-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pyotp.random_base32(32))
    return path.read_text().strip()


@transaction.atomic
def seed_second_factors(users: list[User], key: str) -> list[User]:
    """Enrol the demo users who need a second factor with the demo's key (again, if it was
    reset or replaced); return them."""
    enrolled = []
    for user in users:
        if not policy.requires_second_factor(user):
            continue
        current = SecondFactor.objects.filter(user=user).first()
        if current is None or current.secret != key:
            if current is not None:
                second_factor_reset(actor=None, user=user)
            second_factor_enrol(actor=None, user=user, secret=key)
        enrolled.append(user)
    return enrolled


@transaction.atomic
def seed_political_groups(department: Department) -> None:
    for position, name in enumerate(POLITICAL_GROUPS_62, start=1):
        PoliticalGroup.objects.update_or_create(
            department=department, name=name, defaults={"position": position}
        )


# Demo sizes of the five groups (78 members in all): plausible, not the assembly's real ones.
DEMO_GROUP_SIZES = [44, 9, 14, 9, 2]


@transaction.atomic
def seed_group_memberships(department: Department) -> None:
    """Put the councillors in office in the five groups, marked as demo memberships: the
    président and the vice-présidents first, then by name, filling each group in turn."""
    groups = list(PoliticalGroup.objects.filter(department=department).order_by("position"))
    rank = {"PRE": 0, "VPE": 1}
    councillors = sorted(
        Councillor.objects.filter(canton__department=department, in_office=True).distinct(),
        key=lambda c: (rank.get(c.function, 2), c.function_rank or 99, c.last_name, c.first_name),
    )
    slots = [
        group for group, size in zip(groups, DEMO_GROUP_SIZES, strict=False) for _ in range(size)
    ]
    for index, councillor in enumerate(councillors):
        group = slots[index] if index < len(slots) else groups[-1]
        if councillor.political_group_id is None or councillor.group_is_fictitious:
            councillor.political_group = group
            councillor.group_is_fictitious = True
            councillor.save(update_fields=["political_group", "group_is_fictitious"])


@transaction.atomic
def seed_territories(department: Department) -> None:
    for name, sirens in TERRITORIES_62.items():
        territory, _ = Territory.objects.get_or_create(
            department=department,
            name=name,
            defaults={
                "house_name": f"Maison du Département Solidarité — {name}",
                "is_demo": True,
            },
        )
        Epci.objects.filter(siren__in=sirens, territory__isnull=True).update(territory=territory)


@transaction.atomic
def seed_users(password: str) -> list[User]:
    users = []
    for username, role, first_name, last_name, partner_siren in DEMO_USERS:
        partner = Partner.objects.get(siren=partner_siren) if partner_siren else None
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "first_name": first_name,
                "last_name": last_name,
                "partner": partner,
                "email": f"{username}@demo.pacte.invalid",
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        users.append(user)
    return users


@transaction.atomic
def seed_signatories() -> None:
    """Who signs the demo's conventions: for the Département, its Président (an elected
    member, who signs by his office) and a delegate of the Président by a (fictitious) arrêté;
    for each demo partner, its legal representative. The instructing agent prepares the
    documents but holds no delegation: he does not sign."""
    from pacte.documents.models import Signatory

    Signatory.objects.get_or_create(
        user=User.objects.get(username="president"),
        side=Signatory.Side.DEPARTMENT,
        defaults={
            "name": "M. Jean-Claude LEROY",
            "quality": "Président du Conseil départemental",
            "is_president": True,
            "starts_on": datetime.date(2021, 7, 1),
        },
    )
    start = datetime.date(2023, 1, 2)
    delegate = User.objects.get(username="signataire")
    Signatory.objects.get_or_create(
        user=delegate,
        side=Signatory.Side.DEPARTMENT,
        defaults={
            "name": "Mme Diane DÉLÉGATAIRE",
            "quality": "Directrice générale adjointe des services",
            "delegation": "arrêté de démonstration n°2023-DEMO-01 du 2 janvier 2023",
            "starts_on": start,
        },
    )
    for username, name, title in [
        ("partenaire", "M. Paul PARTENAIRE", "Président"),
        ("partenaire2", "Mme Pauline PARTENAIRE", "Présidente"),
    ]:
        user = User.objects.select_related("partner").get(username=username)
        Signatory.objects.get_or_create(
            user=user,
            side=Signatory.Side.PARTNER,
            partner=user.partner,
            defaults={
                "name": name,
                "quality": f"{title} de la {user.partner.name}",
                "starts_on": start,
            },
        )


@transaction.atomic
def seed_councillor_accounts(department: Department) -> None:
    """Bind the demo's élus to their councillor record: « president » to the Président, « elu »
    to a councillor in office (whose name the account then takes); the councillors in office
    get a demo address for their convocations."""
    in_office = Councillor.objects.filter(canton__department=department, in_office=True)
    president = in_office.filter(function=Councillor.Function.PRESIDENT).first()
    councillor = (
        in_office.filter(function="", civility=Councillor.Civility.MRS)
        .order_by("last_name", "first_name")
        .first()
    )
    for username, bound in [("president", president), ("elu", councillor)]:
        if bound is None:
            continue
        user = User.objects.get(username=username)
        User.objects.filter(councillor=bound).exclude(pk=user.pk).update(councillor=None)
        user.councillor = bound
        if username == "elu":
            user.first_name, user.last_name = bound.first_name, bound.last_name.title()
        user.save(update_fields=["councillor", "first_name", "last_name"])
    for c in in_office.filter(email=""):
        first, last = ("-".join(normalize(n).split()) for n in (c.first_name, c.last_name))
        c.email = f"{first}.{last}@elus.demo.pacte.invalid"
        c.save(update_fields=["email"])


def seed_demo() -> tuple[list[User], str]:
    department = Department.objects.get(code="62")
    seed_political_groups(department)
    seed_group_memberships(department)
    seed_territories(department)
    partners_create_from_epcis(actor=None, is_demo=False)
    password = demo_password()
    users = seed_users(password)
    seed_councillor_accounts(department)
    seed_second_factors(users, demo_totp_key())
    seed_signatories()
    # The story since 2023 is replayed: nobody is notified today of what happened then.
    with notifications.muted():
        generation = contracts_demo.seed_generations()
        contracts_demo.seed_partners()
        contracts_demo.seed_contracts(generation)
        seed_ap(generation)
        seed_operations(generation)
        contracts_demo.seed_committees(generation)
        seed_sitting_2022_317(User.objects.get(username="assemblee"))
        seed_history()
    # What the agents do today, as they would: told as it happens.
    seed_instruction()
    seed_partner_work()
    return users, password
