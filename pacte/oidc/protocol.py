"""The OpenID Connect protocol, as a relying party (authorization code flow with PKCE):

- the provider's metadata (discovery, kept an hour) and its signing keys (JWKS, read again when
  a token names a key not seen yet);
- the authorization request (`state`, `nonce`, PKCE S256 `code_challenge`), built by authlib;
- the code exchanged for tokens at the token endpoint (authlib's client, with the client's
  secret), then the ID token checked here: signature by a key of the provider's JWKS with an
  allowed algorithm (RS256, ES256 by default; never `none` nor a shared secret), `iss`, `aud`
  (and `azp`), `exp`, `iat`, `sub`, and the `nonce` of this login;
- the userinfo endpoint's claims (JSON, or a signed JWT as ProConnect answers), whose `sub`
  must be the ID token's.

Every failure is an `OidcError` carrying the French text shown to the person.
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import errors as jose_errors
from joserfc import jwt
from joserfc.jwk import KeySet

from . import conf
from .conf import Provider

METADATA_SECONDS = 3600
LEEWAY_SECONDS = 60

UNREACHABLE = (
    "{name} ne répond pas pour le moment : réessayez dans quelques minutes. Si cela dure, "
    "prévenez l’administrateur de Pacte."
)
MISCONFIGURED = (
    "La connexion par {name} est mal configurée dans Pacte ({detail}) : prévenez "
    "l’administrateur de Pacte."
)
SIGNATURE = (
    "Le jeton d’identité reçu n’est pas signé par une clé de {name} : connexion refusée. "
    "Recommencez ; si cela se reproduit, prévenez l’administrateur de Pacte."
)
ALGORITHM = (
    "Le jeton d’identité reçu est signé par un algorithme que Pacte n’accepte pas ({alg}) : "
    "connexion refusée."
)
MALFORMED = "Le jeton d’identité reçu est illisible : connexion refusée. Recommencez."
ISSUER = (
    "Le jeton d’identité reçu n’a pas été émis par {name} : connexion refusée. Recommencez ; "
    "si cela se reproduit, prévenez l’administrateur de Pacte."
)
AUDIENCE = (
    "Le jeton d’identité reçu est destiné à une autre application que Pacte : connexion "
    "refusée. Recommencez depuis la page de connexion de Pacte."
)
EXPIRED = (
    "Le jeton d’identité reçu a expiré : connexion refusée. Recommencez depuis la page de "
    "connexion ; si cela se reproduit, l’horloge de Pacte ou celle du fournisseur est peut-être "
    "déréglée."
)
NONCE = (
    "Le jeton d’identité reçu n’appartient pas à cette connexion (son « nonce » diffère) : "
    "connexion refusée. Recommencez depuis la page de connexion de Pacte."
)
MISSING_CLAIM = "Le jeton d’identité reçu ne dit pas {what} : connexion refusée."
TOKEN_REFUSED = (
    "{name} a refusé de confirmer la connexion ({error}) : le lien de retour a peut-être déjà "
    "servi ou expiré. Recommencez depuis la page de connexion."
)
NO_ID_TOKEN = "{name} n’a pas renvoyé de jeton d’identité : connexion refusée."
USERINFO_SUBJECT = (
    "Les informations reçues de {name} ne concernent pas la personne authentifiée : connexion "
    "refusée."
)


class OidcError(Exception):
    """A login that cannot go on; `message` is French, `status` the page's status."""

    def __init__(self, message: str, *, status: int = 400, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason


def _text(template: str, provider: Provider, **kwargs: str) -> str:
    name = provider.name
    text = template.format(name=name, **kwargs)
    return text[0].upper() + text[1:]


# --- Metadata and keys --------------------------------------------------------------------------

_lock = threading.Lock()
_metadata: dict[str, tuple[float, dict[str, Any]]] = {}
_jwks: dict[str, dict[str, Any]] = {}


def forget_cached() -> None:
    """Forget the providers' metadata and keys (tests, after a provider's keys changed)."""
    with _lock:
        _metadata.clear()
        _jwks.clear()


def _get_json(provider: Provider, url: str, **kwargs: Any) -> Any:
    try:
        response = requests.get(url, timeout=conf.timeout(), **kwargs)
    except requests.RequestException as exc:
        raise OidcError(_text(UNREACHABLE, provider), status=503, reason=str(exc)) from exc
    if response.status_code != 200:
        raise OidcError(
            _text(UNREACHABLE, provider), status=503, reason=f"{url}: {response.status_code}"
        )
    try:
        return response.json()
    except ValueError as exc:
        raise OidcError(_text(UNREACHABLE, provider), status=503, reason=str(exc)) from exc


def metadata(provider: Provider) -> dict[str, Any]:
    """The provider's endpoints: those of its discovery document, unless given in settings."""
    found: dict[str, Any] = {"issuer": provider.issuer}
    url = provider.discovery
    if url:
        with _lock:
            cached = _metadata.get(url)
        if cached is None or time.monotonic() - cached[0] > METADATA_SECONDS:
            document = _get_json(provider, url)
            if not isinstance(document, dict):
                raise OidcError(_text(UNREACHABLE, provider), status=503, reason="metadata")
            cached = (time.monotonic(), document)
            with _lock:
                _metadata[url] = cached
        document = cached[1]
        # The issuer exactly as the provider writes it (a final « / » included): its tokens'
        # `iss` must be that very string.
        issuer = str(document.get("issuer", ""))
        if provider.issuer and issuer.rstrip("/") != provider.issuer.rstrip("/"):
            # OpenID Connect Discovery 1.0, 4.3: the document is the issuer's own.
            raise OidcError(
                _text(MISCONFIGURED, provider, detail=f"émetteur annoncé « {issuer} »"),
                status=503,
                reason="issuer mismatch in discovery",
            )
        found.update(document)
        found["issuer"] = issuer
    for endpoint in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
    ):
        if getattr(provider, endpoint):
            found[endpoint] = getattr(provider, endpoint)
    for needed in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not found.get(needed):
            raise OidcError(
                _text(MISCONFIGURED, provider, detail=f"« {needed} » inconnu"),
                status=503,
                reason=f"no {needed}",
            )
    return found


def _key_set(provider: Provider, jwks_uri: str, *, refresh: bool = False) -> KeySet:
    with _lock:
        document = None if refresh else _jwks.get(jwks_uri)
    if document is None:
        document = _get_json(provider, jwks_uri)
        with _lock:
            _jwks[jwks_uri] = document
    try:
        return KeySet.import_key_set(document)
    except (jose_errors.JoseError, ValueError, TypeError, KeyError) as exc:
        raise OidcError(
            _text(MISCONFIGURED, provider, detail="clés publiées illisibles"),
            status=503,
            reason=str(exc),
        ) from exc


# --- Authorization request and code exchange -------------------------------------------------


def _token_auth_method(provider: Provider, found: dict[str, Any]) -> str:
    if provider.token_auth_method:
        return provider.token_auth_method
    supported = found.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return "client_secret_basic" if "client_secret_basic" in supported else "client_secret_post"


def _session(provider: Provider, found: dict[str, Any], redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        scope=" ".join(provider.scopes),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method=_token_auth_method(provider, found),
        default_timeout=conf.timeout(),
    )


def authorization_url(
    provider: Provider, *, redirect_uri: str, state: str, nonce: str, code_verifier: str
) -> str:
    found = metadata(provider)
    extra = {"acr_values": provider.acr_values} if provider.acr_values else {}
    with _session(provider, found, redirect_uri) as session:
        url, _ = session.create_authorization_url(
            found["authorization_endpoint"],
            state=state,
            code_verifier=code_verifier,
            nonce=nonce,
            **extra,
        )
    return str(url)


def exchange_code(
    provider: Provider, *, code: str, redirect_uri: str, code_verifier: str
) -> dict[str, Any]:
    found = metadata(provider)
    with _session(provider, found, redirect_uri) as session:
        try:
            token = session.fetch_token(
                found["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
        except AuthlibBaseError as exc:
            raise OidcError(
                _text(
                    TOKEN_REFUSED, provider, error=str(getattr(exc, "error", "") or "erreur")[:60]
                ),
                reason=f"token endpoint: {exc}",
            ) from exc
        except requests.RequestException as exc:
            raise OidcError(_text(UNREACHABLE, provider), status=503, reason=str(exc)) from exc
        except ValueError as exc:  # not JSON
            raise OidcError(_text(UNREACHABLE, provider), status=503, reason=str(exc)) from exc
    if not token.get("id_token"):
        raise OidcError(_text(NO_ID_TOKEN, provider), reason="no id_token")
    return dict(token)


# --- Signed tokens ------------------------------------------------------------------------------


def _header(raw: str) -> dict[str, Any]:
    try:
        head = raw.split(".", 1)[0]
        value = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise jose_errors.DecodeError("header") from exc
    if not isinstance(value, dict):
        raise jose_errors.DecodeError("header")
    return value


def _decode(provider: Provider, raw: str, jwks_uri: str) -> dict[str, Any]:
    """The claims of a JWS signed by one of the provider's keys, with an allowed algorithm."""
    try:
        header = _header(raw)
        alg = str(header.get("alg", ""))
        if alg not in provider.algorithms:
            raise OidcError(_text(ALGORITHM, provider, alg=alg or "aucun"), reason=f"alg {alg}")
        keys = _key_set(provider, jwks_uri)
        if "kid" in header:
            try:
                token = jwt.decode(raw, keys, algorithms=list(provider.algorithms))
            except jose_errors.InvalidKeyIdError:
                # A key the provider added since: its keys are read again, once.
                keys = _key_set(provider, jwks_uri, refresh=True)
                token = jwt.decode(raw, keys, algorithms=list(provider.algorithms))
            return dict(token.claims)
        # No key named: each key of the provider is tried.
        for key in keys.keys:
            try:
                return dict(jwt.decode(raw, key, algorithms=[alg]).claims)
            except jose_errors.JoseError:
                continue
        raise jose_errors.BadSignatureError()
    except (jose_errors.BadSignatureError, jose_errors.InvalidKeyIdError) as exc:
        raise OidcError(_text(SIGNATURE, provider), reason=f"signature: {exc}") from exc
    except jose_errors.UnsupportedAlgorithmError as exc:
        raise OidcError(_text(ALGORITHM, provider, alg="?"), reason=str(exc)) from exc
    except (jose_errors.JoseError, ValueError, TypeError) as exc:
        raise OidcError(_text(MALFORMED, provider), reason=f"malformed: {exc}") from exc


def verify_id_token(provider: Provider, raw: str, *, nonce: str) -> dict[str, Any]:
    """The ID token's claims, once its signature and claims are checked (OpenID Connect Core
    1.0, 3.1.3.7)."""
    found = metadata(provider)
    claims = _decode(provider, raw, found["jwks_uri"])
    for claim, what in (
        ("iss", "qui l’a émis"),
        ("sub", "qui est la personne"),
        ("aud", "à qui il est destiné"),
        ("exp", "jusqu’à quand il vaut"),
        ("iat", "quand il a été émis"),
    ):
        if claims.get(claim) in (None, "", []):
            raise OidcError(_text(MISSING_CLAIM, provider, what=what), reason=f"no {claim}")
    if claims["iss"] != found["issuer"]:
        raise OidcError(_text(ISSUER, provider), reason=f"iss {claims['iss']}")
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if provider.client_id not in audience:
        raise OidcError(_text(AUDIENCE, provider), reason=f"aud {audience}")
    azp = claims.get("azp")
    if (len(audience) > 1 or azp is not None) and azp != provider.client_id:
        raise OidcError(_text(AUDIENCE, provider), reason=f"azp {azp}")
    now = time.time()
    try:
        expires, issued = float(claims["exp"]), float(claims["iat"])
    except (TypeError, ValueError) as exc:
        raise OidcError(_text(MALFORMED, provider), reason="exp/iat") from exc
    if expires <= now - LEEWAY_SECONDS:
        raise OidcError(_text(EXPIRED, provider), reason="expired")
    if issued > now + LEEWAY_SECONDS:
        raise OidcError(_text(EXPIRED, provider), reason="issued in the future")
    if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(
        claims["nonce"].encode(), nonce.encode()
    ):
        raise OidcError(_text(NONCE, provider), reason="nonce")
    return claims


def userinfo(provider: Provider, access_token: str, *, subject: str) -> dict[str, Any]:
    """The userinfo endpoint's claims (none when the provider has no such endpoint)."""
    found = metadata(provider)
    url = found.get("userinfo_endpoint")
    if not url or not access_token:
        return {}
    try:
        response = requests.get(
            url,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=conf.timeout(),
        )
    except requests.RequestException as exc:
        raise OidcError(_text(UNREACHABLE, provider), status=503, reason=str(exc)) from exc
    if response.status_code != 200:
        raise OidcError(
            _text(UNREACHABLE, provider), status=503, reason=f"userinfo {response.status_code}"
        )
    if response.headers.get("Content-Type", "").split(";")[0].strip() == "application/jwt":
        # Signed (ProConnect): by the provider, for Pacte.
        claims = _decode(provider, response.text.strip(), found["jwks_uri"])
        if "iss" in claims and claims["iss"] != found["issuer"]:
            raise OidcError(_text(ISSUER, provider), reason="userinfo iss")
        if "aud" in claims:
            audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
            if provider.client_id not in audience:
                raise OidcError(_text(AUDIENCE, provider), reason="userinfo aud")
    else:
        try:
            claims = response.json()
        except ValueError as exc:
            raise OidcError(_text(MALFORMED, provider), reason="userinfo json") from exc
    if not isinstance(claims, dict) or claims.get("sub") != subject:
        raise OidcError(_text(USERINFO_SUBJECT, provider), reason="userinfo sub")
    return claims


# --- Logout -------------------------------------------------------------------------------------


def logout_url(
    provider: Provider, *, id_token: str, post_logout_redirect_uri: str, state: str
) -> str | None:
    """Where the browser ends its session at the provider (RP-Initiated Logout 1.0), if the
    provider says."""
    try:
        endpoint = metadata(provider).get("end_session_endpoint")
    except OidcError:
        return None
    if not endpoint:
        return None
    params = {
        "client_id": provider.client_id,
        "post_logout_redirect_uri": post_logout_redirect_uri,
        "state": state,
    }
    if id_token:
        params["id_token_hint"] = id_token
    separator = "&" if urlsplit(endpoint).query else "?"
    return f"{endpoint}{separator}{urlencode(params)}"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
