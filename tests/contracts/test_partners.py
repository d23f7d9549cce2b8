import pytest
from django.core.exceptions import ValidationError

from pacte.contracts.identifiers import validate_rna, validate_siren, validate_siret
from pacte.contracts.models import Partner
from pacte.contracts.services import partner_create
from pacte.core.models import AuditEvent
from pacte.territory.models import Commune, Epci

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["246200364", "246 200 364", "200033579"])
def test_valid_sirens(value):
    validate_siren(value)


@pytest.mark.parametrize(
    "value, message",
    [("246200365", "clé de contrôle"), ("24620036", "9 chiffres"), ("ABCDEFGHI", "9 chiffres")],
)
def test_invalid_sirens_are_explained(value, message):
    with pytest.raises(ValidationError, match=message):
        validate_siren(value)


def test_siret_checks():
    validate_siret("21620041000001")
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_siret("21620041000002")
    with pytest.raises(ValidationError, match="14 chiffres"):
        validate_siret("2162004100001")


def test_rna_is_w_and_nine_digits():
    validate_rna("W621000123")
    for bad in ["621000123", "W62100012", "X621000123"]:
        with pytest.raises(ValidationError, match="W suivi de 9 chiffres"):
            validate_rna(bad)


def test_one_partner_per_epci_from_the_referential():
    assert Partner.objects.filter(kind=Partner.Kind.EPCI).count() == 20
    for epci in Epci.objects.all():
        assert epci.partner.siren == epci.siren


def test_association_needs_rna_or_siret():
    with pytest.raises(ValidationError) as error:
        partner_create(actor=None, name="Les Amis du Beffroi", kind=Partner.Kind.ASSOCIATION)
    assert "RNA" in str(error.value)
    assert not Partner.objects.filter(name="Les Amis du Beffroi").exists()
    partner = partner_create(
        actor=None, name="Les Amis du Beffroi", kind=Partner.Kind.ASSOCIATION, rna="w621000123"
    )
    assert partner.rna == "W621000123"
    assert AuditEvent.objects.filter(action="partner.create", object_id=str(partner.pk)).exists()


def test_commune_partner_requires_its_commune_a_valid_siren_and_centrality_functions():
    bapaume = Commune.objects.get(insee_code="62080")
    with pytest.raises(ValidationError, match="commune du référentiel"):
        partner_create(
            actor=None, name="Ville de Bapaume", kind=Partner.Kind.COMMUNE, siren="216200808"
        )
    with pytest.raises(ValidationError):
        partner_create(
            actor=None,
            name="Ville de Bapaume",
            kind=Partner.Kind.COMMUNE,
            siren="216200809",
            commune=bapaume,
        )
    with pytest.raises(ValidationError, match="fonctions de centralité"):
        partner_create(
            actor=None,
            name="Ville de Bapaume",
            kind=Partner.Kind.COMMUNE,
            siret="21620080800006",
            commune=bapaume,
        )
    partner = partner_create(
        actor=None,
        name="Ville de Bapaume",
        kind=Partner.Kind.COMMUNE,
        siret="21620080800006",
        commune=bapaume,
        centrality_reason="Chef-lieu de canton, pôle de services du sud de l'Artois.",
    )
    assert partner.siren == "216200808"


def test_siret_must_extend_the_siren():
    with pytest.raises(ValidationError, match="commence par le SIREN"):
        partner_create(
            actor=None,
            name="Syndicat mixte",
            kind=Partner.Kind.JOINT_SYNDICATE,
            siren="246200364",
            siret="21620041000001",
        )
