"""System checks of the settings that the open data depends on."""

from django.conf import settings
from django.core import checks
from stdnum.fr import siret


@checks.register()
def collectivity_siret(app_configs, **kwargs):
    value = settings.PACTE_COLLECTIVITY_SIRET
    if siret.is_valid(value) and value.startswith(settings.PACTE_COLLECTIVITY_SIREN):
        return []
    return [
        checks.Warning(
            f"PACTE_COLLECTIVITY_SIRET « {value} » n'est pas un SIRET valide commençant par "
            f"le SIREN « {settings.PACTE_COLLECTIVITY_SIREN} » : les données ouvertes "
            "(SCDL) seraient refusées.",
            id="pilotage.W001",
        )
    ]
