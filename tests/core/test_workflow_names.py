"""Transition names and state groups are declared once, next to their workflow, and checked
when the module loads."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from pacte.operations.models import Operation
from pacte.operations.workflows import OPERATION_WORKFLOW, SIGN_AGREEMENT

S = Operation.State


def test_a_transition_name_read_elsewhere_is_checked():
    assert SIGN_AGREEMENT == "sign_agreement"
    with pytest.raises(ImproperlyConfigured, match="sign_agreements"):
        OPERATION_WORKFLOW.name("sign_agreements")


def test_the_state_groups_follow_the_workflow():
    withdraw = OPERATION_WORKFLOW.transitions["withdraw"]
    assert withdraw.sources == Operation.WITHDRAWABLE_STATES
    assert OPERATION_WORKFLOW.transitions["grant"].target in Operation.VOTED_STATES
    assert OPERATION_WORKFLOW.transitions[SIGN_AGREEMENT].target in Operation.SIGNED_STATES
    assert Operation.SIGNED_STATES < Operation.VOTED_STATES < Operation.COMMITTED_STATES
    assert Operation.REVIEW_STATES < Operation.WAITING_STATES
    assert OPERATION_WORKFLOW.transitions["lapse"].target == S.LAPSED
    assert not Operation.VOTED_STATES & Operation.WAITING_STATES
