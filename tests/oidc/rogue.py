"""A small OpenID Connect provider of the tests' own, a real HTTP server in a thread, that signs
its tokens with keys the test controls — to send Pacte what a faithful provider never would (a
token signed by another key, for another audience, expired, with another nonce…). It checks
what Pacte sends it as a provider would: the client's secret, the PKCE verifier against the
challenge, the code used once."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

CLIENT_ID = "pacte-essai"
CLIENT_SECRET = "secret-essai-0123456789"


class RogueProvider:
    def __init__(self) -> None:
        self.rsa = RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "use": "sig"})
        self.ec = ECKey.generate_key("P-256", parameters={"kid": "ec-1", "use": "sig"})
        # Same name as the published RSA key, another key: a forged signature.
        self.forger = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
        self.codes: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.reset()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        """A faithful provider again."""
        self.claims: dict[str, Any] = {}  # added to (or replacing) the ID token's
        self.sign_with = "rsa"  # "rsa", "ec", "forger", "hs256", "none"
        self.userinfo: dict[str, Any] | None = None  # JSON claims, or None: no endpoint
        self.userinfo_jwt = False
        self.token_error: str | None = None
        self.issuer_suffix = ""  # "/": an issuer written with a final slash

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def issuer(self) -> str:
        return self.base + self.issuer_suffix

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "algorithms": ["RS256", "ES256"],
            "scopes": ["openid", "email", "profile"],
            "roles_claim": "groups",
            "roles": [("pacte-agents", "agent")],
            **extra,
        }

    # --- Tokens -----------------------------------------------------------------------------

    def sign(self, claims: dict[str, Any]) -> str:
        if self.sign_with == "none":
            head = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
            body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
            return f"{head}.{body}."
        if self.sign_with == "hs256":
            key = OctKey.import_key(CLIENT_SECRET.encode() * 2)
            return jwt.encode({"alg": "HS256", "kid": "rsa-1"}, claims, key, algorithms=["HS256"])
        key = {"rsa": self.rsa, "ec": self.ec, "forger": self.forger}[self.sign_with]
        alg = "ES256" if self.sign_with == "ec" else "RS256"
        return jwt.encode({"alg": alg, "kid": key.kid}, claims, key)

    def id_token(self, grant: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "agent-0042",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "email": "rogue.agent@departement.test",
            "given_name": "Roger",
            "family_name": "Gueux",
            "groups": ["pacte-agents"],
        }
        claims.update(self.claims)
        return self.sign({k: v for k, v in claims.items() if v is not None})

    # --- HTTP -------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _send(self, status: int, body: Any, content_type="application/json", headers=None):
                data = (
                    body
                    if isinstance(body, bytes)
                    else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
                )
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                provider.requests.append(("GET", url.path))
                if url.path == "/.well-known/openid-configuration":
                    document = {
                        "issuer": provider.issuer,
                        "authorization_endpoint": f"{provider.base}/authorize",
                        "token_endpoint": f"{provider.base}/token",
                        "jwks_uri": f"{provider.base}/jwks",
                        "end_session_endpoint": f"{provider.base}/logout",
                        "id_token_signing_alg_values_supported": ["RS256", "ES256", "none"],
                        "token_endpoint_auth_methods_supported": ["client_secret_post"],
                    }
                    if provider.userinfo is not None:
                        document["userinfo_endpoint"] = f"{provider.base}/userinfo"
                    return self._send(200, document)
                if url.path == "/jwks":
                    keys = [provider.rsa.as_dict(private=False), provider.ec.as_dict(private=False)]
                    return self._send(200, {"keys": keys})
                if url.path == "/authorize":
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = dict(query)
                    back = {"code": code, "state": query.get("state", "")}
                    return self._send(
                        302, b"", headers={"Location": f"{query['redirect_uri']}?{urlencode(back)}"}
                    )
                if url.path == "/userinfo":
                    if self.headers.get("Authorization") != "Bearer jeton-d-acces":
                        return self._send(401, {"error": "invalid_token"})
                    claims = dict(provider.userinfo or {})
                    if provider.userinfo_jwt:
                        claims.setdefault("iss", provider.issuer)
                        claims.setdefault("aud", CLIENT_ID)
                        return self._send(200, provider.sign(claims), "application/jwt")
                    return self._send(200, claims)
                if url.path == "/logout":
                    target = f"{query['post_logout_redirect_uri']}?state={query.get('state', '')}"
                    return self._send(302, b"", headers={"Location": target})
                return self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                provider.requests.append(("POST", url.path))
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if url.path != "/token":
                    return self._send(404, {"error": "not_found"})
                if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                    return self._send(401, {"error": "invalid_client"})
                grant = provider.codes.pop(form.get("code", ""), None)
                if grant is None or provider.token_error:
                    return self._send(400, {"error": provider.token_error or "invalid_grant"})
                verifier = form.get("code_verifier", "")
                challenge = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                    .rstrip(b"=")
                    .decode()
                )
                if grant.get("code_challenge_method") != "S256" or challenge != grant.get(
                    "code_challenge"
                ):
                    return self._send(400, {"error": "invalid_grant", "error_description": "PKCE"})
                if form.get("redirect_uri") != grant.get("redirect_uri"):
                    return self._send(400, {"error": "invalid_grant"})
                return self._send(
                    200,
                    {
                        "access_token": "jeton-d-acces",
                        "token_type": "Bearer",
                        "expires_in": 60,
                        "id_token": provider.id_token(grant),
                    },
                )

        return Handler
