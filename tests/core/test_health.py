"""`/sante/` and `/sante/web/`: what a load balancer and a monitoring system poll — the database,
a real background worker's signs of life, the queue's lag and the disk."""

import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pacte.core.models import WorkerProcess

from .worker_support import STALE_SECONDS, Worker, wait_until


def _get(client, url: str):
    response = client.get(url)
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response.status_code, response.json()


@pytest.mark.django_db
def test_the_web_check_needs_no_login_and_asks_the_database_only(client):
    status, body = _get(client, "/sante/web/")
    assert status == 200
    assert body["statut"] == "ok"
    assert list(body["verifications"]) == ["base"]
    assert body["verifications"]["base"]["ok"] is True


@pytest.mark.django_db
def test_outside_the_internal_network_only_the_status_is_told(client, settings):
    """The figures (queue, disk, worker) are for the internal network or the health token;
    from elsewhere, the status alone, with the same code."""
    settings.PACTE_TASK_STALE_SECONDS = 60
    outside = {"REMOTE_ADDR": "203.0.113.7"}
    for url in ["/sante/", "/sante/web/"]:
        response = client.get(url, **outside)
        assert set(response.json()) == {"statut", "date"}, url
    assert client.get("/sante/", **outside).status_code == 503  # no worker: at fault
    # With the token, the details; with a wrong one or none configured, not.
    settings.PACTE_HEALTH_TOKEN = "jeton-de-supervision"
    right = client.get("/sante/", HTTP_AUTHORIZATION="Bearer jeton-de-supervision", **outside)
    assert "processus_de_fond" in right.json()["verifications"]
    wrong = client.get("/sante/", HTTP_AUTHORIZATION="Bearer autre", **outside)
    assert "verifications" not in wrong.json()
    # Behind a reverse proxy, the forwarded address counts, and the networks are a setting.
    settings.PACTE_PROXY_COUNT = 1
    forwarded = client.get("/sante/web/", HTTP_X_FORWARDED_FOR="192.168.4.2")
    assert "verifications" in forwarded.json()
    settings.PACTE_INTERNAL_NETWORKS = "10.20.0.0/16"
    assert (
        "verifications" not in client.get("/sante/web/", HTTP_X_FORWARDED_FOR="192.168.4.2").json()
    )
    assert "verifications" in client.get("/sante/web/", HTTP_X_FORWARDED_FOR="10.20.3.4").json()
    assert "verifications" not in client.get("/sante/web/", HTTP_X_FORWARDED_FOR="n'importe").json()
    # A client that reaches Pacte directly, not through the proxy, is its own address.
    direct = client.get("/sante/web/", HTTP_X_FORWARDED_FOR="10.20.3.4", REMOTE_ADDR="203.0.113.7")
    assert "verifications" not in direct.json()
    settings.PACTE_PROXY_IPS = "203.0.113.0/24"
    via = client.get("/sante/web/", HTTP_X_FORWARDED_FOR="10.20.3.4", REMOTE_ADDR="203.0.113.7")
    assert "verifications" in via.json()


@pytest.mark.django_db
def test_without_a_live_worker_the_service_is_said_at_fault(client, settings):
    settings.PACTE_TASK_STALE_SECONDS = 60
    WorkerProcess.objects.create(
        worker_id="mort",
        pid=1,
        seen_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    status, body = _get(client, "/sante/")
    assert status == 503 and body["statut"] == "en défaut"
    worker = body["verifications"]["processus_de_fond"]
    assert worker["ok"] is False and worker["vivants"] == 0
    assert worker["dernier_signe_de_vie_s"] >= 300
    assert "aucun processus de fond n'a donné signe de vie depuis 60 s" in worker["message"]
    assert body["verifications"]["base"]["ok"] is True


@pytest.mark.django_db
def test_a_lagging_queue_and_a_full_disk_are_said(client, settings):
    WorkerProcess.objects.create(worker_id="vivant", pid=1)
    settings.PACTE_HEALTH_QUEUE_MAX_WAIT = 600
    from django_tasks_db.models import get_date_max

    due = timezone.now() - datetime.timedelta(minutes=20)
    # A task queued without delay, as django-tasks-db writes it (the largest date to run after).
    task = DBTaskResult.objects.create(
        task_path="pacte.core.tasks.inexistante",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=due)
    status, body = _get(client, "/sante/")
    queue = body["verifications"]["file"]
    assert status == 503 and queue["ok"] is False
    assert queue["taches_en_attente"] == 1 and queue["attente_max_s"] >= 1200
    assert "le processus de fond ne suit pas" in queue["message"]
    assert body["verifications"]["disque"]["ok"] is True
    settings.PACTE_HEALTH_MIN_FREE_MB = 10**12
    disk = _get(client, "/sante/")[1]["verifications"]["disque"]
    assert disk["ok"] is False and "Mio sur le disque des documents" in disk["message"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_makes_the_service_healthy_and_its_death_is_seen(client, tmp_path, settings):
    settings.PACTE_TASK_STALE_SECONDS = STALE_SECONDS
    worker = Worker(tmp_path)
    try:
        try:
            wait_until(lambda: _get(client, "/sante/")[0] == 200, timeout=120, step=0.2)
        except AssertionError:
            raise AssertionError((_get(client, "/sante/"), worker.output()[-3000:])) from None
        body = _get(client, "/sante/")[1]
        assert body["verifications"]["processus_de_fond"]["vivants"] == 1
        worker.kill()
        status, body = wait_until(
            lambda: (r := _get(client, "/sante/"))[0] == 503 and r,
            timeout=STALE_SECONDS + 30,
            step=0.2,
        )
        assert body["verifications"]["processus_de_fond"]["ok"] is False
    finally:
        worker.stop()
