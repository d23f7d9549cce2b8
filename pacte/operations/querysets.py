from django.db import models


class OperationQuerySet(models.QuerySet):
    def in_generation(self, generation):
        return self.filter(contract__generation=generation)

    def voted(self):
        return self.filter(state__in=self.model.VOTED_STATES)

    def under_review(self):
        return self.filter(state__in=self.model.REVIEW_STATES)

    def for_partner(self, partner_id: int):
        return self.filter(contract__partner_id=partner_id)
