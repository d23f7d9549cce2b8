"""The Département's identity (name, logo, colours) and the facts its legal pages state, read
from the settings (config/settings/base.py; documented in docs/reglages.md).

Colours reach the pages through CSS custom properties served by `/theme.css`: no inline style,
which a strict Content-Security-Policy forbids. A colour that is not a hexadecimal colour, or
whose pairs with the text and the page fail the contrast of WCAG 2.1 (criterion 1.4.3, RGAA
3.2), is never served: the default colours are, and the system checks say why.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from pacte.core.french import format_date_words, format_decimal, plural_suffix

DEFAULT_LOGO = "legal/logo-departement.svg"
DEFAULT_PRIMARY = "#004b87"
DEFAULT_PRIMARY_DARK = "#00335c"
DEFAULT_PRIMARY_TEXT = "#ffffff"
# The backgrounds the primary colours are written on as text (links, outlined buttons): the
# page and the grey panels of pacte.css (--paper, --soft).
PAPER = "#ffffff"
SOFT = "#f3f5f7"
MINIMUM_CONTRAST = Decimal("4.5")  # text of normal size (WCAG 2.1, 1.4.3; RGAA 3.2)

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


# --- Colours -------------------------------------------------------------------------------


def normalised_colour(value: object) -> str | None:
    """« #004B87 », « #fff » → « #004b87 », « #ffffff »; anything else → None."""
    text = str(value or "").strip()
    if not _HEX.fullmatch(text):
        return None
    digits = text[1:].lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return f"#{digits}"


def _luminance(colour: str) -> float:
    """Relative luminance of an sRGB colour « #rrggbb » (WCAG 2.1 definition)."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> Decimal:
    """The contrast ratio of two colours « #rrggbb », from 1 to 21, rounded down to 0.01 (a
    ratio of 4.499 does not pass as 4.5)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    ratio = (light + 0.05) / (dark + 0.05)
    return Decimal(int(ratio * 100)) / 100


@dataclass(frozen=True)
class Theme:
    primary: str
    primary_dark: str
    primary_text: str

    def css(self) -> str:
        return (
            "/* Couleurs du Département (réglages PACTE_COLOR_*), servies par Pacte. */\n"
            ":root {\n"
            f"  --brand: {self.primary};\n"
            f"  --brand-dark: {self.primary_dark};\n"
            f"  --on-brand: {self.primary_text};\n"
            "}\n"
        )

    @property
    def version(self) -> str:
        return hashlib.sha256(self.css().encode()).hexdigest()[:12]


DEFAULT_THEME = Theme(DEFAULT_PRIMARY, DEFAULT_PRIMARY_DARK, DEFAULT_PRIMARY_TEXT)

COLOUR_SETTINGS = {
    "primary": "PACTE_COLOR_PRIMARY",
    "primary_dark": "PACTE_COLOR_PRIMARY_DARK",
    "primary_text": "PACTE_COLOR_PRIMARY_TEXT",
}


def theme_problems(primary: object, primary_dark: object, primary_text: object) -> list[str]:
    """What is wrong with these colours, in French; [] when they may be served."""
    given = {"primary": primary, "primary_dark": primary_dark, "primary_text": primary_text}
    colours = {key: normalised_colour(value) for key, value in given.items()}
    problems = [
        f"{COLOUR_SETTINGS[key]} « {given[key]} » n'est pas une couleur hexadécimale "
        "(#rrggbb ou #rgb)."
        for key, colour in colours.items()
        if colour is None
    ]
    if problems:
        return problems
    pairs = [
        ("primary_text", "primary", "le texte sur la couleur principale (menu, boutons)"),
        ("primary_text", "primary_dark", "le texte sur la couleur foncée (menu survolé)"),
        ("primary", PAPER, "la couleur principale sur le fond blanc (liens)"),
        ("primary", SOFT, "la couleur principale sur le fond gris des encadrés (liens)"),
        ("primary_dark", PAPER, "la couleur foncée sur le fond blanc (lien survolé)"),
    ]
    for fore, back, what in pairs:
        ratio = contrast(colours[fore] or "", colours.get(back) or back)
        if ratio < MINIMUM_CONTRAST:
            problems.append(
                f"Contraste insuffisant pour {what} : {format_decimal(ratio)}:1, "
                f"il faut au moins {format_decimal(MINIMUM_CONTRAST, 1)}:1 "
                f"({COLOUR_SETTINGS[fore]}"
                + (f", {COLOUR_SETTINGS[back]}" if back in COLOUR_SETTINGS else "")
                + ")."
            )
    return problems


@functools.lru_cache(maxsize=16)
def _theme(primary: str, primary_dark: str, primary_text: str) -> Theme:
    if theme_problems(primary, primary_dark, primary_text):
        return DEFAULT_THEME
    return Theme(
        normalised_colour(primary) or DEFAULT_PRIMARY,
        normalised_colour(primary_dark) or DEFAULT_PRIMARY_DARK,
        normalised_colour(primary_text) or DEFAULT_PRIMARY_TEXT,
    )


def theme() -> Theme:
    """The colours of the settings, or the default ones if they may not be served."""
    return _theme(
        str(settings.PACTE_COLOR_PRIMARY),
        str(settings.PACTE_COLOR_PRIMARY_DARK),
        str(settings.PACTE_COLOR_PRIMARY_TEXT),
    )


# --- Identity ------------------------------------------------------------------------------


def is_url(value: str) -> bool:
    """An address used as written (« https://… », « /identite/logo.svg ») rather than the path
    of one of Pacte's static files (« legal/logo-departement.svg »)."""
    return "://" in value or value.startswith("/")


@functools.lru_cache(maxsize=16)
def _is_static_file(path: str) -> bool:
    return finders.find(path) is not None


def logo_url() -> str:
    """The logo of the settings; Pacte's neutral logo if it names no static file of Pacte (see
    the system check legal.E002): a missing image, never an error page."""
    value = str(settings.PACTE_DEPARTMENT_LOGO or "").strip() or DEFAULT_LOGO
    if is_url(value):
        return value
    try:
        return static(value if _is_static_file(value) else DEFAULT_LOGO)
    except ValueError:  # not in the manifest of the collected files
        return static(DEFAULT_LOGO)


@dataclass(frozen=True)
class Identity:
    name: str  # with its article, as it follows « Département »: « du Pas-de-Calais »
    short_name: str  # « Pas-de-Calais »
    logo_url: str

    @property
    def full_name(self) -> str:
        """« Département du Pas-de-Calais »."""
        return f"Département {self.name}"


def identity() -> Identity:
    name = str(settings.PACTE_DEPARTMENT_NAME).strip()
    return Identity(
        name=name,
        short_name=str(settings.PACTE_DEPARTMENT_SHORT_NAME).strip() or name,
        logo_url=logo_url(),
    )


# --- Accessibility statement ---------------------------------------------------------------

FULLY, PARTIALLY, NOT = "totalement conforme", "partiellement conforme", "non conforme"


def audit_date(value: object) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def audit_rate(value: object) -> Decimal | None:
    """« 87,5 », « 87.5 », « 87,5 % » → 87.5; outside 0–100 or not a number → None."""
    text = str(value or "").replace("%", "").replace(",", ".").strip()
    try:
        rate = Decimal(text)
    except InvalidOperation:
        return None
    return rate if rate.is_finite() and 0 <= rate <= 100 else None


@dataclass(frozen=True)
class Accessibility:
    """The state of compliance with RGAA 4.1, from the last audit (accessibilite.numerique.
    gouv.fr, « Obligations — évaluation de la conformité »): every criterion met, totally
    compliant; at least half of them, partially; less, or no valid audit result, not
    compliant."""

    audit_date: datetime.date | None
    audit_rate: Decimal | None
    auditor: str

    @property
    def audited(self) -> bool:
        return self.audit_date is not None and self.audit_rate is not None

    @property
    def status(self) -> str:
        if not self.audited or self.audit_rate is None:
            return NOT
        if self.audit_rate >= 100:
            return FULLY
        return PARTIALLY if self.audit_rate >= 50 else NOT

    @property
    def rate_text(self) -> str:
        if self.audit_rate is None:
            return ""
        places = 0 if self.audit_rate == self.audit_rate.to_integral_value() else 1
        return f"{format_decimal(self.audit_rate, places)}\u00a0%"

    @property
    def date_text(self) -> str:
        return format_date_words(self.audit_date)


def accessibility() -> Accessibility:
    return Accessibility(
        audit_date=audit_date(settings.PACTE_ACCESSIBILITY_AUDIT_DATE),
        audit_rate=audit_rate(settings.PACTE_ACCESSIBILITY_AUDIT_RATE),
        auditor=str(settings.PACTE_ACCESSIBILITY_AUDITOR).strip(),
    )


# --- Legal notice and personal data --------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """An e-mail address, a web address or a postal text: what a link may be made of."""

    text: str

    @property
    def href(self) -> str:
        if "://" in self.text:
            return self.text
        if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", self.text):
            return f"mailto:{self.text}"
        return ""

    def __bool__(self) -> bool:
        return bool(self.text)

    def __str__(self) -> str:
        return self.text


def contact(name: str) -> Contact:
    return Contact(str(getattr(settings, name, "") or "").strip())


def years(count: int) -> str:
    return f"{count}\u00a0an{plural_suffix(count)}"


def duration_setting(name: str) -> int:
    """A number of years or months from the settings; a value that is not a whole number
    ≥ 0 is reported by the system check and read as 0."""
    try:
        value = int(str(getattr(settings, name)).strip())
    except (TypeError, ValueError):
        return 0
    return max(value, 0)


@dataclass(frozen=True)
class Retention:
    account_years: int
    audit_years: int
    log_months: int
    grant_file_years: int

    @property
    def account(self) -> str:
        return years(self.account_years)

    @property
    def audit(self) -> str:
        return years(self.audit_years)

    @property
    def logs(self) -> str:
        return f"{self.log_months}\u00a0mois"

    @property
    def grant_files(self) -> str:
        return years(self.grant_file_years)


RETENTION_SETTINGS = [
    "PACTE_RETENTION_ACCOUNT_YEARS",
    "PACTE_RETENTION_AUDIT_YEARS",
    "PACTE_RETENTION_LOG_MONTHS",
    "PACTE_RETENTION_GRANT_FILE_YEARS",
]


def retention() -> Retention:
    return Retention(*(duration_setting(name) for name in RETENTION_SETTINGS))


@dataclass(frozen=True)
class LegalFacts:
    identity: Identity
    accessibility: Accessibility
    retention: Retention
    address: str
    phone: str
    siren: str
    director: str
    host_name: str
    host_address: str
    host_phone: str
    source_url: str
    accessibility_contact: Contact
    accessibility_plan_url: str
    statement_date: str
    dpo_contact: Contact
    device_days: int


def legal_facts() -> LegalFacts:
    text = {
        name: str(getattr(settings, name, "") or "").strip()
        for name in [
            "PACTE_PUBLISHER_ADDRESS",
            "PACTE_PUBLISHER_PHONE",
            "PACTE_COLLECTIVITY_SIREN",
            "PACTE_PUBLICATION_DIRECTOR",
            "PACTE_HOST_NAME",
            "PACTE_HOST_ADDRESS",
            "PACTE_HOST_PHONE",
            "PACTE_SOURCE_URL",
            "PACTE_ACCESSIBILITY_PLAN_URL",
        ]
    }
    statement = audit_date(settings.PACTE_ACCESSIBILITY_STATEMENT_DATE)
    return LegalFacts(
        identity=identity(),
        accessibility=accessibility(),
        retention=retention(),
        address=text["PACTE_PUBLISHER_ADDRESS"],
        phone=text["PACTE_PUBLISHER_PHONE"],
        siren=text["PACTE_COLLECTIVITY_SIREN"],
        director=text["PACTE_PUBLICATION_DIRECTOR"],
        host_name=text["PACTE_HOST_NAME"],
        host_address=text["PACTE_HOST_ADDRESS"],
        host_phone=text["PACTE_HOST_PHONE"],
        source_url=text["PACTE_SOURCE_URL"],
        accessibility_contact=contact("PACTE_ACCESSIBILITY_CONTACT"),
        accessibility_plan_url=text["PACTE_ACCESSIBILITY_PLAN_URL"],
        statement_date=format_date_words(statement),
        dpo_contact=contact("PACTE_DPO_CONTACT"),
        device_days=int(settings.PACTE_LOGIN_DEVICE_DAYS),
    )
