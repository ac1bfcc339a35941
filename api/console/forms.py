"""The console's forms meet the API's own requests: a form's fields are checked by the model the
API's route checks its JSON body with, and refused as the API refuses a body (400, naming the field,
shown on the error page); its action runs through the API's runner (``api.work.Act``), a creating
form's one-time key standing for the ``Idempotency-Key`` header, so that a double click or a reload
makes one thing; and what the runner answered is read back for the page that follows."""

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from litestar import Response
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter
from pydantic import BaseModel, ValidationError

from api.console.view import View
from api.idempotency import MAX_KEY_LENGTH
from api.work import Act
from market.pricing import CHINA_STANDARD_TIME

M = TypeVar("M", bound=BaseModel)
LONG_FIELDS = "long_form_fields"  # a route's opt: the longest text its form's fields may send
# the page a form's action leads back to names what it did, by id (POST, redirect, GET)
Done = Annotated[str | None, QueryParameter(max_length=36, description="what was just done, by its id")]


@dataclass(frozen=True)
class Plain:
    """A form that is only a button: its CSRF token, checked by ``api.console.csrf``."""

    csrf_token: str


@dataclass(frozen=True)
class SaleForm:
    """A listing's terms for units sold for their owner: a forced sale, a sale under mandate."""

    csrf_token: str
    mode: str
    price: str
    ends_at: str
    deposit: str = ""


# a list's status filter, as its form sends it: empty for any (``status_of`` reads it)
StatusChoice = Annotated[str | None, QueryParameter(max_length=16, description="a status; empty for any")]
E = TypeVar("E", bound=StrEnum)


def status_of(kind: type[E], text: str | None, *, field: str = "status") -> E | None:
    """A list filter's choice (a status, or ``field``): none for any, else one of ``kind``'s (refused
    as the API refuses an unknown one, naming the field)."""
    if not text:
        return None
    if text not in kind._value2member_map_:
        message = "Input should be " + ", ".join(f"'{member}'" for member in kind)
        raise ValidationException("invalid query", extra=[{"key": field, "message": message}])
    return kind(text)


def checked(schema: type[M], fields: dict[str, Any]) -> M:
    """``fields`` as ``schema`` takes them; else the API's 400."""
    try:
        return schema.model_validate(fields)
    except ValidationError as refused:
        raise ValidationException("invalid form", extra=as_problems(refused)) from refused


def as_problems(refused: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors as the API's error mapper reads them (``api.errors.validation``)."""
    return [{"key": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in refused.errors()]


def whole_number(text: str) -> int | str:
    """A form's number field as the JSON number the API takes; text that is not one (``"abc"``,
    ``"²"``) is passed on for the schema to refuse."""
    return int(text) if text.isascii() and text.isdecimal() else text


def runner(view: View, form_key: str | None = None) -> Act:
    """The API's runner for the signed-in user; ``form_key`` is a creating form's one-time key."""
    return Act(view.request, view.platform, view.actor, (form_key or "")[:MAX_KEY_LENGTH] or None)


def made_id(answer: Response[Any], name: str = "id") -> str:
    """The id (or the field ``name``) of what a use case made or changed, from the JSON answer
    ``api.work.Act`` gave."""
    return str(json.loads(answer.content)[name])


def in_cst(local: str) -> str:
    """A ``datetime-local`` field's ``2026-12-01T10:00`` as RFC 3339 in China Standard Time; what is
    not one is passed on for the schema to refuse."""
    try:
        moment = dt.datetime.fromisoformat(local)
    except ValueError:
        return local
    if moment.tzinfo is not None:
        return local
    return moment.replace(tzinfo=CHINA_STANDARD_TIME).isoformat()


def sale_fields(mode: str, price: str, ends_at: str, deposit: str) -> dict[str, Any]:
    """A listing's terms as a forced sale or a sale under mandate takes them (``SaleIn``): the end in
    China Standard Time, the deposit only if given."""
    fields = {"mode": mode, "price": price, "ends_at": in_cst(ends_at)}
    return {**fields, "deposit": deposit} if deposit else fields
