import datetime

import factory

from pacte.contracts.models import Partner
from pacte.core.models import User
from pacte.core.roles import Role

TEST_PASSWORD = "mot-de-passe-de-test"
# The second factor (TOTP key, base 32) of the session's users who need one (administrator,
# finance): tests compute their codes with pyotp (tests/accounts/support.py).
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# The session's users, one per role; partner users belong to two different intercommunalités.
ROLE_USERS = {
    "admin": (Role.ADMIN, None),
    "agent": (Role.AGENT, None),
    "assembly": (Role.ASSEMBLY, None),
    "finance": (Role.FINANCE, None),
    "elected": (Role.ELECTED, None),
    "partner": (Role.PARTNER, "246200364"),  # CA de Lens - Liévin
    "partner2": (Role.PARTNER, "200033579"),  # CU d'Arras
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"utilisateur{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda u: f"{u.username}@exemple.fr")
    role = Role.AGENT
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def create_role_users():
    from pacte.accounts.services import second_factor_enrol
    from pacte.core import policy
    from pacte.documents.models import Signatory

    for name, (role, siren) in ROLE_USERS.items():
        user = UserFactory(
            username=f"test-{name}",
            role=role,
            partner=Partner.objects.get(siren=siren) if siren else None,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        if policy.requires_second_factor(user):
            second_factor_enrol(actor=None, user=user, secret=TEST_TOTP_SECRET)
        # The agent holds a delegation of signature; each partner user represents its partner.
        if name == "agent":
            Signatory.objects.create(
                user=user,
                side=Signatory.Side.DEPARTMENT,
                name=user.get_full_name(),
                quality="Directeur général des services",
                delegation="arrêté n°2023-001 du 2 janvier 2023",
                starts_on=datetime.date(2023, 1, 2),
            )
        elif role == Role.PARTNER:
            Signatory.objects.create(
                user=user,
                side=Signatory.Side.PARTNER,
                partner=user.partner,
                name=user.get_full_name(),
                quality="Président",
                starts_on=datetime.date(2023, 1, 2),
            )
