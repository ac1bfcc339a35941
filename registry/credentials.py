"""Users and their API keys over their lifetime: issue, authenticate, list, revoke, rotate with an
overlap, disable — and who may give whom a key.

A key is ``lsk_`` + 40 base62 characters (238 random bits) + a 6-character base62 CRC-32 of them,
as GitHub's tokens are built: a leak scanner finds keys by their prefix and checks the checksum
offline (``well_formed_key``) before raising an alarm. A key is shown once, in the answer that issues
it; only its SHA-256 is stored (a key this random needs no slow hash, and a plain one lets a request
find its key by index) — nowhere else, not even in the idempotency store (``ShownOnce``).

Whoever's call issues a user's first key has seen it. ``created_by`` keeps that user, so that the
four-eyes rule can refuse a pair of users whose keys passed through the same hands outside their
parties (``independent``): the registrar that made a party's first manager holds that key, and every
key that manager makes. Later keys are issued only to the user itself, so no one gains another
user's key after the first.

Every change here is a ledger entry naming the user, its party and the key's opaque id, never the key.
"""

import datetime as dt
import hashlib
import secrets
import string
import zlib
from dataclasses import dataclass, replace
from typing import Self

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry import events as ev
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound, UnknownParty
from registry.tables import ApiKeyRow, PartyRow, UserRow

KEY_PREFIX = "lsk_"
_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
_RANDOM_CHARS = 40
_CHECK_CHARS = 6
SHOWN_PREFIX = 12  # characters of a key kept to recognise it: ``lsk_`` and 8 random ones
LAST_USED_EVERY = dt.timedelta(minutes=1)  # "last used" is written at most this often per key
MAX_OVERLAP_S = 30 * 24 * 3600
# users of these kinds of party hold powers (supervision, onboarding, cash): adding one takes four eyes
FOUR_EYES_KINDS = frozenset({c.PartyKind.REGULATOR, c.PartyKind.REGISTRAR, c.PartyKind.BANK})
_CHAIN_LIMIT = 64  # creators followed back; a chain this long means a cycle in tampered data


class UnknownUser(NotFound):
    title = "Unknown user"
    template = "no user {user}"


class UnknownKey(NotFound):
    title = "Unknown key"
    template = "no key {key} of this user"


class FirstManagerOnly(Forbidden):
    title = "The registrar adds a first manager only"
    template = (
        "the registrar onboards a party and its first manager; the party's own managers add its other users"
    )


class FourEyesRequired(Forbidden):
    title = "Four eyes required"
    template = (
        "a user of a regulator, the registrar or a bank is proposed, and added once another user approves"
    )


class OwnKeysOnly(Forbidden):
    title = "Keys are issued to their user only"
    template = "a user's further keys are issued to that user only, so that no one else ever sees them"


class NotYourUser(Forbidden):
    title = "Not a user you manage"
    template = "only the user itself, a manager of its party or a supervisor may do this"


class UserDisabledAlready(Conflict):
    title = "User disabled already"
    template = "user {user} is disabled already"


class KeyRevokedAlready(Conflict):
    title = "Key revoked already"
    template = "key {key} is revoked or expiring already"


class OverlapOutOfRange(InvalidInput):
    title = "Overlap out of range"
    template = "the overlap is 0 to {maximum} seconds"


class ShownOnce:
    """An answer that carries a new secret: what is stored for a replay is ``redacted()``."""

    __slots__ = ()

    def redacted(self) -> Self:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class IssuedKey(ShownOnce):
    user_id: str
    party_id: str
    role: str
    key_id: str
    prefix: str
    expires_at: dt.datetime | None
    key: str | None  # shown once; None in a replayed answer

    def redacted(self) -> "IssuedKey":
        return replace(self, key=None)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None  # to the minute
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class User:
    id: str
    party_id: str
    name: str
    role: str
    created_at: dt.datetime
    disabled_at: dt.datetime | None
    keys: list[KeyInfo]


@dataclass(frozen=True, slots=True)
class Credential:
    """What a key says about its bearer, and what the edge needs to keep that true: when the key
    stops (a rotation's overlap) and when it was last noted as used."""

    actor: c.Actor
    key_id: str
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None


def new_key() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_CHARS))
    return KEY_PREFIX + body + _checksum(body)


def _checksum(body: str) -> str:
    value, digits = zlib.crc32(body.encode()), []
    for _ in range(_CHECK_CHARS):
        value, digit = divmod(value, len(_ALPHABET))
        digits.append(_ALPHABET[digit])
    return "".join(reversed(digits))


def well_formed_key(text: str) -> bool:
    """Whether ``text`` is a key this platform could have issued: the prefix, the length, the alphabet
    and the checksum — what a leak scanner checks offline, with no false alarm on look-alikes."""
    body = text.removeprefix(KEY_PREFIX)
    return (
        text.startswith(KEY_PREFIX)
        and len(body) == _RANDOM_CHARS + _CHECK_CHARS
        and all(ch in _ALPHABET for ch in body)
        and _checksum(body[:_RANDOM_CHARS]) == body[_RANDOM_CHARS:]
    )


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def has_users(session: AsyncSession, party_id: str) -> bool:
    """Whether the party has a user that is not disabled."""
    query = select(func.count()).where(UserRow.party_id == party_id, UserRow.disabled_at.is_(None))
    return bool((await session.execute(query)).scalar_one())


async def needs_four_eyes(session: AsyncSession, party_id: str) -> bool:
    """Whether adding a user to this party takes a second pair of eyes (an unknown party: no, so that
    the use case reports it)."""
    row = await session.get(PartyRow, party_id)
    return row is not None and row.kind in FOUR_EYES_KINDS


async def require_may_add(session: AsyncSession, actor: c.Actor, party_id: str, role: c.Role) -> bool:
    """Refuse unless ``actor`` may add a user of ``role`` to the party: its own manager, or the
    registrar adding the first manager of a party that has none. Returns whether it is that first."""
    actor.require(*c.PartyKind)
    if await session.get(PartyRow, party_id) is None:
        raise UnknownParty("party", party=party_id)
    if actor.party_id == party_id:
        return False
    first = actor.kind == c.PartyKind.REGISTRAR and role == c.Role.MANAGER
    if first and not await has_users(session, party_id):
        return True
    raise FirstManagerOnly("party")


async def add_user(work: c.Work, actor: c.Actor, *, party_id: str, name: str, role: c.Role) -> IssuedKey:
    """Add a user to a party whose users hold no powers (no four eyes), with its first key; the
    platform's own acts (``SYSTEM``: its first registrar and regulator) need no second pair."""
    if actor.user_id != ev.SYSTEM:
        await require_may_add(work.session, actor, party_id, role)
        if await needs_four_eyes(work.session, party_id):
            raise FourEyesRequired("party")  # proposed instead (registry.decisions.propose_user)
    key = new_key()
    user, key_id = await create_user(
        work,
        actor,
        party_id=party_id,
        name=name,
        role=role,
        key_hash=hash_key(key),
        prefix=key[:SHOWN_PREFIX],
        created_by=None if actor.user_id == ev.SYSTEM else actor.user_id,
        proposal=None,
    )
    return IssuedKey(user.id, party_id, role, key_id, key[:SHOWN_PREFIX], None, key)


async def create_user(
    work: c.Work,
    actor: c.Actor,
    *,
    party_id: str,
    name: str,
    role: c.Role,
    key_hash: str,
    prefix: str,
    created_by: str | None,
    proposal: str | None,
) -> tuple[UserRow, str]:
    """Store a user and its first key (made by the caller: a proposal's key is shown to its proposer
    and only its hash kept), and record both; return the user and the key's id."""
    user = UserRow(
        id=work.new_id(),
        party_id=party_id,
        name=name.strip(),
        role=role,
        created_at=work.now,
        created_by=created_by,
        disabled_at=None,
    )
    work.session.add(user)
    await work.session.flush()  # the tables have no ORM relationships, so parents are flushed first
    work.record(
        ev.UserAdded(user=user.id, party=party_id, role=role, proposal=proposal), actor=actor.party_id
    )
    key_id = _store_key(work, actor, user, key_hash, prefix)
    return user, key_id


def _store_key(work: c.Work, actor: c.Actor, user: UserRow, key_hash: str, prefix: str) -> str:
    row = ApiKeyRow(
        id=work.new_id(),
        user_id=user.id,
        key_hash=key_hash,
        prefix=prefix,
        created_at=work.now,
        revoked_at=None,
        expires_at=None,
        last_used_at=None,
    )
    work.session.add(row)
    work.record(
        ev.KeyIssued(key=row.id, user=user.id, party=user.party_id, role=user.role), actor=actor.party_id
    )
    return row.id


async def _user(session: AsyncSession, user_id: str, *, lock: bool = False) -> UserRow:
    row = await session.get(UserRow, user_id, with_for_update=lock)
    if row is None:
        raise UnknownUser("user", user=user_id)
    return row


async def _may_manage(session: AsyncSession, actor: c.Actor, user: UserRow, *, write: bool) -> None:
    """The user itself; to read, its party's users and supervisors (regulator, registrar); to write
    (revoke its keys, disable it: acts that take powers away, never give them), their managers. The
    users of parties that hold powers (those whose users take four eyes) are written to by their own
    party's managers only: otherwise the registrar alone could disable the regulators who check it."""
    if actor.user_id == user.id:
        return
    if actor.party_id == user.party_id and (not write or actor.role == c.Role.MANAGER):
        return
    if actor.supervises and not write:
        return
    if actor.supervises and actor.role == c.Role.MANAGER:
        party = await session.get(PartyRow, user.party_id)
        if party is not None and party.kind not in FOUR_EYES_KINDS:
            return
    raise NotYourUser("user")


async def issue_key(work: c.Work, actor: c.Actor, *, user_id: str) -> IssuedKey:
    """Give a user another key: to the user itself only (a viewer's, or a frozen party's, too), so that
    no one else ever holds it."""
    actor.require(*c.PartyKind, write=False)
    user = await _user(work.session, user_id)
    if actor.user_id != user.id:
        raise OwnKeysOnly("user")
    key = new_key()
    key_id = _store_key(work, actor, user, hash_key(key), key[:SHOWN_PREFIX])
    return IssuedKey(user.id, user.party_id, user.role, key_id, key[:SHOWN_PREFIX], None, key)


async def rotate_key(work: c.Work, actor: c.Actor, *, user_id: str, key_id: str, overlap_s: int) -> IssuedKey:
    """Issue the user a new key and let the old one work for ``overlap_s`` seconds more (0: it stops
    now), time enough to deploy the new one."""
    if not 0 <= overlap_s <= MAX_OVERLAP_S:
        raise OverlapOutOfRange("overlap_s", maximum=MAX_OVERLAP_S)
    issued = await issue_key(work, actor, user_id=user_id)
    await _end(work, actor, user_id, key_id, work.now + dt.timedelta(seconds=overlap_s))
    return issued


async def revoke_key(work: c.Work, actor: c.Actor, *, user_id: str, key_id: str) -> KeyInfo:
    """Stop a key at once (a leak, a lost laptop)."""
    actor.require(*c.PartyKind, write=False)
    await _may_manage(work.session, actor, await _user(work.session, user_id), write=True)
    return await _end(work, actor, user_id, key_id, work.now)


async def _end(work: c.Work, actor: c.Actor, user_id: str, key_id: str, effective: dt.datetime) -> KeyInfo:
    row = await work.session.get(ApiKeyRow, key_id, with_for_update=True)
    if row is None or row.user_id != user_id:
        raise UnknownKey("key", key=key_id)
    if row.revoked_at is not None or row.expires_at is not None:
        raise KeyRevokedAlready("key", key=key_id)
    if effective <= work.now:
        row.revoked_at = work.now
    else:
        row.expires_at = effective
    user = await _user(work.session, user_id)
    work.record(
        ev.KeyRevoked(key=row.id, user=user_id, party=user.party_id, effective=_rfc3339(effective)),
        actor=actor.party_id,
    )
    return _key(row)


def _rfc3339(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def disable_user(work: c.Work, actor: c.Actor, *, user_id: str) -> User:
    """Stop every key of a user at once, for good (someone who left): its record and history stay."""
    actor.require(*c.PartyKind, write=False)
    user = await _user(work.session, user_id, lock=True)
    await _may_manage(work.session, actor, user, write=True)
    if user.disabled_at is not None:
        raise UserDisabledAlready("user", user=user_id)
    user.disabled_at = work.now
    work.record(ev.UserDisabled(user=user.id, party=user.party_id), actor=actor.party_id)
    return await _described(work.session, user)


async def change_role(work: c.Work, actor: c.Actor, *, user_id: str, role: c.Role, proposal: str) -> str:
    """Carry out an approved change of role (registry.decisions holds the four eyes)."""
    user = await _user(work.session, user_id, lock=True)
    user.role = role
    work.record(
        ev.UserRoleChanged(user=user.id, party=user.party_id, role=role, proposal=proposal),
        actor=actor.party_id,
    )
    return user.id


async def require_may_propose_role(session: AsyncSession, actor: c.Actor, user_id: str) -> UserRow:
    """A change of role is proposed by a manager of the user's party."""
    actor.require(*c.PartyKind)
    user = await _user(session, user_id)
    if actor.party_id != user.party_id or user.disabled_at is not None:
        raise NotYourUser("user")
    return user


async def describe_user(session: AsyncSession, actor: c.Actor, user_id: str) -> User:
    """A user with its keys (never the keys themselves)."""
    actor.require(*c.PartyKind, write=False)
    row = await _user(session, user_id)
    await _may_manage(session, actor, row, write=False)
    return await _described(session, row)


async def users_of(session: AsyncSession, actor: c.Actor, party_id: str) -> list[User]:
    """A party's users with their keys (never the keys themselves), oldest first: to its own users and
    its supervisors."""
    actor.require_sight_of(party_id)
    query = select(UserRow).where(UserRow.party_id == party_id).order_by(UserRow.created_at, UserRow.id)
    return [await _described(session, row) for row in (await session.execute(query)).scalars()]


async def _described(session: AsyncSession, row: UserRow) -> User:
    query = select(ApiKeyRow).where(ApiKeyRow.user_id == row.id).order_by(ApiKeyRow.created_at, ApiKeyRow.id)
    keys = [_key(k) for k in (await session.execute(query)).scalars()]
    return User(row.id, row.party_id, row.name, row.role, row.created_at, row.disabled_at, keys)


def _key(row: ApiKeyRow) -> KeyInfo:
    return KeyInfo(row.id, row.prefix, row.created_at, row.last_used_at, row.expires_at, row.revoked_at)


async def authenticate(session: AsyncSession, key: str, now: dt.datetime) -> Credential | None:
    """The bearer of ``key``, if the key is live: not revoked, not past a rotation's overlap, and its
    user not disabled."""
    query = (
        select(
            PartyRow.id,
            PartyRow.kind,
            UserRow.id,
            UserRow.role,
            PartyRow.frozen_at.is_not(None),
            ApiKeyRow.id,
            ApiKeyRow.expires_at,
            ApiKeyRow.last_used_at,
        )
        .join(UserRow, UserRow.party_id == PartyRow.id)
        .join(ApiKeyRow, ApiKeyRow.user_id == UserRow.id)
        .where(
            ApiKeyRow.key_hash == hash_key(key), ApiKeyRow.revoked_at.is_(None), UserRow.disabled_at.is_(None)
        )
    )
    found = (await session.execute(query)).first()
    if found is None:
        return None
    party_id, kind, user_id, role, frozen, key_id, expires_at, last_used_at = found
    if expires_at is not None and expires_at <= now:
        return None
    actor = c.Actor(party_id, c.PartyKind(kind), user_id, c.Role(role), frozen)
    return Credential(actor, key_id, expires_at, last_used_at)


async def note_use(session: AsyncSession, key_id: str, now: dt.datetime) -> None:
    """Write when a key was last used (the caller writes at most once per ``LAST_USED_EVERY``)."""
    await session.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=now))


async def custody(session: AsyncSession, user_id: str) -> set[str]:
    """The user and every user of another party through whose hands its key passed: its creator, if
    of another party, and so on back to the platform's own acts. A party's managers adding its own
    staff stay within the party, which answers for them; a key made for a party by someone outside
    it is that someone's too, and so are the keys made with it."""
    party = (await session.execute(select(UserRow.party_id).where(UserRow.id == user_id))).scalar()
    found, current = {user_id}, user_id
    for _ in range(_CHAIN_LIMIT):
        query = select(UserRow.id, UserRow.party_id).where(
            UserRow.id == select(UserRow.created_by).where(UserRow.id == current).scalar_subquery()
        )
        creator = (await session.execute(query)).first()
        if creator is None:
            break
        current = creator.id
        if creator.party_id != party:
            found.add(current)
    return found


async def independent(session: AsyncSession, first: str, second: str) -> bool:
    """Whether two users are two pairs of eyes: no one outside their own parties held both keys."""
    return not (await custody(session, first)) & (await custody(session, second))
