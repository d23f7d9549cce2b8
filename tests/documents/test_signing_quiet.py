"""Signing a convention writes no warning the way Pacte signs makes expected: neither pyHanko's
« fetching is not allowed » (Pacte hands it its own revocation lists) nor fontTools' dropped
FFTM table — some 90 such lines preceded the accounts in the demo's output."""

import logging

import pytest

from pacte.demo import documents as demo_documents
from tests.documents.test_demo_documents import delegate  # noqa: F401 — a fixture
from tests.finance.conftest import voted_operation

pytestmark = pytest.mark.django_db


def test_a_signature_logs_no_expected_warning(lens_contract, users, ap, delegate, caplog):  # noqa: F811
    operation, _ = voted_operation(lens_contract, users, sign=False)
    with caplog.at_level(logging.INFO), demo_documents.timestamping():
        document = demo_documents.convention(
            operation, agent=users["test-agent"], partner_user=users["test-partner"]
        )
    assert document.signatures.count() == 2
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [m for m in said if "fetching is not allowed" in m or "NOT subset" in m], said
