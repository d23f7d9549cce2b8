"""Roles of Pacte's users. What each may do is the access policy's (`pacte.core.policy`): code
asks for a capability, never for a role."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrateur"
    AGENT = "agent", "Agent (chargé de territoire, instructeur)"
    ASSEMBLY = "assembly", "Service des assemblées"
    FINANCE = "finance", "Finances"
    ELECTED = "elected", "Élu"
    PARTNER = "partner", "Partenaire"
