"""Run the test provider: migrate its database, create its users and clients (users.json,
clients.json in OIDC_PROVIDER_DIR), then serve HTTP on 127.0.0.1 on a free port, printed as
`READY <port>` on standard output."""

import json
import os
import socketserver
import sys
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc.provider.settings"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import get_application_model  # noqa: E402


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def seed(directory: Path) -> None:
    call_command("migrate", verbosity=0)
    User = get_user_model()
    for spec in json.loads((directory / "users.json").read_text()):
        user = User(
            username=spec["username"],
            email=spec.get("email", ""),
            first_name=spec.get("first_name", ""),
            last_name=spec.get("last_name", ""),
        )
        user.set_password(spec["password"])
        user.save()
    Application = get_application_model()
    for spec in json.loads((directory / "clients.json").read_text()):
        Application.objects.create(
            name=spec["client_id"],
            client_id=spec["client_id"],
            client_secret=spec["client_secret"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(spec["redirect_uris"]),
            post_logout_redirect_uris=" ".join(spec.get("post_logout_redirect_uris", [])),
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )


def main() -> None:
    directory = Path(os.environ["OIDC_PROVIDER_DIR"])
    seed(directory)
    server = make_server(
        "127.0.0.1",
        0,
        get_wsgi_application(),
        server_class=ThreadingServer,
        handler_class=QuietHandler,
    )
    print(f"READY {server.server_port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
