"""What Django's validators miss in French: the password policy (12 characters, not common,
not numeric, not close to the name) completed for the people who use Pacte.

- A password that **contains** the username, the e-mail address's local part, the first or
  the last name (four letters at least) is refused — « invite.adv16 » for the account
  `invite.adv16@exemple.fr` was not « similar enough » for Django's ratio.
- A password whose letters, once digits, signs, case and accents are set aside, are only a
  common French word, a keyboard row or the name of a commune of the département is refused:
  « Departement62! », « motdepasse123 », « azertyuiop12 », « Lievin622026 ».
- A password of fewer than six different characters (« aaaaaaaaaaaa ») is refused.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Value
from django.db.models.functions import Replace

from pacte.territory.models import Commune
from pacte.territory.text import normalize

# Words that, alone or repeated with digits and signs, make the first passwords tried.
_WORDS = """
    motdepasse motdepass password passwort contrasena admin administrateur utilisateur
    bonjour bonsoir salut coucou soleil chocolat doudou chouchou loulou cheri cherie amour
    jetaime toto titi tata tutu azerty qwerty qwertz azertyuiop qwertyuiop qsdfghjklm asdfghjkl
    wxcvbn zxcvbn abcdef abcdefgh abcdefghijkl secret secrete confidentiel bienvenue
    departement departemental pasdecalais nord picardie hautsdefrance france francais
    mairie commune conseil conseildepartemental prefecture region pacte contrat subvention
    fonds arras lens lievin calais boulogne bethune liberte egalite fraternite
    printemps ete automne hiver janvier fevrier mars avril mai juin juillet aout septembre
    octobre novembre decembre lundi mardi mercredi jeudi vendredi samedi dimanche football
    marseille paris lille nicolas julien thomas camille marie sophie iloveyou love letmein
    welcome monkey dragon sunshine princess master hello
    """
COMMON_WORDS = frozenset(_WORDS.split())
KEYBOARD_ROWS = (
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "abcdefghijklmnopqrstuvwxyz",
)
DIGIT_RUNS = ("01234567890", "09876543210")
# Digits and signs written for letters (« P@ssw0rd », « M0tdep@sse »).
LEET = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "1": "i", "3": "e", "5": "s", "$": "s", "7": "t"}
)
MIN_DISTINCT = 6
MIN_PART = 4


def letters(text: str) -> str:
    """The letters of a text, lower case and without accents: « Département-62! » → departement."""
    return re.sub(r"[^a-z]", "", normalize(text))


@lru_cache(maxsize=256)
def _only_common(base: str, own: frozenset[str] = frozenset()) -> bool:
    """Is `base` made of common words, keyboard runs and the user's own names only
    (« motdepassemotdepasse », « abcdabcd », « elueluelu » for `elu`)?"""
    if not base:
        return True
    for size in range(len(base), 1, -1):
        head = base[:size]
        known = (
            head in COMMON_WORDS
            or head in own
            or any(len(head) >= MIN_PART and head in row for row in KEYBOARD_ROWS)
        )
        if known and _only_common(base[size:], own):
            return True
    return False


def _has_digit_run(password: str) -> bool:
    """Six digits or more in a row of the keyboard (« 123456 », « 987654 »)."""
    digits = re.sub(r"[^0-9]", " ", password).split()
    return any(len(run) >= 6 and any(run in row for row in DIGIT_RUNS) for run in digits)


def _is_commune(base: str) -> bool:
    code = str(getattr(settings, "PACTE_DEPARTMENT_CODE", "") or "")
    compact = Replace("search_name", Value(" "), Value(""))
    return (
        Commune.objects.filter(department__code=code)
        .annotate(compact=compact)
        .filter(compact=base)
        .exists()
    )


class FrenchPasswordValidator:
    def validate(self, password: str, user: Any = None) -> None:
        base = letters(password)
        if len(set(password)) < MIN_DISTINCT:
            raise ValidationError(
                "Ce mot de passe répète trop les mêmes caractères.", code="password_repetitive"
            )
        own: frozenset[str] = frozenset()
        if user is not None:
            email = str(getattr(user, "email", "") or "")
            parts = [
                str(getattr(user, "username", "") or ""),
                email.split("@", 1)[0],
                str(getattr(user, "first_name", "") or ""),
                str(getattr(user, "last_name", "") or ""),
            ]
            folded = letters(password)
            own = frozenset(k for k in map(letters, parts) if len(k) >= 2)
            for part in parts:
                key = letters(part)
                if len(key) >= MIN_PART and key in folded:
                    raise ValidationError(
                        "Ce mot de passe contient votre identifiant, votre nom ou votre adresse "
                        "électronique.",
                        code="password_contains_user",
                    )
        if _has_digit_run(password) and len(base) < MIN_PART:
            raise ValidationError(
                "Ce mot de passe est trop facile à deviner : une suite de chiffres du clavier "
                "et quelques lettres sont essayées parmi les premières.",
                code="password_guessable",
            )
        if not base or len(base) > 64:
            return  # no letters, or a long passphrase: the other validators judge it
        # Digits among letters stand for letters; groups of digits (a year) stay digits.
        decoded = letters(re.sub(r"\d{2,}", "", password.lower()).translate(LEET))
        if (
            _only_common(base, own)
            or _only_common(decoded, own)
            or (len(base) >= MIN_PART and _is_commune(base))
        ):
            raise ValidationError(
                "Ce mot de passe est trop facile à deviner : un mot courant, une suite de "
                "touches ou le nom d'une commune, suivi de chiffres ou de signes, est essayé "
                "parmi les premiers.",
                code="password_guessable",
            )

    def get_help_text(self) -> str:
        return (
            "Votre mot de passe ne peut pas être un mot courant, une suite de touches ou le nom "
            "d'une commune suivi de chiffres, ni contenir votre identifiant ou votre nom."
        )
