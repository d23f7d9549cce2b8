"""The transmission of acts to the préfet through a connector (A13), end to end with real
parts: the file drop and its return folder on disk, a real HTTPS server speaking S²LOW's API
that demands Pacte's client certificate (a test authority made here), the real background
worker. Every message Pacte sends or reads is checked against the official ACTES schema."""

import datetime
import email.parser
import email.policy
import hashlib
import http.server
import ssl
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from xml.etree import ElementTree as ET

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.exceptions import ValidationError
from django.utils import timezone

from pacte.assembly import actes, services, transmission
from pacte.assembly.models import ActesSending, Deliberation
from pacte.assembly.services import transmission as sendings
from pacte.core.files import read
from pacte.core.models import AuditEvent
from tests.assembly import test_publicity
from tests.core.worker_support import DATABASE_TASKS, Worker, wait_until

pytestmark = pytest.mark.django_db
NS = actes.NAMESPACE
# A deliberation adopted by the commission permanente of 25/03/2024, with its PDFs.
adopted = test_publicity.adopted
LATER = datetime.timedelta(minutes=30)


def q(name):
    return f"{{{NS}}}{name}"


def later(times=1):
    return timezone.now() + LATER * times


# --- The préfecture's messages, as @CTES writes them -------------------------------------------


def acte_recu(parent, *, number, decided_on, matters=(7, 5), documents=("acte.pdf",)):
    """The act the préfecture received (`ActeRecu`), as its answers quote it."""
    act = ET.SubElement(
        parent,
        q("ActeRecu"),
        {q("Date"): decided_on, q("NumeroInterne"): number, q("CodeNatureActe"): "1"},
    )
    for level, code in enumerate(matters, start=1):
        ET.SubElement(act, q(f"CodeMatiere{level}"), {q("CodeMatiere"): str(code)})
    ET.SubElement(act, q("Objet")).text = "Règlement du fonds — délibération reçue"
    ET.SubElement(act, q("ClassificationDateVersion")).text = "2023-01-01"
    document = ET.SubElement(act, q("Document"))
    ET.SubElement(document, q("NomFichier")).text = documents[0]
    annexes = ET.SubElement(act, q("Annexes"), {q("Nombre"): str(len(documents) - 1)})
    for name in documents[1:]:
        ET.SubElement(ET.SubElement(annexes, q("Annexe")), q("NomFichier")).text = name
    ET.SubElement(act, q("DocumentPapier"), {f"{{{actes.XSI}}}nil": "true"})
    return act


def ar_acte(*, number, decided_on, received_on, siren="226200012", encoding="utf-8", **kw):
    ET.register_namespace("actes", NS)
    root = ET.Element(
        q("ARActe"),
        {
            q("IDActe"): f"062-{siren}-{decided_on.replace('-', '')}-{number}-DE",
            q("DateReception"): received_on,
        },
    )
    acte_recu(root, number=number, decided_on=decided_on, **kw)
    ET.SubElement(root, q("ClassificationDateVersionEnCours")).text = "2023-01-01"
    message = ET.tostring(root, encoding=encoding, xml_declaration=True)
    assert actes.schema().is_valid(message)  # the préfecture's own message is valid
    return message


def anomalie_acte(*, number, decided_on, reported_on, nature="003", detail="", **kw):
    ET.register_namespace("actes", NS)
    root = ET.Element(q("AnomalieActe"))
    ET.SubElement(root, q("Date")).text = reported_on
    ET.SubElement(root, q("Nature")).text = nature
    if detail:
        ET.SubElement(root, q("Detail")).text = detail
    acte_recu(root, number=number, decided_on=decided_on, **kw)
    ET.SubElement(root, q("ClassificationDateVersionEnCours")).text = "2023-01-01"
    message = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    assert actes.schema().is_valid(message)
    return message


def answer_to(deliberation, kind="ar", **kw):
    """The préfecture's answer about `deliberation`, received today."""
    deliberation.refresh_from_db()
    facts = {
        "number": actes.actes_internal_number(deliberation),
        "decided_on": deliberation.report.sitting.held_on.isoformat(),
        # The act as it was transmitted: its matters.
        "matters": actes.matter_codes(deliberation.subject_code),
    }
    today = timezone.localdate().isoformat()
    if kind == "ar":
        return ar_acte(received_on=today, **facts, **kw)
    return anomalie_acte(reported_on=today, **facts, **kw)


def state_of(deliberation):
    deliberation.refresh_from_db()
    return deliberation.transmission_state


def transitions(deliberation):
    return list(deliberation.events.values_list("transition", flat=True))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    # Where a worker started by a test (PACTE_VAR_DIR=tmp_path) reads the stored files too.
    settings.MEDIA_ROOT = tmp_path / "test-media"


# --- The file drop ----------------------------------------------------------------------------


@pytest.fixture
def drop(settings, tmp_path):
    settings.PACTE_ACTES_CONNECTOR = "depot"
    settings.PACTE_ACTES_DROP_DIR = str(tmp_path / "depot")
    settings.PACTE_ACTES_RETURN_DIR = str(tmp_path / "retour")
    (tmp_path / "depot").mkdir()
    (tmp_path / "retour").mkdir()
    return tmp_path / "depot", tmp_path / "retour"


def test_the_file_drop_round_trip(adopted, drop, client_for, django_capture_on_commit_callbacks):
    drop_dir, return_dir = drop
    client = client_for("assembly")
    page = client.get(f"/actes/{adopted.pk}/").content.decode()
    assert "Transmettre au préfet" in page and "dépôt pour le tiers de télétransmission" in page
    with django_capture_on_commit_callbacks(execute=True):  # the worker's task, run at once
        response = client.post(f"/actes/{adopted.pk}/envoi/", {"subject_code": "7.5"})
    assert response.status_code == 302
    today = timezone.localdate()
    assert state_of(adopted) == Deliberation.Transmission.SENT
    assert adopted.transmitted_on == today
    event = adopted.events.get(transition="transmit")
    assert event.actor.username == "test-assembly"
    assert "dépôt pour le tiers de télétransmission" in event.reason

    # One complete folder, named after the act, with the files as ACTES names them.
    base = actes.expected_actes_identifier(adopted)
    sending = ActesSending.objects.get(deliberation=adopted)
    [folder] = list(drop_dir.iterdir())
    assert folder.name == f"{base}_{sending.pk}" == sending.remote_id
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{base}-1-1_0.xml", f"99_DE-{base}-1-1_1.pdf", f"99_AU-{base}-1-1_2.pdf"]
    )
    message = (folder / f"{base}-1-1_0.xml").read_bytes()
    actes.schema().validate(message)
    root = ET.fromstring(message)
    assert root.tag == q("Acte")
    assert root.find(q("Document")).findtext(q("NomFichier")) == f"99_DE-{base}-1-1_1.pdf"
    assert (folder / f"99_DE-{base}-1-1_1.pdf").read_bytes() == read(adopted.document.file)
    assert (folder / f"99_AU-{base}-1-1_2.pdf").read_bytes() == read(adopted.report_document.file)

    # Nothing back yet: the worker asks again later. An answer about another act stays.
    assert sendings.poll_due(now=later()) == 0
    other = ar_acte(number="2024_999", decided_on="2024-03-25", received_on=today.isoformat())
    (return_dir / "autre-acte.xml").write_bytes(other)
    assert sendings.poll_due(now=later(2)) == 0
    (return_dir / f"{base}-1-2_1.xml").write_bytes(answer_to(adopted))
    assert sendings.poll_due(now=later(3)) == 1

    assert state_of(adopted) == Deliberation.Transmission.ACKNOWLEDGED
    assert (adopted.actes_id, adopted.acknowledged_on) == (base, today)
    assert transitions(adopted) == ["transmit", "acknowledge"]
    assert sorted(p.name for p in return_dir.iterdir()) == ["autre-acte.xml", "traites"]
    assert [p.name for p in (return_dir / "traites").iterdir()] == [f"{base}-1-2_1.xml"]
    sending.refresh_from_db()
    assert (sending.outcome, sending.closed_at is not None) == ("acknowledged", True)
    page = client.get(f"/actes/{adopted.pk}/").content.decode()
    assert f"accusé de réception du {today:%d/%m/%Y} avec l'identifiant {base}" in page
    assert "Transmettre au préfet" not in page


def test_a_drop_folder_out_of_reach_is_retried_and_nothing_is_recorded(
    adopted, drop, users, django_capture_on_commit_callbacks
):
    drop_dir, _ = drop
    drop_dir.rmdir()
    with django_capture_on_commit_callbacks(execute=True):
        sendings.deliberation_send_to_prefect(actor=users["test-assembly"], deliberation=adopted)
    sending = ActesSending.objects.get()
    assert (
        "Le dossier de dépôt" in sending.last_error and "n'a pas pu recevoir" in sending.last_error
    )
    assert (sending.attempts, sending.sent_at, sending.abandoned_at) == (1, None, None)
    assert state_of(adopted) == "not_sent" and not transitions(adopted)
    drop_dir.mkdir()
    assert sendings.send_due(now=later()) == 1
    assert state_of(adopted) == "sent"
    assert len(list(drop_dir.iterdir())) == 1  # no half-written folder left behind


def test_an_anomaly_dropped_back_is_recorded_and_the_act_sent_again(
    adopted, drop, users, django_capture_on_commit_callbacks
):
    drop_dir, return_dir = drop
    actor = users["test-assembly"]
    with django_capture_on_commit_callbacks(execute=True):
        sendings.deliberation_send_to_prefect(actor=actor, deliberation=adopted)
    detail = "La matière 7.5 ne convient pas à un règlement : classez-le en 9.1."
    (return_dir / "anomalie.xml").write_bytes(answer_to(adopted, "anomaly", detail=detail))
    assert sendings.poll_due(now=later()) == 1
    assert state_of(adopted) == Deliberation.Transmission.ANOMALY
    assert (adopted.anomaly_nature, adopted.anomaly_detail) == ("003", detail)
    assert adopted.anomaly_on == timezone.localdate()
    assert (return_dir / "traites" / "anomalie.xml").exists()
    # Corrected (its matter) and sent again: a second folder, a second transmission.
    with django_capture_on_commit_callbacks(execute=True):
        sendings.deliberation_send_to_prefect(actor=actor, deliberation=adopted, subject_code="9.1")
    assert state_of(adopted) == "sent" and adopted.subject_code == "9.1"
    assert transitions(adopted) == ["transmit", "report_anomaly", "transmit"]
    second = ActesSending.objects.filter(deliberation=adopted).latest("requested_at")
    message = drop_dir / second.remote_id / f"{actes.expected_actes_identifier(adopted)}-1-1_0.xml"
    root = ET.fromstring(message.read_bytes())
    assert [root.find(q(f"CodeMatiere{n}")).get(q("CodeMatiere")) for n in (1, 2)] == ["9", "1"]
    assert len(list(drop_dir.iterdir())) == 2


# --- S²LOW over HTTPS, with a client certificate ----------------------------------------------


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _certificate(subject, key, issuer, issuer_key, *, ca=False, server=False):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if server:
        import ipaddress

        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, certificate, key=None):
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        key_path = path.with_suffix(".key")
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return str(path), str(key_path)
    return str(path)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A test authority, the server's certificate (127.0.0.1) and Pacte's client certificate,
    both issued by it; and a stranger's client certificate, from another authority."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key, other_key = _key(), _key()
    ca = _certificate("Autorité de test S²LOW", ca_key, "Autorité de test S²LOW", ca_key, ca=True)
    server_key, client_key, stranger_key = _key(), _key(), _key()
    return {
        "ca": _write(folder / "ca.pem", ca),
        "server": _write(
            folder / "server.pem",
            _certificate("127.0.0.1", server_key, "Autorité de test S²LOW", ca_key, server=True),
            server_key,
        ),
        "client": _write(
            folder / "pacte.pem",
            _certificate("Pacte — Département", client_key, "Autorité de test S²LOW", ca_key),
            client_key,
        ),
        "stranger": _write(
            folder / "stranger.pem",
            _certificate("Inconnu", stranger_key, "Autre autorité", other_key),
            stranger_key,
        ),
    }


class S2lowServer:
    """A S²LOW-compatible service: `actes_transac_create.php` records the transaction,
    `actes_transac_get_status.php` answers its status (3: transmitted) and then, once told,
    the acknowledgement or an anomaly as S²LOW writes them. `mode` makes it fail."""

    def __init__(self, pki):
        self.posted = []
        self.mode = "ok"  # "http503", "ko"
        self.answer = None  # None: still transmitted; ("ar"|"anomaly", bytes, text)
        self.requests = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*pki["server"])
        context.load_verify_locations(pki["ca"])
        context.verify_mode = ssl.CERT_REQUIRED  # no client certificate of the authority: no TLS
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body: bytes):
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=ISO-8859-1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                server.requests.append(("POST", self.path))
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if urlparse(self.path).path != transmission.CREATE:
                    return self._reply(404, b"introuvable")
                if server.mode == "http503":
                    return self._reply(503, b"Service indisponible")
                head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
                form = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
                fields, files = {}, {}
                for part in form.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    payload = part.get_payload(decode=True)
                    if part.get_filename():
                        files.setdefault(name, []).append((part.get_filename(), payload))
                    else:
                        fields.setdefault(name, []).append(payload.decode("latin-1"))
                server.posted.append((fields, files))
                if server.mode == "ko":
                    message = "Un acte portant le même numéro interne existe déjà."
                    return self._reply(200, f"KO\n{message}\n".encode("latin-1"))
                return self._reply(200, f"OK\n{40 + len(server.posted)}\n".encode())

            def do_GET(self):
                server.requests.append(("GET", self.path))
                url = urlparse(self.path)
                if url.path != transmission.STATUS:
                    return self._reply(404, b"introuvable")
                transaction = parse_qs(url.query).get("transaction", [""])[0]
                if not transaction.isdigit():
                    return self._reply(200, "KO\nNuméro de transaction invalide.".encode("latin-1"))
                if server.answer is None:
                    return self._reply(200, b"OK\n3\n")
                kind, message, text = server.answer
                status = b"4" if kind == "ar" else b"-1"
                return self._reply(200, b"OK\n" + status + b"\n" + message + text)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def s2low(pki, settings):
    server = S2lowServer(pki)
    settings.PACTE_ACTES_CONNECTOR = "s2low"
    settings.PACTE_S2LOW_URL = server.url
    settings.PACTE_S2LOW_CERT, settings.PACTE_S2LOW_KEY = pki["client"]
    settings.PACTE_S2LOW_CA = pki["ca"]
    yield server
    server.close()


def test_the_s2low_server_demands_a_client_certificate_of_its_authority(s2low, pki):
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(s2low.url + transmission.STATUS, verify=pki["ca"], timeout=5)
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(
            s2low.url + transmission.STATUS, cert=pki["stranger"], verify=pki["ca"], timeout=5
        )
    answer = requests.get(
        s2low.url + transmission.STATUS, cert=pki["client"], verify=pki["ca"], timeout=5
    )
    assert answer.text.startswith("KO")


def test_s2low_creates_the_transaction_then_returns_the_acknowledgement(
    adopted, s2low, client_for, django_capture_on_commit_callbacks
):
    client = client_for("assembly")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/actes/{adopted.pk}/envoi/", {"subject_code": "7.10.2"})
    assert state_of(adopted) == "sent" and adopted.transmitted_on == timezone.localdate()
    [(fields, files)] = s2low.posted
    number = actes.actes_internal_number(adopted)
    assert {name: values[0] for name, values in fields.items() if name != "type_pj[]"} == {
        "api": "1",
        "nature_code": "1",
        "number": number,
        "decision_date": "2024-03-25",
        "subject": adopted.report.title,
        "document_papier": "0",
        "en_attente": "0",
        "type_acte": "99_DE",
        "classif1": "7",
        "classif2": "10",
        "classif3": "2",
    }
    assert fields["type_pj[]"] == ["99_AU"]
    [(name, content)] = files["acte_pdf_file"]
    assert content == read(adopted.document.file) and name.startswith("99_DE-062-226200012-")
    [(_, annex)] = files["acte_attachments[]"]
    assert hashlib.sha256(annex).hexdigest() == adopted.report_document.sha256
    sending = ActesSending.objects.get()
    assert sending.remote_id == "41"
    # The préfecture has not answered: S²LOW says « transmitted ».
    assert sendings.poll_due(now=later()) == 0
    sending.refresh_from_db()
    assert (sending.polls, sending.last_error, sending.closed_at) == (1, "", None)
    assert ("GET", f"{transmission.STATUS}?transaction=41") in s2low.requests
    page = client.get(f"/actes/{adopted.pk}/").content.decode()
    assert "accusé de réception attendu" in page
    # The acknowledgement, as S²LOW returns it (ISO-8859-1, after its status line).
    s2low.answer = ("ar", answer_to(adopted, encoding="ISO-8859-1"), b"")
    assert sendings.poll_due(now=later(2)) == 1
    assert state_of(adopted) == "acknowledged"
    assert adopted.actes_id == f"062-226200012-20240325-{number}-DE"
    assert adopted.acknowledged_on == timezone.localdate()
    assert transitions(adopted) == ["transmit", "acknowledge"]
    assert sendings.poll_due(now=later(3)) == 0  # closed: S²LOW is not asked again


def test_a_service_down_is_retried_and_nothing_is_half_written(
    adopted, s2low, pki, settings, users, client_for, django_capture_on_commit_callbacks
):
    s2low.mode = "http503"
    audits = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        sendings.deliberation_send_to_prefect(actor=users["test-assembly"], deliberation=adopted)
    sending = ActesSending.objects.get()
    assert sending.last_error == (
        f"S²LOW ({s2low.url}) a répondu par une erreur HTTP 503 (Service Unavailable)."
    )
    assert sending.attempts == 1 and sending.sent_at is None and sending.abandoned_at is None
    assert sending.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)
    assert state_of(adopted) == "not_sent" and adopted.transmitted_on is None
    assert not transitions(adopted)
    assert AuditEvent.objects.count() == audits + 1  # the request only
    page = client_for("assembly").get(f"/actes/{adopted.pk}/").content.decode()
    assert "En attente d'envoi" in page
    assert "Dernier essai d'envoi sans succès" in page and "erreur HTTP 503" in page
    assert "Transmettre au préfet" not in page  # one sending at a time

    assert sendings.send_due() == 0  # not due yet
    s2low.close()  # the service is down altogether
    assert sendings.send_due(now=later()) == 0
    sending.refresh_from_db()
    assert sending.attempts == 2 and "ne répond pas" in sending.last_error
    assert state_of(adopted) == "not_sent"

    back = S2lowServer(pki)  # back, on another port
    settings.PACTE_S2LOW_URL = back.url
    try:
        assert sendings.send_due(now=later(2)) == 1
    finally:
        back.close()
    sending.refresh_from_db()
    assert (sending.attempts, sending.last_error, sending.remote_id) == (3, "", "41")
    assert state_of(adopted) == "sent" and transitions(adopted) == ["transmit"]


def test_a_refusal_of_the_act_is_not_retried_and_shown_to_the_clerk(
    adopted, s2low, users, client_for, django_capture_on_commit_callbacks
):
    s2low.mode = "ko"
    actor = users["test-assembly"]
    with django_capture_on_commit_callbacks(execute=True):
        sendings.deliberation_send_to_prefect(actor=actor, deliberation=adopted)
    sending = ActesSending.objects.get()
    assert sending.abandoned_at is not None and sending.attempts == 1
    assert sending.last_error == (
        "S²LOW a refusé l'acte : « Un acte portant le même numéro interne existe déjà. »."
    )
    assert sendings.send_due(now=later(10)) == 0  # never tried again by itself
    assert state_of(adopted) == "not_sent" and not transitions(adopted)
    page = client_for("assembly").get(f"/actes/{adopted.pk}/").content.decode()
    assert "n'a pas abouti : S²LOW a refusé l&#x27;acte" in page
    assert "Transmettre au préfet" in page  # the clerk may ask again
    s2low.mode = "ok"
    with django_capture_on_commit_callbacks(execute=True):
        sendings.deliberation_send_to_prefect(actor=actor, deliberation=adopted)
    assert state_of(adopted) == "sent"


def test_an_anomaly_returned_by_s2low_is_recorded_in_french(
    adopted, s2low, users, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sendings.deliberation_send_to_prefect(actor=users["test-assembly"], deliberation=adopted)
    detail = "Le document principal est illisible."
    s2low.answer = (
        "anomaly",
        answer_to(adopted, "anomaly", nature="005", detail=detail),
        "Anomalie signalee par le MI : 005 - Le document principal est illisible.".encode(
            "latin-1"
        ),
    )
    assert sendings.poll_due(now=later()) == 1
    assert state_of(adopted) == "anomaly"
    assert (adopted.anomaly_nature, adopted.anomaly_detail) == ("005", detail)
    event = adopted.events.get(transition="report_anomaly")
    today = timezone.localdate()
    assert event.reason == (
        f"Reçue par le connecteur S²LOW. Anomalie signalée par la préfecture le "
        f"{today:%d/%m/%Y} (nature 005) : {detail}"
    )
    page = client_for("assembly").get(f"/actes/{adopted.pk}/").content.decode()
    assert f"Anomalie signalée par la préfecture le {today:%d/%m/%Y} (nature 005)" in page
    assert "Transmettre au préfet" in page


def test_an_error_of_s2low_without_a_message_is_an_anomaly_too(
    adopted, s2low, users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sendings.deliberation_send_to_prefect(actor=users["test-assembly"], deliberation=adopted)
    s2low.answer = ("error", b"", "Erreur lors de la validation de l'enveloppe".encode("latin-1"))
    assert sendings.poll_due(now=later()) == 1
    assert state_of(adopted) == "anomaly" and adopted.anomaly_nature == ""
    assert adopted.anomaly_detail == (
        "S²LOW signale une erreur sur la transaction n°41 : « Erreur lors de la validation de "
        "l'enveloppe »."
    )


# --- The clerk's upload -----------------------------------------------------------------------


def upload(client, deliberation, content, name="reponse.xml"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/actes/{deliberation.pk}/reponse/",
        {"file": SimpleUploadedFile(name, content, content_type="application/xml")},
    )


def test_an_uploaded_answer_is_checked_recorded_once_and_never_half_written(
    adopted, client_for, users
):
    client = client_for("assembly")
    right = answer_to(adopted)
    # Before the sending: refused.
    before = upload(client, adopted, right)
    assert before.status_code == 400
    assert "n&#x27;a pas été transmise au préfet" in before.content.decode()
    client.post(f"/actes/{adopted.pk}/transmission/", {"sent_on": "2024-03-26"})
    assert state_of(adopted) == "sent"
    page = client.get(f"/actes/{adopted.pk}/").content.decode()
    assert "Déposer l&#x27;accusé de réception ou l&#x27;anomalie (XML)" in page

    audits, events = AuditEvent.objects.count(), adopted.events.count()
    held_on = adopted.report.sitting.held_on.isoformat()
    refused = {
        b"ceci n'est pas du XML": "n&#x27;est pas un document XML lisible",
        ar_acte(
            number="2024_999", decided_on=held_on, received_on=timezone.localdate().isoformat()
        ): "ne désigne pas la délibération",
        ar_acte(
            number=actes.actes_internal_number(adopted),
            decided_on=held_on,
            received_on=timezone.localdate().isoformat(),
            siren="200033579",
        ): "ne désigne pas la délibération",
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>': "type de document",
        b"<" + b"a" * (1024 * 1024) + b"/>": "(1 Mio au plus)",
        actes.acte_message(adopted, document_name="d.pdf"): "ni un accusé de réception",
        right.replace(b"DateReception=", b"DateRecue="): "pas un message ACTES valide",
        ar_acte(
            number=actes.actes_internal_number(adopted),
            decided_on=held_on,
            received_on="2024-03-25",
        ): "précède la transmission du 26/03/2024",
    }
    for content, reason in refused.items():
        response = upload(client, adopted, content)
        assert response.status_code == 400, reason
        assert reason in response.content.decode(), reason
        assert "Enregistrer la réponse de la préfecture" in response.content.decode()
    assert state_of(adopted) == "sent" and not adopted.actes_id
    assert (AuditEvent.objects.count(), adopted.events.count()) == (audits, events)
    # Only the assembly service records it.
    for role in ("agent", "elected", "finance", "partner"):
        assert upload(client_for(role), adopted, right).status_code in (403, 404), role
    assert state_of(adopted) == "sent"

    client = client_for("assembly")
    assert upload(client, adopted, right).status_code == 302
    assert state_of(adopted) == "acknowledged"
    assert adopted.actes_id == actes.expected_actes_identifier(adopted)
    assert adopted.events.get(transition="acknowledge").reason == "Fichier XML déposé."
    again = upload(client, adopted, right)
    assert again.status_code == 400
    assert "a déjà son accusé de réception" in again.content.decode()
    assert adopted.events.count() == events + 1


def test_an_uploaded_anomaly_lets_the_act_be_sent_again_by_hand(adopted, client_for):
    client = client_for("assembly")
    client.post(f"/actes/{adopted.pk}/transmission/", {"sent_on": "2024-03-26"})
    anomaly = answer_to(adopted, "anomaly", nature="002", detail="Signature absente.")
    response = upload(client, adopted, anomaly)
    assert response.status_code == 302
    assert state_of(adopted) == "anomaly" and adopted.anomaly_detail == "Signature absente."
    page = client.get(f"/actes/{adopted.pk}/").content.decode()
    assert "(nature 002) : Signature absente." in page
    assert "Enregistrer la transmission" in page  # no connector: recorded by hand again
    today = timezone.localdate().isoformat()
    client.post(f"/actes/{adopted.pk}/transmission/", {"sent_on": today})
    assert state_of(adopted) == "sent" and adopted.transmitted_on.isoformat() == today
    assert transitions(adopted) == ["transmit", "report_anomaly", "transmit"]
    # An anomaly about another act is refused.
    other = anomalie_acte(number="2024_999", decided_on="2024-03-25", reported_on=today)
    refused = upload(client, adopted, other)
    assert refused.status_code == 400
    assert "L&#x27;anomalie porte sur l&#x27;acte n°2024_999" in refused.content.decode()


def test_without_a_connector_nothing_is_sent(adopted, client_for, settings):
    settings.PACTE_ACTES_CONNECTOR = ""
    client = client_for("assembly")
    page = client.get(f"/actes/{adopted.pk}/").content.decode()
    assert "Transmettre au préfet" not in page and "Enregistrer la transmission" in page
    answer = client.post(f"/actes/{adopted.pk}/envoi/", {"subject_code": "7.5"}, follow=True)
    assert "Aucun connecteur de transmission n&#x27;est réglé" in answer.content.decode()
    assert not ActesSending.objects.exists() and state_of(adopted) == "not_sent"


def test_an_act_without_its_pdf_or_with_a_bad_matter_is_not_sent(adopted, drop, users):
    actor = users["test-assembly"]
    with pytest.raises(ValidationError, match="n'est pas un code de la classification"):
        sendings.deliberation_send_to_prefect(actor=actor, deliberation=adopted, subject_code="7")
    Deliberation.objects.filter(pk=adopted.pk).update(document=None)
    adopted.refresh_from_db()
    with pytest.raises(ValidationError, match="n'a pas été produit"):
        sendings.deliberation_send_to_prefect(actor=actor, deliberation=adopted)
    assert not ActesSending.objects.exists()
    assert adopted.subject_code == "7.5"


def test_the_matter_confirmed_on_the_send_form_is_the_one_sent(
    adopted, drop, client_for, django_capture_on_commit_callbacks
):
    """An empty matter is refused in French, never replaced by the act's (7.5, the default of
    an act whose matter was never set); a sub-classification of the préfecture (up to five
    levels) is sent as it is."""
    drop_dir, _ = drop
    client = client_for("assembly")
    for empty in ("", "   "):
        answer = client.post(f"/actes/{adopted.pk}/envoi/", {"subject_code": empty}, follow=True)
        assert "Indiquez la matière de l&#x27;acte dans la classification @CTES" in (
            answer.content.decode()
        )
    for wrong in ("7", "7.05", "7.1.2.3.4.5", "7_5.1", "٧.٥", "1.2.3.4.5.6.7.8.9.10"):
        answer = client.post(f"/actes/{adopted.pk}/envoi/", {"subject_code": wrong}, follow=True)
        assert "n&#x27;est pas un code de la classification @CTES" in answer.content.decode() or (
            "La matière a 19 caractères au plus" in answer.content.decode()
        ), wrong
    assert not ActesSending.objects.exists()
    assert state_of(adopted) == "not_sent" and adopted.subject_code == "7.5"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/actes/{adopted.pk}/envoi/", {"subject_code": " 1.1.1.1 "})
    assert answer.status_code == 302
    assert state_of(adopted) == "sent" and adopted.subject_code == "1.1.1.1"
    [folder] = list(drop_dir.iterdir())
    [message] = [p for p in folder.iterdir() if p.suffix == ".xml"]
    root = ET.fromstring(message.read_bytes())
    codes = [root.find(q(f"CodeMatiere{n}")).get(q("CodeMatiere")) for n in range(1, 5)]
    assert codes == ["1", "1", "1", "1"] and root.find(q("CodeMatiere5")) is None


def _sent_by_hand(client, deliberation):
    client.post(f"/actes/{deliberation.pk}/transmission/", {"sent_on": "2024-03-26"})
    assert state_of(deliberation) == "sent"


def _refused_and_nothing_written(client, deliberation, content, reason):
    audits, events = AuditEvent.objects.count(), deliberation.events.count()
    response = upload(client, deliberation, content)
    page = response.content.decode()
    assert response.status_code == 400, reason
    assert reason in page, (reason, page[page.find("reponse-") :][:2000])
    assert state_of(deliberation) == "sent" and not deliberation.actes_id
    assert deliberation.anomaly_on is None
    assert (AuditEvent.objects.count(), deliberation.events.count()) == (audits, events)
    return page


def test_the_dates_of_an_answer_may_carry_a_time_zone_but_must_fit_the_calendar(
    adopted, client_for
):
    """`xsd:date` takes a time zone and years beyond 9999 or before 1: the zone is set aside
    (the calendar day is recorded), a year Pacte cannot hold is refused in French."""
    client = client_for("assembly")
    _sent_by_hand(client, adopted)
    held_on = adopted.report.sitting.held_on.isoformat()
    number = actes.actes_internal_number(adopted)
    for day in ("10000-01-01", "-0001-01-01", "2147483647-12-31"):
        ar = ar_acte(number=number, decided_on=held_on, received_on=day)
        _refused_and_nothing_written(
            client, adopted, ar, "Pacte enregistre les dates des années 1 à 9999"
        )
        anomaly = anomalie_acte(number=number, decided_on=held_on, reported_on=day)
        _refused_and_nothing_written(
            client, adopted, anomaly, "Pacte enregistre les dates des années 1 à 9999"
        )
    # Beyond what the schema's own reader takes (2³¹): refused too, not a crash.
    today = timezone.localdate()
    right = answer_to(adopted)
    huge = right.replace(f'DateReception="{today}"'.encode(), b'DateReception="123456789012-01-01"')
    _refused_and_nothing_written(client, adopted, huge, "dépasse ce que le schéma ACTES sait lire")
    for zone in ("Z", "+14:00", "-12:00"):
        anomaly = anomalie_acte(number=number, decided_on=held_on, reported_on=f"{today}{zone}")
        assert upload(client, adopted, anomaly).status_code == 302, zone
        assert state_of(adopted) == "anomaly" and adopted.anomaly_on == today
        client.post(f"/actes/{adopted.pk}/transmission/", {"sent_on": today.isoformat()})
        assert state_of(adopted) == "sent"
    # The act quoted with a zone on its decision date is this act too.
    ar = ar_acte(number=number, decided_on=held_on, received_on=f"{today}Z")
    ar = ar.replace(f'Date="{held_on}"'.encode(), f'Date="{held_on}+01:00"'.encode())
    assert actes.schema().is_valid(ar)
    assert upload(client, adopted, ar).status_code == 302
    assert state_of(adopted) == "acknowledged" and adopted.acknowledged_on == today


def test_an_acknowledgement_must_name_this_act_in_every_part_and_quote_it(
    adopted, client_for, users
):
    """The identifier: département, SIREN, decision date, internal number and nature DE, each
    this act's; the act received (ActeRecu): this act. The identifier recorded is the one the
    message gives."""
    client = client_for("assembly")
    _sent_by_hand(client, adopted)
    right = answer_to(adopted)
    expected = actes.expected_actes_identifier(adopted)
    number = actes.actes_internal_number(adopted)
    held_on = adopted.report.sitting.held_on
    wrong = {
        right.replace(b'IDActe="062-', b'IDActe="999-'): "département 999 au lieu de 062",
        right.replace(b'IDActe="062-', b'IDActe="02A-'): "département 02A au lieu de 062",
        right.replace(b'-DE"', b'-AR"'): "nature AR au lieu de DE",
        right.replace(b"-226200012-", b"-200033579-"): "SIREN 200033579 au lieu de 226200012",
        right.replace(f'NumeroInterne="{number}"'.encode(), b'NumeroInterne="2024_999"'): (
            f"dit avoir reçu l&#x27;acte n°2024_999 du {held_on:%d/%m/%Y}, pas la "
            f"délibération n°{adopted.number}"
        ),
        right.replace(f'Date="{held_on}"'.encode(), b'Date="2024-03-24"'): (
            f"dit avoir reçu l&#x27;acte n°{number} du 24/03/2024, pas la délibération"
        ),
        # Another nature, another matter: not the act transmitted.
        right.replace(b'CodeNatureActe="1"', b'CodeNatureActe="3"'): "nature et matière",
        right.replace(b'actes:CodeMatiere="5"', b'actes:CodeMatiere="9"'): "nature et matière",
    }
    for content, reason in wrong.items():
        assert content != right and actes.schema().is_valid(content), reason
        page = _refused_and_nothing_written(client, adopted, content, reason)
        assert "ne désigne pas" in page or "dit avoir reçu" in page
    # Typed by hand, the identifier is checked the same way.
    with pytest.raises(ValidationError, match="département 999 au lieu de 062"):
        services.deliberation_acknowledge(
            actor=users["test-assembly"],
            deliberation=adopted,
            acknowledged_on=timezone.localdate(),
            actes_id="999" + expected[3:],
        )
    response = upload(client, adopted, right)
    assert response.status_code == 302
    assert state_of(adopted) == "acknowledged" and adopted.actes_id == expected
    assert expected.endswith("-DE")


def test_an_acknowledgement_of_another_act_dropped_back_is_set_aside(
    adopted, drop, users, django_capture_on_commit_callbacks
):
    """Through a connector too: an ARActe quoting this act whose identifier is not this act's
    is not recorded; its file goes to `rejetes/` with the French reason kept."""
    _, return_dir = drop
    with django_capture_on_commit_callbacks(execute=True):
        sendings.deliberation_send_to_prefect(actor=users["test-assembly"], deliberation=adopted)
    wrong = answer_to(adopted).replace(b'IDActe="062-', b'IDActe="999-')
    (return_dir / "ar.xml").write_bytes(wrong)
    # A file in an encoding Python does not know is no answer: it does not stop the others.
    (return_dir / "0-inconnu.xml").write_bytes(b'<?xml version="1.0" encoding="x-inconnu"?><a/>')
    assert sendings.poll_due(now=later()) == 0
    assert state_of(adopted) == "sent" and not adopted.actes_id
    assert (return_dir / "rejetes" / "ar.xml").exists()
    sending = ActesSending.objects.get()
    assert "département 999 au lieu de 062" in sending.last_error
    assert sending.closed_at is None
    # The next poll, with nothing new, keeps the reason for the clerk.
    assert sendings.poll_due(now=later(4)) == 0
    sending.refresh_from_db()
    assert "département 999 au lieu de 062" in sending.last_error
    (return_dir / "ar-2.xml").write_bytes(answer_to(adopted))
    assert sendings.poll_due(now=later(8)) == 1
    assert state_of(adopted) == "acknowledged"
    assert adopted.actes_id == actes.expected_actes_identifier(adopted)
    assert (return_dir / "0-inconnu.xml").exists()  # about no act: left where it is


def test_the_schemas_refusals_are_said_in_french(adopted, client_for):
    client = client_for("assembly")
    _sent_by_hand(client, adopted)
    right = answer_to(adopted)
    root_renamed = right.replace(b"<actes:ARActe ", b"<actes:x ").replace(
        b"</actes:ARActe>", b"</actes:x>"
    )
    refused = {
        root_renamed: "Ce fichier n&#x27;est pas un message ACTES : son élément racine « x » "
        "n&#x27;est pas du schéma.",
        right.replace(
            f'DateReception="{timezone.localdate()}"'.encode(), b'DateReception="2024-02-30"'
        ): "n&#x27;est pas un message ACTES valide : la date « 2024-02-30 » (attribut "
        "actes:DateReception de /actes:ARActe) n&#x27;existe pas.",
        right.replace(b"-2024_", b"-2024-"): "valide : l&#x27;identifiant « 062-226200012-",
    }
    for content, reason in refused.items():
        page = _refused_and_nothing_written(client, adopted, content, reason)
        for english in ("is not an element", "out of range", "doesn&#x27;t match", "pattern"):
            assert english not in page, english


# --- The worker ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_sends_the_act_and_brings_back_its_acknowledgement(
    adopted, users, settings, tmp_path
):
    """End to end: a real worker takes the sending, drops the act, and finds the answer the
    transmission tool dropped back, asking every second."""
    settings.TASKS = DATABASE_TASKS
    drop_dir, return_dir = tmp_path / "depot", tmp_path / "retour"
    drop_dir.mkdir()
    return_dir.mkdir()
    connector = {
        "PACTE_ACTES_CONNECTOR": "depot",
        "PACTE_ACTES_DROP_DIR": str(drop_dir),
        "PACTE_ACTES_RETURN_DIR": str(return_dir),
    }
    for name, value in connector.items():
        setattr(settings, name, value)
    worker = Worker(tmp_path, PACTE_ACTES_POLL_SECONDS="1", **connector)
    try:
        sendings.deliberation_send_to_prefect(actor=users["test-assembly"], deliberation=adopted)
        wait_until(lambda: state_of(adopted) == "sent", timeout=60)
        assert len(list(drop_dir.iterdir())) == 1, worker.output()
        (return_dir / "ar.xml").write_bytes(answer_to(adopted))
        wait_until(lambda: state_of(adopted) == "acknowledged", timeout=60)
        # The answer is filed once its reading is committed: a moment after the state shows.
        wait_until(lambda: (return_dir / "traites" / "ar.xml").exists(), timeout=30)
        assert worker.alive
    finally:
        worker.stop()


def test_a_lost_task_is_queued_again_by_the_worker(adopted, drop, users, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    sendings.deliberation_send_to_prefect(actor=users["test-assembly"], deliberation=adopted)
    # The request's task never reached the queue (its commit callback is not run here).
    assert not DBTaskResult.objects.exists()
    assert sendings.requeue_lost() == 0  # not overdue yet
    assert sendings.requeue_lost(now=later()) == 1
    assert sendings.requeue_lost(now=later()) == 0  # a task waits for it now
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "pacte.assembly.tasks.send_to_prefect"


# --- The API's vote of an item by group (not the transmission: kept here with this review's
# findings) ------------------------------------------------------------------------------------


def test_the_api_refuses_a_group_or_a_member_counted_twice(standing_committee, users, client_for):
    """Counted twice, one of the two rows would be dropped without a word: 422, nothing
    recorded."""
    from pacte.assembly.models import Report
    from tests.assembly.test_items import framework_report, groups

    actor = users["test-assembly"]
    report = framework_report(standing_committee, actor)
    services.item_open(actor=actor, report=report, at=datetime.time(10, 30))
    group = groups()[0].name
    client = client_for("assembly")
    audits = AuditEvent.objects.count()
    twice = {"groups": [{"group": group, "votes_for": 1}, {"group": group, "votes_for": 2}]}
    refused = client.post(f"/api/rapports/{report.pk}/vote", twice, content_type="application/json")
    assert refused.status_code == 422
    assert f"le groupe « {group} » figure deux fois" in refused.json()["detail"]
    twice = {"ballots": {"12": "for", "012": "against"}}
    refused = client.post(f"/api/rapports/{report.pk}/vote", twice, content_type="application/json")
    assert refused.status_code == 422
    assert "le membre n°12 figure deux fois" in refused.json()["detail"]
    assert not Deliberation.objects.filter(report=report).exists()
    assert AuditEvent.objects.count() == audits
    assert Report.objects.get(pk=report.pk).group_votes.count() == 0
    once = {"groups": [{"group": group, "votes_for": 2}]}
    voted = client.post(f"/api/rapports/{report.pk}/vote", once, content_type="application/json")
    assert voted.status_code == 201 and voted.json()["votes_for"] == 2
