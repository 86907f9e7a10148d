"""Absolute links, for what leaves the page: calendar subscriptions, API answers.

A link built from the request's `Host` header leads wherever a poisoned proxy or cache
says; with `ACCORD_BASE_URL` set, every absolute link starts there instead.
"""

from flask import current_app
from flask import request
from flask import url_for


def absolute(path: str) -> str:
    """`path` (starting with /) on this installation."""
    return (current_app.config["BASE_URL"] or request.host_url).rstrip("/") + path


def absolute_url(endpoint: str, **values) -> str:
    return absolute(url_for(endpoint, **values))
