"""Cross-site request forgery: every console form carries a token, and every POST to the console is
refused (403) unless it carries the right one, in a URL-encoded form (as every console form is).

Signed in, the token is the session's own (``api.console.sessions``), made at sign-in, so a sign-in
also replaces any token an attacker planted before it. Signed out (the sign-in form itself), it is
a random value in a cookie of its own that the form repeats (double submit): another site can make
a browser send the cookie but cannot read it to put it in the form. A browser's own word that a
request is cross-site (``Sec-Fetch-Site``) refuses it too.
"""

import hmac
import secrets
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from registry.errors import Forbidden

COOKIE = "ls_csrf"
FIELD = "csrf_token"
URL_ENCODED = "application/x-www-form-urlencoded"


class FormNotFromConsole(Forbidden):
    title = "Form refused"
    template = (
        "the form did not come from this console's page (its security token is missing or stale); "
        "reload the page and send it again"
    )


def fresh() -> str:
    return secrets.token_urlsafe(32)


def expected(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token this request's forms carry: its session's, or the signed-out cookie's."""
    session = connection.scope.get("state", {}).get("session")
    if session is not None:
        token: str = session.csrf
        return token
    return connection.cookies.get(COOKIE)


async def check(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard on the console's routes: a POST must carry the token its page was given."""
    if not isinstance(connection, Request) or connection.method != "POST":
        return
    if connection.headers.get("sec-fetch-site") == "cross-site":
        raise FormNotFromConsole(FIELD)
    if connection.content_type[0] != URL_ENCODED:  # the console's forms are all URL-encoded
        raise FormNotFromConsole(FIELD)
    form = await connection.form()
    sent, wanted = form.get(FIELD), expected(connection)
    if not isinstance(sent, str) or not wanted or not hmac.compare_digest(sent.encode(), wanted.encode()):
        raise FormNotFromConsole(FIELD)
