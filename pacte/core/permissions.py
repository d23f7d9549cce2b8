"""View guards. Object-level access is decided by selectors; these only check the role."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def role_required(*roles: str) -> Callable[[_View], _View]:
    """Let authenticated active users with one of `roles` through; others get 403 (or login)."""

    allowed = frozenset(roles)

    def decorator(view: _View) -> _View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.is_active or user.role not in allowed:
                raise PermissionDenied("Votre rôle ne donne pas accès à cette page.")
            return view(request, *args, **kwargs)

        return cast(_View, wrapper)  # the view's own signature, guarded

    return decorator
