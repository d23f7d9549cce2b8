"""« Suite à donner » on the operation's page shows only when it offers a step: a partner whose
voted operation awaits the convention's signature (a step taken by signing, elsewhere) sees no
empty panel; once the convention is signed, the panel offers to declare the works started."""

import pytest

from pacte.operations.workflows import OPERATION_WORKFLOW
from tests.finance.conftest import ap, voted_operation  # noqa: F401 — the fund's fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_no_empty_next_steps_panel(client_for, lens_contract, users, ap):  # noqa: F811
    operation, _ = voted_operation(lens_contract, users, sign=False)
    partner = users["test-partner"]
    # The partner may move it (by the convention's last signature), not from this page.
    assert [t.name for t in OPERATION_WORKFLOW.available(operation, partner)] == ["sign_agreement"]
    page = client_for("partner").get(f"/operations/{operation.pk}/").content.decode()
    assert 'id="suite"' not in page
    OPERATION_WORKFLOW.apply(operation, "sign_agreement", actor=users["test-agent"])
    page = client_for("partner").get(f"/operations/{operation.pk}/").content.decode()
    assert 'id="suite"' in page and "Déclarer le début des travaux" in page
