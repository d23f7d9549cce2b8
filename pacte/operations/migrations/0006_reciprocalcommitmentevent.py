from django.db import migrations


class Migration(migrations.Migration):
    """The history of a reciprocal commitment is no longer named like the fund's accounting
    commitments' (finance.CommitmentEvent)."""

    dependencies = [("operations", "0005_reporting_indexes")]

    operations = [migrations.RenameModel("CommitmentEvent", "ReciprocalCommitmentEvent")]
