"""The console: the platform's web pages, served by the same process at ``/`` (DESIGN §3).

Server-rendered Jinja templates (``templates/``), htmx for partial updates (Litestar's htmx plugin:
an htmx request gets the page's content only) and a little Alpine.js where state lives in the page;
no Node build and no CDN — the scripts are vendored, pinned and checksummed (``static/vendor``, by
``make console-vendor``). Chinese by default, English by ``?lang=en`` (``api.console.locale``).

Every console route crosses the API's edge: the access guard (``api.access``) with the route's
declared access — a session cookie stands for its API key there (``api.console.sessions``) — strict
query parameters, and the API's error mapper, its answers shown as pages (``api.console.problems``).
On top of that, every POST carries a CSRF token (``api.console.csrf``) and a form body, checked here.
The routes are left out of the OpenAPI document: they are pages, not the API.
"""

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request, Router
from litestar.di import Provide
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from api.access import public
from api.console import (
    applying,
    auctions,
    csrf,
    documents,
    exports,
    lending,
    locale,
    markets,
    notices,
    operations,
    oversight,
    pages,
    pledging,
    signing_in,
    supervision,
    trading,
    transfers,
    users,
    valuing,
)
from api.console.forms import LONG_FIELDS
from api.console.problems import error_page
from api.console.sessions import Sessions, signed_in
from api.console.view import provide_view
from api.errors import HANDLERS
from api.inputs import TooLong, UnexpectedBody, UnstorableText, storable

HERE = Path(__file__).resolve().parent
MAX_FORM_FIELD = 2000  # the longest text a console form sends (a case's closing note), unless its route
# says otherwise (``LONG_FIELDS``); each field is then held to its own bound by the API's schema


def environment() -> Environment:
    """Jinja, autoescaping, strict about undefined names, with gettext from the console's catalogue
    and the locale's number, money and time formats as filters."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the templates are the installed package's: no file to look at per render
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(locale.gettext, locale.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(locale.FILTERS)
    return env


def templates() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))


async def check_form(request: Request[Any, Any, Any]) -> None:
    """The console's body check, in place of the API's JSON one: a POST's body is a form (URL-encoded,
    as the CSRF guard made sure) of storable, bounded text."""
    raw = await request.body()
    if not raw:
        return
    if not request.route_handler.opt.get("body"):
        raise UnexpectedBody("/")
    limit: int = request.route_handler.opt.get(LONG_FIELDS, MAX_FORM_FIELD)
    for name, value in (await request.form()).multi_items():
        text = value if isinstance(value, str) else ""
        if not storable(name) or not storable(text):
            raise UnstorableText(name)
        if len(text) > limit:
            raise TooLong(name, limit=limit)


def router() -> Router:
    """The console's routes, with a session store of their own (``api.console.sessions``)."""
    store = Sessions()
    static = create_static_files_router(
        path="/static",
        directories=[HERE / "static"],
        name="console-static",
        opt=public(),
        include_in_schema=False,
    )
    return Router(
        path="/",
        route_handlers=[
            pages.home,
            notices.inbox_page,
            notices.mark_read,
            notices.webhook_list,
            notices.subscribe,
            notices.unsubscribe,
            notices.delivery_log,
            pages.register_search,
            pages.right,
            markets.market,
            markets.instrument,
            markets.halt,
            markets.resume,
            pages.ledger,
            pages.entry,
            signing_in.sign_in_form,
            signing_in.sign_in,
            signing_in.sign_out,
            users.account,
            users.issue_key,
            users.rotate_key,
            users.revoke_key,
            users.disable,
            users.add_user,
            trading.holdings_page,
            trading.provenance,
            applying.applications,
            applying.apply,
            trading.trade,
            trading.quote,
            trading.enter_order,
            trading.cancel_order,
            documents.confirmation,
            documents.retire,
            documents.certificate_page,
            documents.right_certificate,
            supervision.review,
            supervision.confirm,
            supervision.reject,
            supervision.proposals,
            supervision.approve,
            supervision.reject_proposal,
            supervision.case_list,
            supervision.acknowledge,
            supervision.close,
            lending.collateral,
            lending.attestation,
            lending.pledge_list,
            lending.register,
            lending.release,
            lending.notice,
            lending.cash_desk,
            lending.cash_movement,
            operations.contract_list,
            operations.offer,
            operations.sign,
            operations.decline,
            operations.sell,
            operations.inventory_page,
            operations.list_package,
            auctions.listing_page,
            auctions.create,
            auctions.buy,
            auctions.register,
            auctions.bid,
            auctions.cancel,
            oversight.party_list,
            oversight.onboard,
            oversight.party_page,
            oversight.freeze_party,
            oversight.unfreeze_party,
            oversight.freeze_units,
            oversight.release_freeze,
            oversight.audit_page,
            oversight.audit_report,
            pledging.request,
            pledging.withdraw,
            pledging.agree_value,
            pledging.record_default,
            pledging.enforce,
            valuing.valuation_list,
            valuing.record,
            transfers.offer_list,
            transfers.propose,
            transfers.accept,
            transfers.decline,
            transfers.withdraw,
            exports.holdings_csv,
            exports.statement_csv,
            exports.fills_csv,
            exports.inventory_csv,
            exports.alerts_csv,
            static,
        ],
        include_in_schema=False,
        guards=[csrf.check],
        before_request=check_form,
        middleware=[signed_in(store)],
        dependencies={
            "view": Provide(provide_view),
            "store": Provide(lambda: store, sync_to_thread=False),
        },
        exception_handlers=dict.fromkeys(HANDLERS, error_page),
    )
