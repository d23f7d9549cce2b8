"""gunicorn's settings for Pacte (deploy/entrypoint.sh web), each from the environment."""

import multiprocessing
import os

# Where it listens: a local port behind the reverse proxy (PACTE_BIND=0.0.0.0:8000 in a container).
bind = os.environ.get("PACTE_BIND", "127.0.0.1:8000")
# Processes and threads: pages wait on the database and on PDF composition.
workers = int(os.environ.get("PACTE_WEB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
threads = int(os.environ.get("PACTE_WEB_THREADS", 4))
worker_class = "gthread"
# A page that takes longer than this is cut (the proxy waits a little longer): long work goes to
# the background worker.
timeout = int(os.environ.get("PACTE_WEB_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# A process is replaced after this many requests (memory that grows is given back).
max_requests = 2000
max_requests_jitter = 200
# The reverse proxy's address, whose X-Forwarded-* headers are believed.
forwarded_allow_ips = os.environ.get("PACTE_PROXY_IPS", "127.0.0.1")
# One access line a request on the standard output, one error line on the standard error.
accesslog = "-"
errorlog = "-"
access_log_format = (
    '{"time":"%(t)s","client":"%(h)s","method":"%(m)s","path":"%(U)s","status":%(s)s,'
    '"bytes":"%(B)s","duration_ms":%(M)s,"agent":"%(a)s"}'
)
