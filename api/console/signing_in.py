"""Signing in and out of the console: an API key exchanged for a session cookie
(``api.console.sessions``), checked by the API's own credential lookup (``api.access.credential_of``)
under the API's rate limits on keys (``api.rate_limits``); the account page is ``api.console.users``."""

from dataclasses import dataclass
from typing import Annotated

from litestar import get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template

from api.access import credential_of, public
from api.console import sessions
from api.console.view import StoreDep, ViewDep, who_is
from api.rate_limits import Limiter, client_address

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
MAX_KEY = 200


@dataclass(frozen=True)
class SignIn:
    key: str
    csrf_token: str
    next: str = "/"


@dataclass(frozen=True)
class SignOut:
    csrf_token: str


def local(target: str | None) -> str:
    """Where to go after signing in: a path of this console, never another site (``//x``, ``/\\x``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


@get("/sign-in", name="console-sign-in", opt=public())
async def sign_in_form(
    view: ViewDep, next_page: Annotated[str | None, QueryParameter(name="next", max_length=200)] = None
) -> Template:
    return view.render("sign_in.html", next=local(next_page), failed=False)


@post("/sign-in", name="console-sign-in-post", opt=public())
async def sign_in(view: ViewDep, store: StoreDep, data: Annotated[SignIn, FORM]) -> Template | Redirect:
    key = data.key.strip()[:MAX_KEY]
    limiter: Limiter = view.request.app.state.limiter
    address = client_address(view.request.scope)
    limiter.admit(address, sessions.bearer(key))  # a key typed here meets a header's limits
    try:
        credential = await credential_of(view.platform, key)
    except NotAuthorizedException:
        limiter.refused_key(address)  # … and a wrong one spends the address's allowance of guesses
        return view.render("sign_in.html", 401, next=local(data.next), failed=True)
    token, _ = store.open(key, view.platform.now())
    await who_is(view.platform, credential.actor)  # a key whose party cannot be read signs no one in
    cookie = Cookie(
        key=sessions.COOKIE,
        value=token,
        path="/",
        httponly=True,
        secure=view.request.url.scheme == "https",
        samesite="lax",
        max_age=int(sessions.LIFETIME.total_seconds()),
    )
    return Redirect(local(data.next), status_code=303, cookies=[cookie])


@post("/sign-out", name="console-sign-out", opt=public())
async def sign_out(view: ViewDep, store: StoreDep, data: Annotated[SignOut, FORM]) -> Redirect:
    store.close(sessions.cookie_token(view.request.scope))
    gone = Cookie(key=sessions.COOKIE, value="", path="/", httponly=True, samesite="lax", max_age=0)
    return Redirect("/", status_code=303, cookies=[gone])
