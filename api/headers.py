"""What every answer tells the browser: security headers, and which other sites' pages may call the API.

Every answer — JSON, problems, the docs page and its assets, a 404 for no route at all — carries:

- ``Content-Security-Policy``: for everything but the docs pages, nothing may load and nothing may
  frame it (``default-src 'none'; frame-ancestors 'none'``): a JSON answer opened as a page runs
  nothing. The docs pages set their own, stricter than Swagger's defaults (``api.docs``).
- ``X-Frame-Options: DENY`` (the same for browsers older than ``frame-ancestors``),
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``.
- ``Strict-Transport-Security`` only when configured (``LIANGSHAN_HSTS_MAX_AGE``): the server itself
  speaks plain HTTP on loopback, and only the operator knows that a TLS proxy fronts it for every
  name it serves.

Cross-origin calls (CORS) are refused unless an origin is configured (``LIANGSHAN_CORS_ORIGINS``):
API keys are bearer tokens, never cookies, so a page elsewhere can only call the API with a key its
user gave it, and only from an origin the operator allowed.
"""

from collections.abc import Sequence

from litestar.config.cors import CORSConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
CORS_HEADERS = ["authorization", "content-type", "idempotency-key", "accept-language"]
CORS_EXPOSED = ["Content-Language", "Retry-After", "ETag", "WWW-Authenticate"]
CORS_MAX_AGE = 600


def security_headers(hsts_max_age: int) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": API_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if hsts_max_age > 0:
        headers["Strict-Transport-Security"] = f"max-age={hsts_max_age}"
    return headers


class SecurityHeaders:
    """A before-send hook that adds the headers to every answer's start, keeping a route's own
    ``Content-Security-Policy``."""

    def __init__(self, hsts_max_age: int) -> None:
        self.headers = security_headers(hsts_max_age)

    async def __call__(self, message: Message, scope: Scope) -> None:
        """Async although it awaits nothing: Litestar runs a synchronous hook in a worker thread,
        two hand-offs for every answer."""
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in self.headers.items():
            if name not in headers:
                headers[name] = value


def cors(origins: Sequence[str]) -> CORSConfig | None:
    """The CORS policy for ``origins`` (none: no cross-origin call is allowed, and no CORS header is
    sent). A preflight from an allowed origin is answered 204 with what it may send; from any other,
    400 without ``Access-Control-Allow-Origin``, so the browser stops there."""
    if not origins:
        return None
    return CORSConfig(
        allow_origins=list(origins),
        allow_methods=["GET", "POST", "PUT"],
        allow_headers=CORS_HEADERS,
        expose_headers=CORS_EXPOSED,
        allow_credentials=False,
        max_age=CORS_MAX_AGE,
    )
