"""System checks of the identity and legal settings (`manage.py check`, and `--deploy` for what
a public installation must fill in)."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import checks

from . import identity


@checks.register()
def colours(app_configs, **kwargs):
    problems = identity.theme_problems(
        settings.PACTE_COLOR_PRIMARY,
        settings.PACTE_COLOR_PRIMARY_DARK,
        settings.PACTE_COLOR_PRIMARY_TEXT,
    )
    return [
        checks.Error(
            problem,
            hint="Les couleurs par défaut sont servies tant que celles des réglages ne "
            "conviennent pas (docs/reglages.md).",
            id="legal.E001",
        )
        for problem in problems
    ]


@checks.register()
def logo(app_configs, **kwargs):
    value = str(settings.PACTE_DEPARTMENT_LOGO or "").strip()
    if not value or identity.is_url(value) or finders.find(value):
        return []
    return [
        checks.Error(
            f"PACTE_DEPARTMENT_LOGO « {value} » n'est ni une adresse (https://… ou /…) ni un "
            "fichier statique de Pacte : le logo par défaut est affiché.",
            id="legal.E002",
        )
    ]


@checks.register()
def accessibility_audit(app_configs, **kwargs):
    errors = []
    date = str(settings.PACTE_ACCESSIBILITY_AUDIT_DATE or "").strip()
    rate = str(settings.PACTE_ACCESSIBILITY_AUDIT_RATE or "").strip()
    if date and identity.audit_date(date) is None:
        errors.append(
            f"PACTE_ACCESSIBILITY_AUDIT_DATE « {date} » n'est pas une date AAAA-MM-JJ.",
        )
    if rate and identity.audit_rate(rate) is None:
        errors.append(
            f"PACTE_ACCESSIBILITY_AUDIT_RATE « {rate} » n'est pas un taux de 0 à 100.",
        )
    if bool(date) != bool(rate):
        errors.append(
            "PACTE_ACCESSIBILITY_AUDIT_DATE et PACTE_ACCESSIBILITY_AUDIT_RATE vont ensemble : "
            "sans l'un et l'autre, la déclaration dit « non conforme »."
        )
    statement = str(settings.PACTE_ACCESSIBILITY_STATEMENT_DATE or "").strip()
    if statement and identity.audit_date(statement) is None:
        errors.append(
            f"PACTE_ACCESSIBILITY_STATEMENT_DATE « {statement} » n'est pas une date AAAA-MM-JJ."
        )
    for name in identity.RETENTION_SETTINGS:
        value = str(getattr(settings, name)).strip()
        if not value.isdigit():
            errors.append(f"{name} « {value} » n'est pas un nombre entier positif ou nul.")
    return [checks.Error(message, id="legal.E003") for message in errors]


# What a public installation must state (LCEN art. 6; AGPL-3.0 § 13; RGPD art. 13 and 37).
REQUIRED_FOR_DEPLOYMENT = {
    "PACTE_HOST_NAME": "les mentions légales ne nomment pas l'hébergeur (LCEN, article 6)",
    "PACTE_HOST_ADDRESS": "les mentions légales ne donnent pas l'adresse de l'hébergeur",
    "PACTE_HOST_PHONE": "les mentions légales ne donnent pas le téléphone de l'hébergeur",
    "PACTE_SOURCE_URL": "les mentions légales n'offrent pas le code source en service, "
    "comme le veut la licence AGPL (article 13)",
    "PACTE_DPO_CONTACT": "la page des données personnelles ne donne que l'adresse postale "
    "du délégué à la protection des données",
    "PACTE_ACCESSIBILITY_CONTACT": "la déclaration d'accessibilité ne donne que l'adresse "
    "postale et le téléphone du Département",
}


@checks.register(deploy=True)
def legal_pages(app_configs, **kwargs):
    return [
        checks.Warning(f"{name} est vide : {consequence}.", id="legal.W001")
        for name, consequence in REQUIRED_FOR_DEPLOYMENT.items()
        if not str(getattr(settings, name, "") or "").strip()
    ]
