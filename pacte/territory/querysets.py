from typing import TYPE_CHECKING, Self

from django.db import models

from .text import normalize

if TYPE_CHECKING:
    # Named in the type arguments below, strings: the models import this module.
    from .models import Commune, Councillor, Department, Epci  # noqa: F401


class EpciQuerySet(models.QuerySet["Epci"]):
    def in_department(self, department: "Department") -> Self:
        return self.filter(communes__department=department).distinct()


class CommuneQuerySet(models.QuerySet["Commune"]):
    def search(self, query: str) -> Self:
        """By INSEE code (prefix) or by name, ignoring case, accents, hyphens and apostrophes."""
        query = (query or "").strip()
        if not query:
            return self
        if query.isdigit() or (len(query) >= 2 and query[:2].upper() in {"2A", "2B"}):
            return self.filter(insee_code__startswith=query.upper())
        return self.filter(search_name__contains=normalize(query))


class CouncillorQuerySet(models.QuerySet["Councillor"]):
    def in_office(self) -> Self:
        return self.filter(in_office=True)

    def by_function(self) -> Self:
        """Président first, then vice-présidents by rank, then the others by name."""
        return self.annotate(
            _function_order=models.Case(
                models.When(function="PRE", then=0),
                models.When(function="VPE", then=1),
                default=2,
            )
        ).order_by("_function_order", "function_rank", "last_name", "first_name")
