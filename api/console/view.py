"""What every console page is rendered with: the locale, the signed-in user (party name and role),
the CSRF token its forms carry, the navigation this user may follow, and the cookies and headers
its answer needs.

The navigation is the routes' own access declarations (``api.access``) read for the signed-in
actor, as the guard would read them: what a role may not do is not shown.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from api.access import Access, access_of, credential_of, refusal
from api.console import csrf, inbox, locale, sessions
from api.console.explorer import KIND_WORDS
from api.console.locale import N_
from api.platform import Platform
from registry import context as c
from registry import credentials, parties
from settlement import notifications

KIND_LABELS = {
    c.PartyKind.ENTERPRISE: N_("Enterprise"),
    c.PartyKind.COLLECTIVE: N_("Village collective"),
    c.PartyKind.PERSON: N_("Person"),
    c.PartyKind.OPERATOR: N_("Storage-and-operation company"),
    c.PartyKind.BANK: N_("Bank"),
    c.PartyKind.REGULATOR: N_("Regulator"),
    c.PartyKind.REGISTRAR: N_("Registrar"),
}
WHO = "console_who"  # where a request's signed-in user is kept once looked up
ROLE_LABELS = {c.Role.MANAGER: N_("Manager"), c.Role.VIEWER: N_("Viewer (reads only)")}
NAVIGATION = (  # route name, label: shown to those the route admits
    ("console-home", N_("Home")),
    ("console-register", N_("Public register")),
    ("console-market", N_("Market")),
    ("console-ledger", N_("Ledger explorer")),
    ("console-holdings", N_("Holdings and cash")),
    ("console-applications", N_("My applications")),
    ("console-trade", N_("Trade")),
    ("console-offers", N_("Negotiated transfers")),
    ("console-contracts", N_("Contracts")),
    ("console-inventory", N_("Inventory")),
    ("console-collateral", N_("Collateral check")),
    ("console-pledges", N_("Pledges")),
    ("console-cash-desk", N_("Cash desk")),
    ("console-valuations", N_("Valuations")),
    ("console-review", N_("Applications to confirm")),
    ("console-proposals", N_("Proposals")),
    ("console-cases", N_("Surveillance cases")),
    ("console-parties", N_("Parties")),
    ("console-audit", N_("Ledger audit")),
    ("console-webhooks", N_("Webhooks")),
    ("console-account", N_("My account")),
)


# Every page's Content-Security-Policy, error pages' too: their own scripts, styles and images only,
# no inline script or style (htmx's indicator styles are off, and Alpine is its CSP build, which
# evaluates nothing), fetches to this origin (the ledger's proofs, checked in the browser), forms
# posted only here.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True, slots=True)
class Who:
    """The signed-in user, as the header shows it."""

    actor: c.Actor
    party: str
    user: str
    kind: str
    role: str


@dataclass
class View:
    request: HTMXRequest
    platform: Platform
    locale: str
    asked: str | None  # ?lang= as given: kept in a cookie
    who: Who | None
    csrf: str
    cookies: list[Cookie] = field(default_factory=list)
    waiting: list[inbox.Waiting] = field(default_factory=list)  # what waits on the user (the header's count)
    unread: int = 0  # the user's unread notifications (the header's other count)

    @property
    def waiting_count(self) -> int:
        return sum(item.count for item in self.waiting)

    @property
    def actor(self) -> c.Actor:
        """The signed-in user, on a route the guard let through only with a key."""
        if self.who is None:
            raise NotAuthorizedException
        return self.who.actor

    def may(self, route: str) -> bool:
        """Whether the signed-in user (or a visitor) may open the route ``route``: its declaration, read
        as the guard reads it."""
        handler = self.request.app.get_handler_index_by_name(route)
        if handler is None:
            return False
        access: Access = access_of(handler["handler"])
        if access.public:
            return True
        return self.who is not None and refusal(access, self.who.actor) is None

    def in_language(self, tag: str) -> str:
        """This page's address in another language: its query kept, but for ``lang``."""
        kept = [(name, value) for name, value in self.request.query_params.multi_items() if name != "lang"]
        return f"{self.request.url.path}?{urlencode([*kept, ('lang', tag)])}"

    def render(self, template: str, status: int = 200, **context: Any) -> Template:
        """The page ``template`` (only its content for an htmx request), with the page's context."""
        secure = self.request.url.scheme == "https"
        if self.asked is not None:
            self.cookies.append(_cookie(locale.COOKIE, self.asked, secure, max_age=365 * 24 * 3600))
        if self.who is None and self.request.cookies.get(csrf.COOKIE) != self.csrf:
            self.cookies.append(_cookie(csrf.COOKIE, self.csrf, secure, samesite="strict"))
        headers = {
            "Cache-Control": "no-store" if self.who else "no-cache",
            "Vary": "Cookie, HX-Request",
            "Content-Language": locale.TAGS[self.locale],
            "Content-Security-Policy": POLICY,
        }
        return Template(
            template_name=template,
            context={**self.context(), **context},
            status_code=status,
            cookies=self.cookies,
            headers=headers,
        )

    def context(self) -> dict[str, Any]:
        return {
            "view": self,
            "locale": self.locale,
            "lang": locale.TAGS[self.locale],
            "layout": "fragment.html" if self.request.htmx else "base.html",
            "who": self.who,
            "csrf_field": csrf.FIELD,
            "csrf_token": self.csrf,
            "form_key": secrets.token_urlsafe(16),  # a creating form's one-time key (api.console.forms)
            "navigation": [(route, label) for route, label in NAVIGATION if self.may(route)],
            "path": self.request.url.path,
            "kind_words": KIND_WORDS,
        }


def _cookie(
    name: str,
    value: str,
    secure: bool,
    *,
    max_age: int | None = None,
    samesite: Literal["lax", "strict"] = "lax",
) -> Cookie:
    return Cookie(
        key=name, value=value, path="/", httponly=True, secure=secure, samesite=samesite, max_age=max_age
    )


async def who_is(platform: Platform, actor: c.Actor) -> Who:
    """The header's words for ``actor``: its party's and its own name, through the API's reads."""
    async with platform.database.reads() as session:
        party = await parties.get_party(session, actor, actor.party_id)
        user = await credentials.describe_user(session, actor, actor.user_id)
    return Who(actor, party.name, user.name, KIND_LABELS[actor.kind], ROLE_LABELS[actor.role])


async def signed_in_actor(
    request: Request[Any, Any, Any], platform: Platform, store: sessions.Sessions
) -> c.Actor | None:
    """The session's actor: as the guard found it on a route that needs a key, else looked up by the
    same edge (``credential_of``); a session whose key no longer counts is ended."""
    state: Mapping[str, Any] = request.scope.get("state", {})
    session: sessions.Session | None = state.get("session")
    if session is None:
        return None
    if (actor := state.get("actor")) is not None:
        found: c.Actor = actor
        return found
    try:
        return (await credential_of(platform, session.key)).actor
    except NotAuthorizedException:
        store.close(sessions.cookie_token(request.scope))
        return None


async def provide_view(
    request: HTMXRequest,
    store: NamedDependency[sessions.Sessions],
    lang: Annotated[
        Literal["zh-CN", "en"] | None,
        QueryParameter(name="lang", description="the console's language: zh-CN (default) or en"),
    ] = None,
) -> View:
    platform: Platform = request.app.state.platform
    actor = await signed_in_actor(request, platform, store)
    who = await who_is(platform, actor) if actor else None
    request.scope.setdefault("state", {})[WHO] = who
    session = request.scope.get("state", {}).get("session")
    token = session.csrf if session and who else request.cookies.get(csrf.COOKIE) or csrf.fresh()
    chosen = locale.chosen(lang, request.cookies.get(locale.COOKIE))
    view = View(request, platform, chosen, lang, who, token)
    if who is not None and not request.htmx:  # a whole page: its header counts what waits
        view.waiting = await inbox.waiting(platform, who.actor, view.may)
        async with platform.database.reads() as session:
            view.unread = await notifications.unread(session, who.actor)
    return view


def known_view(request: Request[Any, Any, Any]) -> View:
    """A page's view from what the request has already established, with no further lookup: for an
    error page, which may stand in for a page whose view was never made (a refusal by the guard) or
    whose database failed."""
    platform: Platform = request.app.state.platform
    state: Mapping[str, Any] = request.scope.get("state", {})
    asked = request.query_params.get("lang")
    lang = asked if asked in locale.CHOICES else None
    chosen = locale.chosen(lang, request.cookies.get(locale.COOKIE))
    who: Who | None = state.get(WHO)
    session = state.get("session")
    token = session.csrf if session and who else request.cookies.get(csrf.COOKIE) or csrf.fresh()
    return View(request, platform, chosen, lang, who, token)  # type: ignore[arg-type]


ViewDep = NamedDependency[View]
StoreDep = NamedDependency[sessions.Sessions]
