"""Signing with the keys of a PKCS#11 token (an HSM, a smart card): a real SoftHSM token holds
each signatory's key and certificate, labelled by its right to sign; the key never leaves it.
A token that does not answer, or holds no key for the right, is refused in French, and nothing
is signed."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError

from pacte.demo import documents as demo_documents
from pacte.documents import services, signing
from pacte.documents.models import Signatory, SignatureStep
from pacte.documents.pki import authority
from pacte.documents.services import current_file
from tests.documents.test_demo_documents import delegate  # noqa: F401 — a fixture
from tests.finance.conftest import voted_operation

SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")
PIN = "246810"
TOKEN = "pacte-test"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not SOFTHSM.exists() or shutil.which("softhsm2-util") is None,
        reason="SoftHSM absent (apt install softhsm2) : .ci/run l'installe.",
    ),
]


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    """A fresh SoftHSM token, made before the PKCS#11 library is first loaded (it reads its
    configuration once)."""
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nlog.level = ERROR\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN]
        + ["--so-pin", "13579111"],
        check=True,
        capture_output=True,
    )
    yield
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture
def on_the_token(token, settings):
    settings.PACTE_PKCS11_MODULE = str(SOFTHSM)
    settings.PACTE_PKCS11_TOKEN = TOKEN
    settings.PACTE_PKCS11_PIN = PIN


def _store(label: str, common_name: str, organisation: str) -> None:
    """What the Département's certification service does: a key and its certificate, issued
    by the signing authority, written on the token under the right's label."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
    from pkcs11.util.ec import encode_named_curve_parameters

    cert, key = signing.issue(authority(), common_name=common_name, organisation=organisation)
    library = pkcs11.lib(str(SOFTHSM))
    with library.get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                Attribute.KEY_TYPE: KeyType.EC,
                Attribute.TOKEN: True,
                Attribute.PRIVATE: True,
                Attribute.SENSITIVE: True,
                Attribute.SIGN: True,
                Attribute.LABEL: label,
                Attribute.ID: label.encode(),
                Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1"),
                Attribute.VALUE: key.private_numbers().private_value.to_bytes(32, "big"),
            }
        )
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: label,
                Attribute.ID: label.encode(),
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            }
        )


def _clear(label: str) -> None:
    """The token without the objects of `label` (ids of rolled-back tests come back)."""
    import pkcs11
    from pkcs11 import Attribute

    library = pkcs11.lib(str(SOFTHSM))
    with library.get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
        for found in list(session.get_objects({Attribute.LABEL: label})):
            found.destroy()


@pytest.fixture
def prepared(lens_contract, users, ap, delegate):  # noqa: F811
    operation, _ = voted_operation(lens_contract, users, sign=False)
    with demo_documents.timestamping():
        return demo_documents.convention(
            operation, agent=users["test-agent"], partner_user=users["test-partner"], signatures=0
        )


def _right(user) -> Signatory:
    return Signatory.objects.filter(user=user).order_by("-starts_on", "-pk").first()


def test_both_sides_sign_with_the_keys_of_the_token(on_the_token, prepared, users):
    partner, department = _right(users["test-partner"]), _right(users["test-agent"])
    _clear(f"signataire-{partner.pk}")
    _clear(f"signataire-{department.pk}")
    _store(f"signataire-{partner.pk}", partner.name, prepared.operation.contract.partner.name)
    _store(f"signataire-{department.pk}", department.name, "Département du Pas-de-Calais")
    services.document_sign(actor=users["test-partner"], document=prepared)
    services.document_sign(actor=users["test-agent"], document=prepared)
    verdict = signing.verify_pdf(current_file(prepared))
    assert verdict.ok, verdict.problems
    assert [check.signer for check in verdict.signatures] == [
        f"{partner.name} ({prepared.operation.contract.partner.name})",
        f"{department.name} (Département du Pas-de-Calais)",
    ]


def test_a_right_without_its_key_on_the_token_is_refused_and_nothing_is_signed(
    on_the_token, prepared, users
):
    partner = _right(users["test-partner"])
    _clear(f"signataire-{partner.pk}")
    with pytest.raises(ValidationError) as refused:
        services.document_sign(actor=users["test-partner"], document=prepared)
    assert refused.value.messages == [
        f"Aucune clé ni aucun certificat « signataire-{partner.pk} » sur le jeton de signature "
        f"pour {partner.name} : demandez-les à l'administrateur."
    ]
    assert not SignatureStep.objects.filter(document=prepared, signed_at__isnull=False).exists()


def test_a_wrong_pin_is_refused_in_french(on_the_token, prepared, users, settings):
    settings.PACTE_PKCS11_PIN = "000000"
    with pytest.raises(ValidationError) as refused:
        services.document_sign(actor=users["test-partner"], document=prepared)
    assert refused.value.messages[0].startswith(
        "Le jeton de signature du Département ne répond pas"
    )
    assert not SignatureStep.objects.filter(document=prepared, signed_at__isnull=False).exists()
