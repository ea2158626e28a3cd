"""The log keeps no secret a link carries: pass and enrolment tokens are written as <token>."""

import logging

import pytest

from app.logs import RedactLinks, redact


@pytest.mark.parametrize("path, logged", [
    ("/p/Zk3q9V-abc_DEF", "/p/<token>"),
    ("/p/Zk3q9V-abc_DEF/qr.svg", "/p/<token>/qr.svg"),
    ("/enrol/Zk3q9V-abc_DEF/verify", "/enrol/<token>/verify"),
    ("/p/Zk3q9V?lang=en", "/p/<token>?lang=en"),
    ("/e/harbour-view/passes/4b1c", "/e/harbour-view/passes/4b1c"),
    ("/signin?next=/p/abc", "/signin?next=/p/abc"),
    ("/healthz", "/healthz"),
])
def test_a_link_token_never_reaches_the_log(path, logged):
    assert redact(path) == logged


def test_the_access_log_line_is_written_without_the_token():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("10.0.0.7:5123", "GET", "/p/SECRET-TOKEN", "1.1", 200), None)
    assert RedactLinks().filter(record)
    assert record.getMessage() == '10.0.0.7:5123 - "GET /p/<token> HTTP/1.1" 200'
