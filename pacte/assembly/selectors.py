from .models import Deliberation


def published_deliberations():
    """Public: every deliberation put online, newest first (no user needed: they are public)."""
    return (
        Deliberation.objects.filter(published_on__isnull=False)
        .select_related("report__sitting")
        .order_by("-published_on", "-year", "-sequence")
    )
