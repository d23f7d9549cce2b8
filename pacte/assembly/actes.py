"""The ACTES protocol (@CTES, transmission of acts to the préfet), as Pacte needs it: the
act's internal number and the identifier the préfecture's acknowledgement gives it (A13)."""

import re

from django.conf import settings

from .models import Deliberation

# ARActe's IDActe (ACTES 1.1): DDD-SIREN-AAAAMMJJ-NUMERO-NN.
ACTES_ID = re.compile(r"[09][0-9][AB0-9]-[0-9]{9}-[0-9]{8}-[a-zA-Z0-9_]{1,15}-[A-Z]{2}")


def actes_internal_number(deliberation: Deliberation) -> str:
    """A13: the act's internal number as ACTES takes it — capitals, digits and `_`, 15 at most
    (« 2022_317 » for deliberation 2022-317)."""
    return f"{deliberation.year}_{deliberation.sequence:03d}"


def actes_identifier(deliberation: Deliberation, department_code: str, siren: str) -> str:
    """A13: the identifier the préfecture's acknowledgement gives the act, built as ACTES builds
    it: department, SIREN, date of the decision, internal number, nature (DE)."""
    decided_on = deliberation.report.sitting.held_on
    return (
        f"{department_code.zfill(3)}-{siren}-{decided_on:%Y%m%d}-"
        f"{actes_internal_number(deliberation)}-DE"
    )


def expected_actes_identifier(deliberation: Deliberation) -> str:
    return actes_identifier(
        deliberation, settings.PACTE_DEPARTMENT_CODE, settings.PACTE_COLLECTIVITY_SIREN
    )
