"""Connectors that carry an act to the préfet through @CTES and bring back its answer (A13).

A collectivity does not speak to the State's @CTES platform itself: it goes through an approved
transmission operator (« tiers de télétransmission »). `PACTE_ACTES_CONNECTOR` says how Pacte
hands the act over:

- `""` (none): Pacte sends nothing. The clerk records the sending date by hand and then the
  acknowledgement (typed, or the préfecture's XML file uploaded on the act's page).
- `"depot"`, a file drop: for each sending, a folder `<identifier>_<sending>` appears in
  `PACTE_ACTES_DROP_DIR`, written aside and renamed at once when complete (a tool watching the
  folder never sees half of it), holding the files of an ACTES transmission named as the
  protocol names them (flow 1-1): the `Acte` message `<identifier>-1-1_0.xml`, the
  deliberation's PDF `99_DE-<identifier>-1-1_1.pdf`, its annexes (the report's PDF)
  `99_AU-<identifier>-1-1_2.pdf`…, where `<identifier>` is the one the act will have
  (`062-226200012-20220926-2022_317-DE`). The tool drops the préfecture's answers (`ARActe`,
  `AnomalieActe`, as XML files) in `PACTE_ACTES_RETURN_DIR`; Pacte recognises those about an
  act it sent by the act they quote (internal number and decision date), records them and moves
  them to `traites/` (or `rejetes/` when they do not pass the checks). Files about other acts
  are left where they are.
- `"s2low"`: an HTTPS client of a service compatible with S²LOW (Libriciel's free
  transmission operator, also run by several regional platforms), authenticated by a client
  certificate (`PACTE_S2LOW_CERT`, `PACTE_S2LOW_KEY`, in PEM; the server's authority
  `PACTE_S2LOW_CA`, else the system's), with a login and password where the platform shares a
  certificate between users (`PACTE_S2LOW_LOGIN`, `PACTE_S2LOW_PASSWORD`, HTTP basic).

What was followed for S²LOW — its own source (`libriciel/s2low`, `public.ssl/modules/actes/`:
`actes_transac_create.php`, `actes_transac_get_status.php`, `actes_transac_get_ARActe.php`, the
statuses of `ActesStatusSQL`, the handling of the préfecture's answers in
`ActesAnalyseFichierRecuController`) and the way Libriciel's Pastell calls it (its S²LOW
connector's `sendActes` and `getStatus`):

- creation: `POST /modules/actes/actes_transac_create.php`, multipart, with `api=1`,
  `nature_code` (1: délibération), `classif1`…`classif5` (the matter's levels), `number` (the
  internal number), `decision_date` (AAAA-MM-JJ), `subject` (the object, in ISO-8859-1 as
  Pastell sends it), `document_papier=0`, `en_attente=0` (posted at once), `type_acte` and
  `type_pj[]` (the typology of the act and of each annex), the files `acte_pdf_file` and
  `acte_attachments[]`. The answer is text in ISO-8859-1: `OK` then the transaction's number, or
  `KO` then the reason.
- status: `GET /modules/actes/actes_transac_get_status.php?transaction=<n>` answers `OK`, the
  status, then what came back with it: 1, 2, 3, 17, 18 (posted, waiting, transmitted, waiting to
  be posted or signed) still wait; 4 (acknowledgement received) comes with the `ARActe`; -1
  (error) comes with the préfecture's `AnomalieActe` when it is one, and S²LOW's message; 0
  (cancelled) and 6 (refused) end the sending; a later status (validated, archived…) means the
  acknowledgement came, read from `GET /modules/actes/actes_transac_get_ARActe.php?id=<n>`.

A connector's operations are run by the background worker (`services.transmission`), never by
a request: `send(package) -> reference` and `poll(reference, deliberation) -> Reply | None`
(None: no answer yet), then `settle(reply, accepted)` once the answer is recorded. They raise
`ConnectorError` with a French message: `retry=True` when the service may take it later (down,
timeout, HTTP error, folder out of reach), False when it refused the act itself.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core import checks

from . import actes
from .models import Deliberation

logger = logging.getLogger(__name__)

NONE, DEPOT, S2LOW = "", "depot", "s2low"
CONNECTORS = {DEPOT: "dépôt pour le tiers de télétransmission", S2LOW: "S²LOW"}
TIMEOUT_SECONDS = 30


class ConnectorError(Exception):
    """A connector that did not do its part, said in French; `retry`: worth trying again."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry


@dataclass(frozen=True)
class Package:
    """What a connector hands over: the `Acte` message, the act's PDF and its annexes, with the
    act's data as the operators' forms ask for them."""

    key: int  # the sending's number, unique
    names: actes.TransmissionNames
    message: bytes
    document: bytes
    annexes: tuple[bytes, ...]
    internal_number: str
    decided_on: datetime.date
    matters: tuple[int, ...]
    subject: str


@dataclass(frozen=True)
class Reply:
    """An answer about a sent act: the préfecture's message (ARActe or AnomalieActe), or the
    operator's own account of a failure without one; `handle` is what `settle` needs."""

    message: bytes = b""
    failure: str = ""
    handle: str = ""


class Connector(Protocol):
    name: str
    label: str

    def send(self, package: Package) -> str: ...

    def poll(self, reference: str, deliberation: Deliberation) -> Reply | None: ...

    def settle(self, reply: Reply, *, accepted: bool) -> None: ...


# --- File drop ----------------------------------------------------------------------------


class FileDrop:
    name = DEPOT
    label = CONNECTORS[DEPOT]

    def __init__(self, drop_dir: Path, return_dir: Path) -> None:
        self.drop_dir = drop_dir
        self.return_dir = return_dir

    def send(self, package: Package) -> str:
        folder = f"{package.names.base}_{package.key}"
        final = self.drop_dir / folder
        if final.is_dir():  # dropped by an earlier try that stopped before recording it
            return folder
        partial = self.drop_dir / f".{folder}.partiel"
        try:
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=False)
            (partial / package.names.message).write_bytes(package.message)
            (partial / package.names.document).write_bytes(package.document)
            for name, content in zip(package.names.annexes, package.annexes, strict=True):
                (partial / name).write_bytes(content)
            os.replace(partial, final)
        except OSError as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise ConnectorError(
                f"Le dossier de dépôt {self.drop_dir} n'a pas pu recevoir l'acte "
                f"({exc.strerror or exc}).",
                retry=True,
            ) from exc
        return folder

    def poll(self, reference: str, deliberation: Deliberation) -> Reply | None:
        try:
            paths = sorted(
                (p for p in self.return_dir.iterdir() if p.suffix.lower() == ".xml"),
                key=lambda p: (p.stat().st_mtime, p.name),
            )
            for path in paths:
                if not path.is_file() or path.stat().st_size > actes.MAX_MESSAGE_BYTES:
                    continue
                content = path.read_bytes()
                if actes.reply_for(content, deliberation):
                    return Reply(message=content, handle=str(path))
        except OSError as exc:
            raise ConnectorError(
                f"Le dossier de retour {self.return_dir} n'a pas pu être lu "
                f"({exc.strerror or exc}).",
                retry=True,
            ) from exc
        return None

    def settle(self, reply: Reply, *, accepted: bool) -> None:
        """Move the answer's file out of the way: `traites/` once recorded, `rejetes/` when
        its checks failed (kept for whoever looks into it)."""
        path = Path(reply.handle)
        target = self.return_dir / ("traites" if accepted else "rejetes")
        try:
            target.mkdir(exist_ok=True)
            destination = target / path.name
            counter = 1
            while destination.exists():
                destination = target / f"{path.stem}.{counter}{path.suffix}"
                counter += 1
            os.replace(path, destination)
        except OSError as exc:  # the answer is recorded: the file only stays in place
            logger.warning("Fichier de retour %s non déplacé : %s", path, exc)


# --- S²LOW ----------------------------------------------------------------------------------

CREATE = "/modules/actes/actes_transac_create.php"
STATUS = "/modules/actes/actes_transac_get_status.php"
ACKNOWLEDGEMENT = "/modules/actes/actes_transac_get_ARActe.php"
NATURE_DELIBERATION = "1"
WAITING = {1, 2, 3, 17, 18}
ENDED = {
    0: "La transaction n°{ref} a été annulée sur S²LOW : l'acte n'a pas été transmis.",
    6: "La transaction n°{ref} a été refusée par S²LOW : l'acte n'a pas été transmis.",
    16: "La transaction n°{ref} a été détruite sur S²LOW : l'acte n'a pas été transmis.",
}
# Characters of French text that ISO-8859-1 lacks, written as S²LOW's forms would take them.
LATIN1_SPARES = str.maketrans(
    {"œ": "oe", "Œ": "OE", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "–": "-", "—": "-"}
)


def _latin1(text: str) -> bytes:
    return " ".join(text.translate(LATIN1_SPARES).split()).encode("latin-1", "replace")


def _text(content: bytes) -> str:
    """S²LOW's messages, in ISO-8859-1 (UTF-8 read as such if a platform sends it)."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def _one_line(text: str, limit: int = 500) -> str:
    text = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    return text[:limit] + ("…" if len(text) > limit else "")


class S2low:
    name = S2LOW
    label = CONNECTORS[S2LOW]

    def __init__(
        self,
        url: str,
        *,
        cert: str,
        key: str,
        ca: str = "",
        login: str = "",
        password: str = "",
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.url = url.rstrip("/")
        self.cert = cert
        self.key = key
        self.ca = ca
        self.auth = (login, password) if login else None
        self.timeout = timeout

    def _call(self, method: str, path: str, **kwargs: object) -> bytes:
        import requests

        address = f"{self.url}{path}"
        try:
            response = requests.request(
                method,
                address,
                cert=(self.cert, self.key),
                verify=self.ca or True,
                auth=self.auth,
                timeout=self.timeout,
                allow_redirects=False,
                **kwargs,  # type: ignore[arg-type]
            )
        except requests.exceptions.SSLError as exc:
            raise ConnectorError(
                f"La connexion sécurisée à S²LOW ({self.url}) a échoué : certificat du "
                f"serveur non reconnu ou certificat de Pacte refusé ({_one_line(str(exc), 200)}).",
                retry=True,
            ) from exc
        except requests.RequestException as exc:
            raise ConnectorError(
                f"S²LOW ({self.url}) ne répond pas : {_one_line(str(exc), 200)}.", retry=True
            ) from exc
        except OSError as exc:  # the certificate's files unreadable
            raise ConnectorError(
                f"Le certificat de Pacte pour S²LOW n'a pas pu être lu ({exc}).", retry=True
            ) from exc
        if response.status_code != 200:
            raise ConnectorError(
                f"S²LOW ({self.url}) a répondu par une erreur HTTP {response.status_code} "
                f"({response.reason or 'sans motif'}).",
                retry=True,
            )
        return response.content

    @staticmethod
    def _answer(content: bytes) -> tuple[bool, list[bytes]]:
        """(OK or KO, the lines after it); ConnectorError when it is neither (a login page,
        an error page of the web server)."""
        lines = content.split(b"\n")
        first = lines[0].strip()
        if first not in {b"OK", b"KO"}:
            raise ConnectorError(
                "S²LOW a répondu autre chose que son API ne répond (« OK » ou « KO ») : "
                f"« {_one_line(_text(content[:300]), 120)} ». Vérifiez l'adresse "
                "PACTE_S2LOW_URL et les droits du certificat.",
                retry=True,
            )
        return first == b"OK", lines[1:]

    def send(self, package: Package) -> str:
        fields: list[tuple[str, bytes | str]] = [
            ("api", "1"),
            ("nature_code", NATURE_DELIBERATION),
            ("number", package.internal_number),
            ("decision_date", package.decided_on.isoformat()),
            ("subject", _latin1(package.subject)),
            ("document_papier", "0"),
            ("en_attente", "0"),
            ("type_acte", actes.TYPE_DOCUMENT),
        ]
        fields += [(f"classif{level}", str(code)) for level, code in enumerate(package.matters, 1)]
        fields += [("type_pj[]", actes.TYPE_ANNEX) for _ in package.annexes]
        files = [("acte_pdf_file", (package.names.document, package.document, "application/pdf"))]
        files += [
            ("acte_attachments[]", (name, content, "application/pdf"))
            for name, content in zip(package.names.annexes, package.annexes, strict=True)
        ]
        ok, rest = self._answer(self._call("POST", CREATE, data=fields, files=files))
        reason = _one_line(_text(b"\n".join(rest)))
        if not ok:
            raise ConnectorError(f"S²LOW a refusé l'acte : « {reason} ».", retry=False)
        reference = rest[0].strip().decode("ascii", "replace") if rest else ""
        if not reference.isdigit():
            raise ConnectorError(
                f"S²LOW a accepté l'acte sans donner de numéro de transaction (« {reason} »).",
                retry=True,
            )
        return reference

    def poll(self, reference: str, deliberation: Deliberation) -> Reply | None:
        ok, rest = self._answer(self._call("GET", STATUS, params={"transaction": reference}))
        if not ok:
            reason = _one_line(_text(b"\n".join(rest)))
            raise ConnectorError(
                f"S²LOW ne donne pas l'état de la transaction n°{reference} : « {reason} ».",
                retry=True,
            )
        try:
            status = int(rest[0].strip())
        except (IndexError, ValueError) as exc:
            raise ConnectorError(
                f"S²LOW donne un état illisible pour la transaction n°{reference}.", retry=True
            ) from exc
        body = b"\n".join(rest[1:]).strip()
        if status in WAITING:
            return None
        if status == 4:
            return Reply(message=body) if body.startswith(b"<") else None
        if status == -1:
            message, text = _leading_xml(body)
            if message and re.search(rb"<(\w+:)?AnomalieActe\b", message):
                return Reply(message=message)
            return Reply(
                failure=f"S²LOW signale une erreur sur la transaction n°{reference} : "
                f"« {_one_line(_text(text or body)) or 'sans détail'} »."
            )
        if status in ENDED:
            return Reply(failure=ENDED[status].format(ref=reference))
        # A later status (validated, sent to archiving…): the acknowledgement came.
        content = self._call("GET", ACKNOWLEDGEMENT, params={"id": reference}).strip()
        return Reply(message=content) if content.startswith(b"<") else None

    def settle(self, reply: Reply, *, accepted: bool) -> None:
        """S²LOW keeps its answers: nothing to clear."""


def _leading_xml(body: bytes) -> tuple[bytes, bytes]:
    """(the XML document at the start of `body`, the text after it): S²LOW writes the
    préfecture's message, then its own."""
    match = re.match(rb"\s*(<\?xml[^>]*\?>\s*)?<([\w:.-]+)", body)
    if not match:
        return b"", body
    end_tag = b"</" + match.group(2) + b">"
    end = body.find(end_tag)
    if end < 0:
        return b"", body
    end += len(end_tag)
    return body[:end].strip(), body[end:].strip()


# --- Configuration --------------------------------------------------------------------------


def configured_name() -> str:
    return str(getattr(settings, "PACTE_ACTES_CONNECTOR", "") or "").strip().lower()


def connector(name: str | None = None) -> Connector:
    """The connector `name` (by default the one set) built from the settings; ConnectorError
    (not retried) when it is not set or its settings are missing."""
    name = configured_name() if name is None else name
    problems = configuration_problems(name)
    if problems:
        raise ConnectorError(problems[0], retry=False)
    if name == DEPOT:
        drop = Path(settings.PACTE_ACTES_DROP_DIR)
        returned = settings.PACTE_ACTES_RETURN_DIR or drop / "retour"
        return FileDrop(drop, Path(returned))
    return S2low(
        settings.PACTE_S2LOW_URL,
        cert=settings.PACTE_S2LOW_CERT,
        key=settings.PACTE_S2LOW_KEY,
        ca=settings.PACTE_S2LOW_CA,
        login=settings.PACTE_S2LOW_LOGIN,
        password=settings.PACTE_S2LOW_PASSWORD,
    )


def configuration_problems(name: str) -> list[str]:
    if name == NONE:
        return [
            "Aucun connecteur de transmission n'est réglé (PACTE_ACTES_CONNECTOR) : la "
            "transmission au préfet s'enregistre à la main."
        ]
    if name not in CONNECTORS:
        return [
            f"PACTE_ACTES_CONNECTOR vaut « {name} » : les connecteurs sont « depot » et "
            "« s2low » (vide : aucun)."
        ]
    if configured_name() != name:
        return [
            f"Cet envoi passait par le connecteur « {CONNECTORS[name]} », qui n'est plus celui "
            "réglé (PACTE_ACTES_CONNECTOR)."
        ]
    required = (
        ["PACTE_ACTES_DROP_DIR"]
        if name == DEPOT
        else ["PACTE_S2LOW_URL", "PACTE_S2LOW_CERT", "PACTE_S2LOW_KEY"]
    )
    missing = [setting for setting in required if not getattr(settings, setting, "")]
    if missing:
        return [
            f"Le connecteur « {CONNECTORS[name]} » demande {', '.join(missing)} : réglage manquant."
        ]
    if name == S2LOW and not str(settings.PACTE_S2LOW_URL).startswith("https://"):
        return ["PACTE_S2LOW_URL doit être une adresse https:// (certificat client)."]
    return []


@checks.register()
def connector_settings(app_configs: object, **kwargs: object) -> list[checks.CheckMessage]:
    """`manage.py check`: a connector set without what it needs."""
    name = configured_name()
    if name == NONE:
        return []
    return [checks.Error(text, id="assembly.E001") for text in configuration_problems(name)]
