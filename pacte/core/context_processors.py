import functools

from django.conf import settings
from django.http import HttpRequest

from . import fragments, notifications, policy


def pacte(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "PACTE_DEPARTMENT_CODE": settings.PACTE_DEPARTMENT_CODE,
        # The navigation offers the administration to those the policy lets in (user.change).
        "can_administer": policy.allows(user, "user", "change"),
        # The link to the user's notifications, and how many he has not read: counted once, by
        # the pages that show it (a callable, cached).
        "can_read_notifications": notifications.receives_notifications(user),
        "notifications_unread": functools.cache(lambda: notifications.unread_count(user)),
        # What waits for the user, counted in the menu (pacte.pilotage.todo): a callable, so that
        # only the pages that show the menu count it.
        "todo_count": lambda: fragments.collect("menu", user=user).get("todo_count", 0),
    }
