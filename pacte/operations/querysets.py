from django.db import models

# State groups, named once.
OPEN_FOR_REVIEW = ("submitted", "in_review", "awaiting_partner", "sheet_ready")
VOTED_STATES = ("voted", "agreement_signed", "works_started", "completed")


class OperationQuerySet(models.QuerySet):
    def in_generation(self, generation):
        return self.filter(contract__generation=generation)

    def voted(self):
        return self.filter(state__in=VOTED_STATES)

    def under_review(self):
        return self.filter(state__in=OPEN_FOR_REVIEW)

    def for_partner(self, partner_id: int):
        return self.filter(contract__partner_id=partner_id)
