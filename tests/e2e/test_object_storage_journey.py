"""The media in an S3-compatible bucket (a real S3 server started by the test, over HTTP): a
partner attaches a file through the operation's page, downloads it back — read from the bucket
and checked by Pacte —, and a copy altered in the bucket is refused in French.

The operation belongs to the CC des 7 Vallées, which no other browser test touches."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from pacte.operations.models import Attachment
from tests.core.object_storage_support import media_bucket, s3_server  # noqa: F401 — fixtures
from tests.e2e import operation_data as data
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.e2e

SEPT_VALLEES_SIREN = "200044030"  # Communauté de communes des 7 Vallées
USERNAME = "e2e-7-vallees"


@pytest.fixture
def draft(django_db_blocker):
    """A draft operation of the CC des 7 Vallées, without attachments, and its partner user."""
    from pacte.core.models import User
    from pacte.core.roles import Role
    from tests.factories import UserFactory
    from tests.operations.conftest import make_operation

    with django_db_blocker.unblock():
        contract = data.signed_contract_of(SEPT_VALLEES_SIREN)
        user = User.objects.filter(username=USERNAME).first() or UserFactory(
            username=USERNAME, role=Role.PARTNER, partner=contract.partner
        )
        operation = make_operation(
            contract, user, complete=False, title="Maison de santé pluridisciplinaire de Fruges"
        )
    return operation.pk


def test_an_attachment_goes_to_the_bucket_and_comes_back_checked(
    page,
    media_bucket,  # noqa: F811
    draft,
    tmp_path,
):
    plan = tmp_path / "plan-de-situation.pdf"
    plan.write_bytes(data.PDF)
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill(USERNAME)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.goto(f"/operations/{draft}/")
    attachments = page.get_by_role("region", name="Pièces jointes")
    attachments.get_by_label("Type de pièce").select_option(label="Plan ou étude")
    attachments.get_by_label("Fichier").set_input_files(plan)
    attachments.get_by_role("button", name="Joindre").click()
    expect(page.get_by_role("status").filter(has=page.locator(".message"))).to_contain_text(
        "La pièce « plan-de-situation.pdf » est jointe (version 1)."
    )
    attachment = Attachment.objects.get(operation_id=draft)
    assert media_bucket.read(attachment.file.name) == data.PDF

    link = attachments.get_by_role("link", name="plan-de-situation.pdf")
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_bytes() == data.PDF

    media_bucket.write(attachment.file.name, data.PDF + b"% ajout")
    refused = page.goto(f"/operations/{draft}/pieces/{attachment.pk}/")
    assert refused is not None and refused.status == 409
    expect(page.get_by_role("main")).to_contain_text("il a été remplacé ou altéré")
