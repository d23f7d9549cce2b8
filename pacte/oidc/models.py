from django.conf import settings
from django.db import models


class OidcIdentity(models.Model):
    """The link between a Pacte user and a person known to an OpenID Connect provider: the
    provider's issuer and its subject (`sub`), which never changes for that person — unlike the
    e-mail or the name, updated at each login."""

    class Provider(models.TextChoices):
        AGENTS = "agents", "Serveur d’identité du Département"
        PARTNERS = "partners", "ProConnect"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.CASCADE,
        related_name="oidc_identities",
    )
    provider = models.CharField("fournisseur", max_length=16, choices=Provider.choices)
    issuer = models.CharField("émetteur", max_length=255)
    subject = models.CharField("identifiant chez le fournisseur (sub)", max_length=255)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    last_login_at = models.DateTimeField("dernière connexion", null=True, blank=True)
    # What the last login said of the person's organisation (ProConnect's SIRET) or groups.
    last_siret = models.CharField("dernier SIRET reçu", max_length=14, blank=True)
    last_groups = models.JSONField("derniers groupes reçus", default=list, blank=True)

    class Meta:
        verbose_name = "identité OpenID Connect"
        verbose_name_plural = "identités OpenID Connect"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"],
                name="oidc_identity_unique_subject",
                violation_error_message="Cette personne est déjà rattachée à un compte Pacte.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} : {self.subject}"
