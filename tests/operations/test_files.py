"""Attachments: checked type, size, content; stored with a checksum; versioned; scoped."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from pacte.operations import services

from .conftest import PDF, make_operation, pdf

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_attachment_is_stored_with_its_checksum_and_versioned(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    first = services.attachment_add(
        actor=users["test-partner"], operation=operation, kind="plan", upload=pdf("plan.pdf")
    )
    second = services.attachment_add(
        actor=users["test-partner"], operation=operation, kind="plan", upload=pdf("plan-v2.pdf")
    )
    assert (first.version, second.version) == (1, 2)
    assert first.sha256 == hashlib.sha256(PDF).hexdigest()
    assert first.content_type == "application/pdf"
    with first.file.open("rb") as handle:
        assert handle.read() == PDF


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("photo.pdf", PNG, "ne correspond pas à son extension"),
        ("script.exe", b"MZ\x90\x00binary", "pas d'un type accepté"),
        ("vide.pdf", b"", "vide"),
        ("faux.pdf", b"<html>not a pdf</html>", "pas d'un type accepté"),
    ],
)
def test_bad_files_are_refused(lens_contract, users, name, content, message):
    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    with pytest.raises(ValidationError, match=message):
        services.attachment_add(
            actor=users["test-partner"],
            operation=operation,
            kind="other",
            upload=SimpleUploadedFile(name, content),
        )
    assert not operation.attachments.exists()


def test_too_large_file_is_refused(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    big = SimpleUploadedFile("gros.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError, match="10 Mio au plus"):
        services.attachment_add(
            actor=users["test-partner"], operation=operation, kind="plan", upload=big
        )


def test_png_with_its_extension_is_accepted(lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    attachment = services.attachment_add(
        actor=users["test-partner"],
        operation=operation,
        kind="plan",
        upload=SimpleUploadedFile("vue.png", PNG),
    )
    assert attachment.content_type == "image/png"


def test_download_is_scoped_to_the_partner(client_for, lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"])
    attachment = operation.attachments.first()
    url = f"/operations/{operation.pk}/pieces/{attachment.pk}/"
    response = client_for("partner").get(url)
    assert response.status_code == 200
    assert response.content == PDF
    assert client_for("partner2").get(url).status_code == 404
    # A draft's attachments are its partner's until the operation is submitted.
    assert client_for("finance").get(url).status_code == 404
    services.operation_submit(actor=users["test-partner"], operation=operation)
    assert client_for("finance").get(url).status_code == 200


def test_an_attachment_altered_in_the_storage_is_not_served(client_for, lens_contract, users):
    """Every download checks the file against the hash recorded at its upload: a file changed
    behind Pacte's back is refused in French (409), on the page and through the API."""
    operation = make_operation(lens_contract, users["test-partner"])
    attachment = operation.attachments.first()
    with open(attachment.file.path, "ab") as handle:
        handle.write(b"% ajout")
    client = client_for("partner")
    page = client.get(f"/operations/{operation.pk}/pieces/{attachment.pk}/")
    assert page.status_code == 409
    assert "remplacé ou altéré" in page.content.decode()
    api = client.get(f"/api/operations/{operation.pk}/pieces/{attachment.pk}")
    assert api.status_code == 409 and "remplacé ou altéré" in api.json()["detail"]
