"""Console sessions: a user's API key exchanged for a session cookie, and the cookie read back as that
key at the edge, so that every console request is authenticated and authorised by the API's own
guard (``api.access``) — there is no second way in.

The store is in the process's memory (no table, no migration): the cookie carries only a random
token; the server keeps, under the token's SHA-256, the key it stands for, its CSRF token and its
expiry. A session ends on sign-out, after ``IDLE`` without a request, or ``LIFETIME`` after sign-in,
whichever comes first, and with the process (users sign in again after a restart; several serving
processes would each need a sign-in — a shared store is for when there are several). The key is
authenticated afresh on every request, so a revoked key, a disabled user or a frozen party counts at
once.

The cookie is ``HttpOnly`` (no script reads it), ``SameSite=Lax`` (no other site's form or script
sends it; a link from elsewhere opens the page signed in) and ``Secure`` when the request came over
https.
"""

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from api.rate_limits import Limiter

COOKIE = "ls_session"
IDLE = dt.timedelta(minutes=30)
LIFETIME = dt.timedelta(hours=8)
KEPT = 10_000  # sessions held at most; past that the oldest go first


@dataclass(frozen=True, slots=True)
class Session:
    key: str  # the API key the user signed in with
    csrf: str  # the token every form of the session carries
    started: dt.datetime
    seen: dt.datetime

    def live(self, now: dt.datetime) -> bool:
        return now - self.seen < IDLE and now - self.started < LIFETIME


class Sessions:
    """Sessions by the SHA-256 of their cookie's token, on the platform's clock."""

    def __init__(self) -> None:
        self._held: dict[str, Session] = {}

    def open(self, key: str, now: dt.datetime) -> tuple[str, Session]:
        """A new session for ``key``: the cookie's token and the session."""
        if len(self._held) >= KEPT:
            for stale in sorted(self._held, key=lambda t: self._held[t].started)[: KEPT // 10]:
                del self._held[stale]
        token = secrets.token_urlsafe(32)
        session = Session(key, secrets.token_urlsafe(32), now, now)
        self._held[_digest(token)] = session
        return token, session

    def find(self, token: str | None, now: dt.datetime) -> Session | None:
        """The live session of the cookie's token (its idle time starts again), or None."""
        if not token:
            return None
        session = self._held.get(_digest(token))
        if session is None:
            return None
        if not session.live(now):
            del self._held[_digest(token)]
            return None
        self._held[_digest(token)] = replace(session, seen=now)
        return session

    def close(self, token: str | None) -> None:
        if token:
            self._held.pop(_digest(token), None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer(key: str) -> str:
    """The ``Authorization`` header that presents ``key``, as the rate limits know it."""
    return f"Bearer {key}"


def cookie_token(scope: Scope) -> str | None:
    """The session cookie's token in the request, if any."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                cookie, _, token = part.strip().partition("=")
                if cookie == COOKIE:
                    return token
    return None


def signed_in(sessions: Sessions) -> Callable[[ASGIApp], ASGIApp]:
    """Middleware for the console's routes: a request whose cookie names a live session carries that
    session's key as ``Authorization: Bearer``, as an API client would send it, before the guard
    runs, and spends the key's rate limit (``api.rate_limits``); the session is in
    ``scope["state"]["session"]``. A request that sends its own ``Authorization`` keeps it."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == ScopeType.HTTP:
                session = sessions.find(cookie_token(scope), scope["app"].state.platform.now())
                if session is not None:
                    scope.setdefault("state", {})["session"] = session
                    headers = MutableScopeHeaders(scope)
                    if "authorization" not in headers:
                        headers["authorization"] = bearer(session.key)
                        limiter: Limiter | None = scope["app"].state.get("limiter")
                        if limiter is not None:
                            limiter.admit_key(bearer(session.key))  # the key's limit, as for its header
            await app(scope, receive, send)

        return handle

    return middleware
