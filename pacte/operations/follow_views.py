"""« Suivre ce dossier »: a user of the Département's services follows an operation, and then
receives the Département's notifications about it (pacte.operations.notifications)."""

from django.contrib import messages
from django.shortcuts import redirect

from pacte.core import fragments, policy

from . import selectors, services
from .models import Follow


@fragments.provide("operation_detail", "follow")
def follow_fragment(*, user, operation):
    """The button on the operation's page, for those who may follow it (not a partner, not an
    elected member, who only reads)."""
    if not policy.allows(user, "operation", "follow", operation):
        return None
    followers = list(
        Follow.objects.filter(operation_id=operation.pk).values_list("user_id", flat=True)
    )
    return {
        "template": "operations/_follow.html",
        "following": user.pk in followers,
        "others": len([pk for pk in followers if pk != user.pk]),
    }


@policy.page(post="operation.follow")
def operation_follow(request, pk: int):
    operation = selectors.operation_get(user=request.user, pk=pk)
    already = Follow.objects.filter(user_id=request.user.pk, operation_id=operation.pk).exists()
    services.operation_follow(actor=request.user, operation=operation)
    if already:
        messages.info(request, f"Vous suiviez déjà le dossier {operation.reference}.")
    else:
        messages.success(
            request,
            f"Vous suivez le dossier {operation.reference} : vous recevrez ses notifications "
            "(messages, réponses, décision, convention, paiements, caducité…).",
        )
    return redirect("operations:operation_detail", pk=pk)


@policy.page(post="operation.follow")
def operation_unfollow(request, pk: int):
    operation = selectors.operation_get(user=request.user, pk=pk)
    if services.operation_unfollow(actor=request.user, operation=operation):
        messages.success(request, f"Vous ne suivez plus le dossier {operation.reference}.")
    else:
        messages.info(request, f"Vous ne suiviez pas le dossier {operation.reference}.")
    return redirect("operations:operation_detail", pk=pk)
