"""Logs as one JSON object a line (PACTE_LOG_FORMAT=json, the default in production), for a
log collector (journald, Loki, Elasticsearch…): the time, the level, the logger, the message,
the exception's traceback if any, and what a request adds (its path, method and answer)."""

import json
import logging
from typing import Any

# The attributes every log record has: anything else was passed in `extra`.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry["request"] = {"method": request.method, "path": request.path}
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key != "request" and key not in entry:
                entry[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
