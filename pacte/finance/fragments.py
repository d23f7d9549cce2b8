"""What the finance app contributes to the operations' pages (see core.fragments): the money of
an operation on its page."""

from pacte.core import fragments

from .selectors import operation_finance


@fragments.provide("operation_detail", "finance")
def operation_money(*, user, operation):
    return operation_finance(user=user, operation=operation)
