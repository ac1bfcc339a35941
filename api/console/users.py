"""The signed-in user's account: who it is, its session, its API keys (issue another, rotate with an
overlap, revoke), and its party's users, whom the party's managers add (a key shown once; for a
regulator, the registrar or a bank, a proposal another user approves) and disable.

Each action is the API's use case under ``/api/v1/users`` and ``/api/v1/parties/{id}/users``, with the
same access declaration, through its runner; a key made is shown on the page that answers the form,
once: a reload replays the answer without it, as the API's replay does.
"""

import json
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import get, post
from litestar.response import Redirect, Template

from api.access import reads, writes, writes_own
from api.console import sessions
from api.console.forms import Done, Plain, checked, runner, whole_number
from api.console.oversight import party_view
from api.console.signing_in import FORM
from api.console.view import ROLE_LABELS, View, ViewDep
from api.controllers.parties import OWN_OR_SUPERVISED, OWN_PARTY_OR_SUPERVISED, add_user_as_asked
from api.schemas import PathId, RotationIn, UserIn
from registry import context as c
from registry import credentials

OVERLAPS = (0, 3600, 24 * 3600, 7 * 24 * 3600)  # the rotation form's choices, in seconds


@dataclass(frozen=True)
class KeyForm:
    csrf_token: str
    form_key: str


@dataclass(frozen=True)
class Rotation:
    csrf_token: str
    form_key: str
    overlap_s: str


@dataclass(frozen=True)
class NewUser:
    csrf_token: str
    form_key: str
    name: str
    role: str


@get("/account", name="console-account", opt=reads())
async def account(view: ViewDep, done: Done = None) -> Template:
    return await _account(view, done=done)


async def _account(view: View, **shown: Any) -> Template:
    """The account page, with what a form just did (``shown``: a key issued, a user proposed)."""
    actor = view.actor
    session = view.request.scope.get("state", {}).get("session")
    ends = min(session.seen + sessions.IDLE, session.started + sessions.LIFETIME) if session else None
    async with view.platform.database.reads() as db:
        me = await credentials.describe_user(db, actor, actor.user_id)
        users = await credentials.users_of(db, actor, actor.party_id)
    return view.render(
        "account.html",
        session_ends=ends,
        me=me,
        users=users,
        roles=ROLE_LABELS,
        overlaps=OVERLAPS,
        manages=actor.role == c.Role.MANAGER,
        **{"issued": None, "proposed": None, "done": None, **shown},
    )


@post("/users/{user_id:str}/keys", name="console-issue-key", opt=writes_own(OWN_PARTY_OR_SUPERVISED))
async def issue_key(view: ViewDep, user_id: PathId, data: Annotated[KeyForm, FORM]) -> Template:
    """Issue the user another key, as ``POST /api/v1/users/{id}/keys`` does, shown this once."""
    answer = await runner(view, data.form_key)(
        lambda call: credentials.issue_key(call.work, call.actor, user_id=user_id), status=201
    )
    return await _account(view, issued=json.loads(answer.content))


@post(
    "/users/{user_id:str}/keys/{key_id:str}/rotate",
    name="console-rotate-key",
    opt=writes_own(OWN_PARTY_OR_SUPERVISED),
)
async def rotate_key(
    view: ViewDep, user_id: PathId, key_id: PathId, data: Annotated[Rotation, FORM]
) -> Template:
    """Rotate a key: a new one, shown this once; the old one works for the overlap chosen."""
    asked = checked(RotationIn, {"overlap_s": whole_number(data.overlap_s)})
    answer = await runner(view, data.form_key)(
        lambda call: credentials.rotate_key(
            call.work, call.actor, user_id=user_id, key_id=key_id, overlap_s=asked.overlap_s
        ),
        status=201,
    )
    return await _account(view, issued=json.loads(answer.content))


@post(
    "/users/{user_id:str}/keys/{key_id:str}/revoke",
    name="console-revoke-key",
    opt=writes_own(OWN_PARTY_OR_SUPERVISED),
)
async def revoke_key(
    view: ViewDep, user_id: PathId, key_id: PathId, data: Annotated[Plain, FORM]
) -> Redirect:
    await runner(view)(
        lambda call: credentials.revoke_key(call.work, call.actor, user_id=user_id, key_id=key_id), status=200
    )
    return Redirect(f"/account?done={key_id}", status_code=303)


@post("/users/{user_id:str}/disable", name="console-disable-user", opt=writes_own(OWN_PARTY_OR_SUPERVISED))
async def disable(view: ViewDep, user_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    """Disable a user of the party: every key of it stops at once, for good."""
    await runner(view)(
        lambda call: credentials.disable_user(call.work, call.actor, user_id=user_id), status=200
    )
    return Redirect(f"/account?done={user_id}", status_code=303)


@post("/parties/{party_id:str}/users", name="console-add-user", opt=writes(subject=OWN_OR_SUPERVISED))
async def add_user(view: ViewDep, party_id: PathId, data: Annotated[NewUser, FORM]) -> Template:
    """Add a user to the party, as ``POST /api/v1/parties/{id}/users`` does: its key shown this once,
    or, where users take four eyes, the proposal another user approves."""
    asked = checked(UserIn, {"name": data.name, "role": data.role})
    answer = await add_user_as_asked(view.platform, runner(view, data.form_key), party_id, asked)
    made = json.loads(answer.content)
    shown = {"proposed": made} if answer.status_code == 202 else {"issued": made}
    if party_id != view.actor.party_id:  # the registrar's first manager, on the party's page
        return await party_view(view, party_id, **shown)
    return await _account(view, **shown)
