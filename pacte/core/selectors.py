"""Reads of the core app, filtered by the user."""

from django.db.models import QuerySet
from django.http import Http404

from . import policy
from .models import ApiToken, User


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own API tokens, newest first: nobody lists another's tokens here."""
    tokens = policy.scope(user, "account", ApiToken.objects.all())
    return tokens.filter(user_id=user.pk).order_by("-created_at", "-pk")


def api_token_get(*, user: User, pk: int) -> ApiToken:
    """One of the user's own tokens; 404 for any other id, another user's token included."""
    token = api_token_list(user=user).filter(pk=pk).first()
    if token is None:
        raise Http404("Jeton introuvable.")
    return token
