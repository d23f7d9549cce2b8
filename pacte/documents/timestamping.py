"""Trusted timestamps (RFC 3161) for the signatures, and the demo's own timestamp authority.

A signature's time is the one a timestamp authority (TSA) certifies, not the one the signer's
computer declares. The authority is a setting, PACTE_TSA_URL: in production a qualified
authority's address; in the demo (`./pacte.sh demo`) and in the tests, the local authority
served by `manage.py pacte_tsa`, whose certificate the demo signing authority issues once.
"""

from __future__ import annotations

import datetime
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from .pki import authority, write_pem

logger = logging.getLogger(__name__)

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_QUERY_BYTES = 64 * 1024


def timestamper() -> TimeStamper:
    """The client of the timestamp authority set by PACTE_TSA_URL."""
    url = getattr(settings, "PACTE_TSA_URL", "")
    if not url:
        logger.error("PACTE_TSA_URL n'est pas réglé : les signatures sont refusées.")
        raise ValidationError(
            "La signature électronique n'est pas encore configurée (autorité d'horodatage, "
            "PACTE_TSA_URL) : rien n'a été signé. Prévenez l'administrateur."
        )
    return HTTPTimeStamper(url, timeout=10)


# --- The demo's local authority --------------------------------------------------------------


def _tsa_paths() -> tuple[Path, Path]:
    pki = Path(settings.VAR_DIR) / "pki"
    return pki / "tsa-cert.pem", pki / "tsa-key.pem"


def ensure_demo_tsa() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """The demo authority's timestamping certificate (issued once by the demo signing
    authority, for timestamping only) and its key, under var/pki/."""
    cert_path, key_path = _tsa_paths()
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ImproperlyConfigured(f"{key_path} : une clé RSA est attendue.")
        return x509.load_pem_x509_certificate(cert_path.read_bytes()), key
    ca = authority()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(tz=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pacte — démonstration"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "Horodatage de TEST — Pacte"),
                ]
            )
        )
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca.signing_key(), hashes.SHA256())
    )
    write_pem(cert_path, cert, key_path, key)
    return cert, key


def demo_authority() -> DummyTimeStamper:
    """The local authority's signer: it grants every well-formed request, at the time of its
    own clock, signed with its timestamping certificate."""
    cert, key = ensure_demo_tsa()
    ca = authority()
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        certs_to_embed=[ca.asn1],
    )


class _Handler(BaseHTTPRequestHandler):
    """RFC 3161 over HTTP: a DER TimeStampReq posted, a DER TimeStampResp answered."""

    server: _Server

    def do_POST(self) -> None:  # noqa: N802 — the name http.server calls
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Content-Type") != QUERY_TYPE or not 0 < length <= MAX_QUERY_BYTES:
            self.send_error(400, "Requete d'horodatage attendue (application/timestamp-query).")
            return
        try:
            request = tsp.TimeStampReq.load(self.rfile.read(length))
            response = self.server.authority.request_tsa_response(request).dump()
        except (ValueError, TypeError, KeyError):
            self.send_error(400, "Requete d'horodatage illisible.")
            return
        self.send_response(200)
        self.send_header("Content-Type", REPLY_TYPE)
        self.send_header("Content-Length", str(len(response)))
        self.end_headers()
        self.wfile.write(response)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        logger.info("Horodatage : " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], authority: DummyTimeStamper) -> None:
        super().__init__(address, _Handler)
        self.authority = authority


def serve(host: str = "127.0.0.1", port: int = 8001) -> _Server:
    """The local authority, listening (port 0: any free port); `serve_forever` runs it."""
    return _Server((host, port), demo_authority())


def serve_in_thread(host: str = "127.0.0.1", port: int = 0) -> tuple[_Server, str]:
    """The local authority running in a thread of this process, and its address."""
    server = serve(host, port)
    threading.Thread(target=server.serve_forever, name="pacte-tsa", daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}/"
