"""What the operations app contributes to the pages of lower apps (see core.fragments): a
contract's operations and reciprocal commitments in its steering committee's pack."""

from pacte.core import fragments

from . import selectors


@fragments.provide("progress_pack", "operations")
def contract_progress(*, contract, on):
    return selectors.contract_progress(contract=contract, on=on)
