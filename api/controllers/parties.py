"""``/parties``: onboarding (registrar), a party's public record, what it holds and owes, its users,
and freezing a whole party (regulators, four eyes); ``/users``: a user's keys and role, over their
lifetime (issue, rotate, revoke, disable)."""

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from api.access import EVERYONE, ActorDep, party_to, reads, writes, writes_own
from api.paging import Cursor, Limit, Page, after, after_int, page
from api.platform import Platform, PlatformDep
from api.schemas import IssuanceQuery, PartyIn, PartyKindQuery, PathId, ReasonIn, RoleIn, RotationIn, UserIn
from api.work import Act, ActDep
from registry import cash, credentials, decisions, holdings, parties, party_sight
from registry import context as c


@dataclass(frozen=True, slots=True)
class Me:
    user: str
    role: str
    party: parties.Party


OWN_OR_SUPERVISED = party_to("party", "party_id", "self", supervisors=True)


class PartyController(Controller):
    path = "/api/v1/parties"
    tags = ["parties"]

    @post("", summary="Onboard a party (registrar)", opt=writes(c.PartyKind.REGISTRAR))
    async def onboard(self, data: JSONBody[PartyIn], act: ActDep) -> Response[parties.Party]:
        return await onboard_as_asked(act, data)

    @get(
        "",
        summary="List parties (registrar, regulator)",
        opt=reads(c.PartyKind.REGISTRAR, c.PartyKind.REGULATOR),
    )
    async def list_parties(
        self,
        platform: PlatformDep,
        actor: ActorDep,
        kind: PartyKindQuery = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[parties.Party]:
        async with platform.database.reads() as session:
            found = await parties.list_parties(session, actor, kind=kind, after=after(cursor), limit=limit)
        return page(found, limit, lambda p: p.id)

    @get(
        "/{party_id:str}",
        summary=(
            "A party's record: an organisation's to any key; a person's or a village collective's only "
            "to itself, its operator under a signed contract, regulators and the registrar"
        ),
        opt=reads(*EVERYONE),
    )
    async def get_party(self, party_id: PathId, platform: PlatformDep, actor: ActorDep) -> parties.Party:
        async with platform.database.reads() as session:
            return await party_sight.read_party(session, actor, party_id)

    @post(
        "/{party_id:str}/users",
        summary="Add a user with one role; its API key is shown once (the party's managers; the "
        "registrar: a party's first manager); a regulator, registrar or bank user: 202 and a proposal",
        description="The registrar onboards a party and its first manager; the party's own managers add "
        "its other users. A user of a regulator, the registrar or a bank takes four eyes: this answers "
        "202 with a proposal, and the new user's key, which works once another user, independent of "
        "the proposer, approves it at /proposals/{id}/approve. A replay of this call (Idempotency-Key) "
        "answers without the key: it is shown once.",
        opt=writes(subject=party_to("party", "party_id", "self", supervisors=True)),
        responses={
            202: ResponseSpec(
                decisions.ProposedUser, description="A proposed user awaiting a second pair of eyes"
            )
        },
    )
    async def add_user(
        self, party_id: PathId, data: JSONBody[UserIn], platform: PlatformDep, act: ActDep
    ) -> Response[credentials.IssuedKey]:
        return await add_user_as_asked(platform, act, party_id, data)

    @get(
        "/{party_id:str}/users",
        summary="The party's users, their roles and keys' prefixes and use (the party itself, regulators)",
        opt=reads(subject=OWN_OR_SUPERVISED),
    )
    async def users(self, party_id: PathId, platform: PlatformDep, actor: ActorDep) -> list[credentials.User]:
        async with platform.database.reads() as session:
            return await credentials.users_of(session, actor, party_id)

    @get(
        "/{party_id:str}/holdings",
        summary="Units held, by issuance and state, with their serials (the party itself, regulators)",
        opt=reads(subject=OWN_OR_SUPERVISED),
    )
    async def party_holdings(
        self, party_id: PathId, platform: PlatformDep, actor: ActorDep
    ) -> list[holdings.Holding]:
        async with platform.database.reads() as session:
            return await holdings.holdings(session, actor, party_id)

    @get(
        "/{party_id:str}/statement",
        summary="Every unit movement with its running balance (the party itself, regulators)",
        opt=reads(subject=OWN_OR_SUPERVISED),
    )
    async def statement(
        self,
        party_id: PathId,
        platform: PlatformDep,
        actor: ActorDep,
        issuance: IssuanceQuery = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[holdings.StatementLine]:
        async with platform.database.reads() as session:
            lines = await holdings.statement(
                session, actor, party_id, issuance_id=issuance, after=after_int(cursor), limit=limit
            )
        return page(lines, limit, lambda line: line.id)

    @get(
        "/{party_id:str}/cash",
        summary="Cash balance, reserved and available, CNY (the party itself, regulators)",
        opt=reads(subject=OWN_OR_SUPERVISED),
    )
    async def cash_account(
        self, party_id: PathId, platform: PlatformDep, actor: ActorDep
    ) -> cash.CashAccount:
        async with platform.database.reads() as session:
            return await cash.account(session, actor, party_id)

    @get(
        "/{party_id:str}/cash/statement",
        summary="Every cash movement with the balance after it (the party itself, regulators)",
        opt=reads(subject=OWN_OR_SUPERVISED),
    )
    async def cash_statement(
        self,
        party_id: PathId,
        platform: PlatformDep,
        actor: ActorDep,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[cash.CashLine]:
        async with platform.database.reads() as session:
            lines = await cash.cash_statement(session, actor, party_id, after=after_int(cursor), limit=limit)
        return page(lines, limit, lambda line: line.id)

    @post(
        "/{party_id:str}/freeze",
        status_code=202,
        summary="Propose freezing a party (冻结, regulator): 202 and a proposal another regulator approves",
        opt=writes(c.PartyKind.REGULATOR),
    )
    async def freeze(
        self, party_id: PathId, data: JSONBody[ReasonIn], act: ActDep
    ) -> Response[decisions.Proposal]:
        return await act(
            lambda call: decisions.propose_party_freeze(
                call.work, call.actor, party_id=party_id, reason=data.reason
            )
        )

    @post(
        "/{party_id:str}/unfreeze",
        status_code=200,
        summary="Unfreeze a party (regulator)",
        opt=writes(c.PartyKind.REGULATOR),
    )
    async def unfreeze(
        self, party_id: PathId, data: JSONBody[ReasonIn], act: ActDep
    ) -> Response[parties.Party]:
        return await act(
            lambda call: parties.unfreeze_party(call.work, call.actor, party_id=party_id, reason=data.reason)
        )


async def onboard_as_asked(act: Act, asked: PartyIn) -> Response[Any]:
    """Onboard the party ``asked`` describes (201): the API's route and the console's parties page
    both onboard by this."""
    return await act(
        lambda call: parties.onboard_party(
            call.work,
            call.actor,
            kind=asked.kind,
            name=asked.name,
            division_code=asked.division,
            credit_code=asked.credit_code,
            resident_id=asked.resident_id,
        ),
        status=201,
    )


async def add_user_as_asked(platform: Platform, act: Act, party_id: str, asked: UserIn) -> Response[Any]:
    """Add the user ``asked`` describes (201, its key), or for a party whose users take four eyes
    propose it (202): the API's route and the console's account page both add users by this."""
    async with platform.database.reads() as session:
        four_eyes = await credentials.needs_four_eyes(session, party_id)
    if four_eyes:
        return await act(
            lambda call: decisions.propose_user(
                call.work, call.actor, party_id=party_id, name=asked.name, role=asked.role
            ),
            status=202,
        )
    return await act(
        lambda call: credentials.add_user(
            call.work, call.actor, party_id=party_id, name=asked.name, role=asked.role
        ),
        status=201,
    )


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["parties"]

    @get("", summary="Who this API key acts for", opt=reads())
    async def me(self, platform: PlatformDep, actor: ActorDep) -> Me:
        async with platform.database.reads() as session:
            party = await parties.get_party(session, actor, actor.party_id)
        return Me(user=actor.user_id, role=actor.role, party=party)


OWN_PARTY_OR_SUPERVISED = party_to("user", "user_id", "party", supervisors=True)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["parties"]

    @get(
        "/{user_id:str}",
        summary="A user, its role and its keys: prefix, created, last used, expiry, revocation (the user, "
        "its party's managers, supervisors)",
        opt=reads(subject=OWN_PARTY_OR_SUPERVISED),
    )
    async def user(self, user_id: PathId, platform: PlatformDep, actor: ActorDep) -> credentials.User:
        async with platform.database.reads() as session:
            return await credentials.describe_user(session, actor, user_id)

    @get(
        "/{user_id:str}/keys",
        summary="A user's keys: prefix, created, last used (to the minute), expiry, revocation",
        opt=reads(subject=OWN_PARTY_OR_SUPERVISED),
    )
    async def keys(
        self, user_id: PathId, platform: PlatformDep, actor: ActorDep
    ) -> list[credentials.KeyInfo]:
        async with platform.database.reads() as session:
            return (await credentials.describe_user(session, actor, user_id)).keys

    @post(
        "/{user_id:str}/keys",
        summary="Issue yourself another API key, shown once",
        opt=writes_own(OWN_PARTY_OR_SUPERVISED),
    )
    async def issue_key(self, user_id: PathId, act: ActDep) -> Response[credentials.IssuedKey]:
        return await act(lambda call: credentials.issue_key(call.work, call.actor, user_id=user_id))

    @post(
        "/{user_id:str}/keys/{key_id:str}/rotate",
        summary="Rotate your key: a new one, shown once; the old one works for the overlap you choose",
        opt=writes_own(OWN_PARTY_OR_SUPERVISED),
    )
    async def rotate_key(
        self, user_id: PathId, key_id: PathId, data: JSONBody[RotationIn], act: ActDep
    ) -> Response[credentials.IssuedKey]:
        return await act(
            lambda call: credentials.rotate_key(
                call.work, call.actor, user_id=user_id, key_id=key_id, overlap_s=data.overlap_s
            )
        )

    @post(
        "/{user_id:str}/keys/{key_id:str}/revoke",
        status_code=200,
        summary="Revoke a key at once (the user, its party's managers, supervisors)",
        opt=writes_own(OWN_PARTY_OR_SUPERVISED),
    )
    async def revoke_key(self, user_id: PathId, key_id: PathId, act: ActDep) -> Response[credentials.KeyInfo]:
        return await act(
            lambda call: credentials.revoke_key(call.work, call.actor, user_id=user_id, key_id=key_id)
        )

    @post(
        "/{user_id:str}/disable",
        status_code=200,
        summary="Disable a user: every key stops at once, for good (the user, its party's managers, "
        "supervisors)",
        opt=writes_own(OWN_PARTY_OR_SUPERVISED),
    )
    async def disable(self, user_id: PathId, act: ActDep) -> Response[credentials.User]:
        return await act(lambda call: credentials.disable_user(call.work, call.actor, user_id=user_id))

    @post(
        "/{user_id:str}/role",
        status_code=202,
        summary="Propose a change of role (a manager of the user's party): 202 and a proposal another, "
        "independent user approves",
        opt=writes(subject=party_to("user", "user_id", "party")),
    )
    async def change_role(
        self, user_id: PathId, data: JSONBody[RoleIn], act: ActDep
    ) -> Response[decisions.Proposal]:
        return await act(
            lambda call: decisions.propose_role(call.work, call.actor, user_id=user_id, role=data.role)
        )
