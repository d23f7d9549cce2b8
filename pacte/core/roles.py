"""Roles of Pacte's users and what each may do. One place, read by selectors and views."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrateur"
    AGENT = "agent", "Agent (chargé de territoire, instructeur)"
    ASSEMBLY = "assembly", "Service des assemblées"
    FINANCE = "finance", "Finances"
    ELECTED = "elected", "Élu (lecture)"
    PARTNER = "partner", "Partenaire"


# Roles of the Département's own staff and members: they see the whole referential.
INTERNAL_ROLES = frozenset({Role.ADMIN, Role.AGENT, Role.ASSEMBLY, Role.FINANCE, Role.ELECTED})
# Roles that may edit partners' records through Pacte's pages.
PARTNER_EDITOR_ROLES = frozenset({Role.ADMIN, Role.AGENT})
