from typing import TYPE_CHECKING, Self

from django.db import models

if TYPE_CHECKING:
    from pacte.contracts.models import Generation

    # Named in the type argument below, a string: the models import this module.
    from .models import Operation  # noqa: F401


class OperationQuerySet(models.QuerySet["Operation"]):
    def in_generation(self, generation: "Generation") -> Self:
        return self.filter(contract__generation=generation)

    def voted(self) -> Self:
        return self.filter(state__in=self.model.VOTED_STATES)

    def under_review(self) -> Self:
        return self.filter(state__in=self.model.REVIEW_STATES)

    def for_partner(self, partner_id: int) -> Self:
        return self.filter(contract__partner_id=partner_id)
