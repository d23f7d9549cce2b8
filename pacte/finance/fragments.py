"""What the finance app contributes to the pages of lower apps (see core.fragments): the money of
an operation on its page, and of a contract's operations in its steering committee's pack."""

from pacte.core import fragments

from . import selectors
from .selectors import operation_finance


@fragments.provide("operation_detail", "finance")
def operation_money(*, user, operation):
    return operation_finance(user=user, operation=operation)


@fragments.provide("progress_pack", "money")
def contract_money(*, contract, on):
    """The amounts voted and paid of a contract's operations, for its steering committee."""
    return selectors.contract_money(contract_id=contract.pk, on=on)
