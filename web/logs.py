"""Tokens, passwords and password hashes never reach a log.

Calendar apps send their token in the URL (`?token=`), API clients in the Authorization
header, people their password in the login form; a line logged about such a request, or
an exception raised while serving it, could carry them. A filter on the loggers of the
app and of the servers it runs in rewrites each record, its traceback included, before
any handler writes it.
"""

import logging
import re

from flask import Flask

REDACTED = "[redacted]"
SECRETS = re.compile(
    r"(?P<field>(?:token|password)=)[^&\s\"'#]+"  # in a query string or a form body
    r"|(?P<json>\"password\"\s*:\s*)\"[^\"]*\""  # in a JSON body
    r"|(?P<scheme>\b(?:bearer|basic)\s+)[^\s\"',]+"  # in an Authorization header
    r"|acc_[A-Za-z0-9_-]{16,}"  # an Accord API or calendar token anywhere
    r"|\$argon2(?:id|i|d)\$[^\s\"']+",  # a password hash
    re.IGNORECASE,
)
# Loggers that write about requests: the app's own (Flask logs unhandled exceptions on it),
# waitress (`accord serve`), werkzeug (the development server), peewee (SQL and its
# parameters, at debug level).
SERVER_LOGGERS = ("waitress", "waitress.queue", "werkzeug", "peewee")


def redact(text: str) -> str:
    return SECRETS.sub(lambda found: next((g for g in found.groups() if g), "") + REDACTED, text)


class Redact(logging.Filter):
    """Rewrites a record's message and traceback without what `redact` takes out."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


REDACT = Redact()


def install(app: Flask) -> None:
    for logger in (app.logger, *map(logging.getLogger, SERVER_LOGGERS)):
        logger.addFilter(REDACT)
