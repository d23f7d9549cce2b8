"""The transmission of acts to the préfet, run in the background by `manage.py pacte_worker`:
the sending through the connector, then the asking for the préfecture's answer
(`services.transmission`)."""

from django_tasks import task

# `services.transmission` enqueues these tasks and these tasks run it: each imports the other
# as a module (not its names), so that either may be imported first.
from .services import transmission


@task()
def send_to_prefect(sending_id: int) -> bool:
    return transmission.deliver(sending_id)


@task()
def poll_prefect(sending_id: int) -> bool:
    return transmission.poll(sending_id)
