"""The official MictlanX client's log files, for :class:`AsyncClient`.

``mictlanx.logger.Log`` writes JSON records: INFO records to
``{log_output_path}/{client_id}`` (a file rotated every ``log_interval``
``log_when`` units), ERROR records to ``{log_output_path}/{client_id}.error``,
and every record to standard output when ``debug`` is on.  The records are
the client's event dicts (``{"event": "PUT", ...}``) with the time, level,
logger and thread names.  Nothing secret is logged: MictlanX takes no
credentials, and the records carry bucket ids, keys and counts.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import sys
import threading
from typing import Any, Callable

__all__ = ["JsonFormatter", "client_logger"]


class JsonFormatter(logging.Formatter):
    """A record as one indented JSON document (the official ``JsonFormatter``)."""

    def format(self, record: logging.LogRecord) -> str:
        doc = {"timestamp": self.formatTime(record), "level": record.levelname,
               "logger_name": record.name, "thread_name": threading.current_thread().name}
        if isinstance(record.msg, dict):
            doc.update(record.msg)
        else:
            doc["message"] = record.getMessage()
        return json.dumps(doc, indent=4, default=str) + "\n"


def _only(level: int) -> Callable[[logging.LogRecord], bool]:
    return lambda record: record.levelno == level


def _handler(handler: logging.Handler, level: int, keep: Any = None) -> logging.Handler:
    handler.setFormatter(JsonFormatter())
    handler.setLevel(level)
    if keep is not None:
        handler.addFilter(keep)
    return handler


def client_logger(client_id: str, debug: bool, log_output_path: str, log_when: str,
                  log_interval: int) -> logging.Logger:
    """The logger ``objclient.mictlanx.{client_id}`` with the official client's
    handlers (replacing those an earlier client of the same id attached).

    :raises OSError: ``log_output_path`` cannot be created or written.
    """
    os.makedirs(log_output_path, mode=0o777, exist_ok=True)
    logger = logging.getLogger(f"objclient.mictlanx.{client_id}")
    logger.setLevel(logging.DEBUG)
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    base = os.path.join(log_output_path, client_id)
    logger.addHandler(_handler(logging.handlers.TimedRotatingFileHandler(
        base, when=log_when, interval=int(log_interval)), logging.INFO, _only(logging.INFO)))
    logger.addHandler(_handler(logging.FileHandler(base + ".error"), logging.ERROR,
                               _only(logging.ERROR)))
    if debug:
        logger.addHandler(_handler(logging.StreamHandler(sys.stdout), logging.DEBUG))
    return logger
