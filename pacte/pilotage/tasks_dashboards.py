"""Background refresh of the dashboards' figures (run by `manage.py db_worker`)."""

from django_tasks import task


@task()
def refresh_figures(name: str, generation_id: int | None, territory_id: int | None) -> None:
    from . import dashboards

    dashboards.refresh(name, generation_id, territory_id)
