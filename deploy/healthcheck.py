"""`healthcheck.py [/sante/web/]`: exit 0 if Pacte, on this machine, answers its health check
with 200 — for a container's HEALTHCHECK or a monitoring probe. The request carries the site's
host name (PACTE_SITE_URL), which ALLOWED_HOSTS accepts, and comes in over plain HTTP on the
local port (PACTE_BIND): the health checks are not redirected to HTTPS."""

import json
import os
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

path = sys.argv[1] if len(sys.argv) > 1 else "/sante/web/"
bind = os.environ.get("PACTE_BIND", "127.0.0.1:8000").replace("0.0.0.0", "127.0.0.1")
host = urlsplit(os.environ.get("PACTE_SITE_URL", "")).hostname or "localhost"
request = urllib.request.Request(f"http://{bind}{path}", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        body = json.load(response)
except urllib.error.HTTPError as error:
    print(f"Pacte répond {error.code} : {error.read()[:500].decode(errors='replace')}")
    sys.exit(1)
except (OSError, ValueError) as error:
    print(f"Pacte ne répond pas : {error}")
    sys.exit(1)
print(body.get("statut", "?"))
sys.exit(0 if body.get("statut") == "ok" else 1)
