"""What the server writes to its log: no secret that a link carries.

A pass link (``/p/TOKEN``) shows a guest's pass and its QR code, and an enrolment link
(``/enrol/TOKEN``) makes a passkey for someone: whoever reads a log that kept them could use
them. Uvicorn's access log and the app's own error lines write these paths as ``/p/<token>``.
"""

from __future__ import annotations

import copy
import logging
import re

_TOKEN_PATHS = re.compile(r"^(/(?:p|enrol)/)[^/?#]+")


def redact(path: str) -> str:
    """``path`` with the token of a pass or enrolment link replaced."""
    return _TOKEN_PATHS.sub(r"\1<token>", path)


class RedactLinks(logging.Filter):
    """For uvicorn's access log, whose records carry (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def uvicorn_config() -> dict:
    """Uvicorn's own logging configuration, with the access log going through ``RedactLinks``."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_links"] = {"()": RedactLinks}
    config["handlers"]["access"]["filters"] = ["redact_links"]
    return config
