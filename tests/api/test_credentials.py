"""API keys over their lifetime, through HTTP: recognisable and checkable offline, stored only as
hashes (never in the idempotency store either), listed, revoked and rotated with an overlap, users
disabled — each change a ledger entry that names the user and never the key; and every entry a
request writes names the user who acted."""

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import LargeBinary, String, Text, inspect, text

from registry.credentials import KEY_PREFIX, well_formed_key
from settlement.ledger import current_size
from tests.platform import Member, Platform, cli

pytestmark = pytest.mark.anyio


async def entries(platform: Platform, start: int = 0) -> list[dict[str, Any]]:
    async with platform.core.database.reads() as session:
        size = await current_size(session)
        raw = await platform.core.ledger.entries(session, start, size)
    return [json.loads(line) for line in raw]


async def size(platform: Platform) -> int:
    async with platform.core.database.reads() as session:
        return await current_size(session)


async def tables_holding(platform: Platform, secret: str) -> list[str]:
    """Every table and column of the migrated schema whose text or bytes contain ``secret``."""
    found = []
    async with platform.core.database.reads() as session:
        connection = await session.connection()

        def columns(sync: Any) -> list[tuple[str, str, Any]]:
            inspector = inspect(sync)
            return [
                (table, column["name"], column["type"])
                for table in inspector.get_table_names()
                for column in inspector.get_columns(table)
            ]

        for table, column, kind in await connection.run_sync(columns):
            if not isinstance(kind, String | Text | LargeBinary) and "JSON" not in type(kind).__name__:
                continue
            for (value,) in await session.execute(text(f'SELECT "{column}" FROM "{table}"')):
                data = value if isinstance(value, bytes) else str(value).encode()
                if secret.encode() in data:
                    found.append(f"{table}.{column}")
    return found


async def me(platform: Platform, member: Member) -> dict[str, Any]:
    answer = await platform.get("/api/v1/me", member)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_keys_carry_a_prefix_and_a_checksum_a_scanner_checks_offline(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    assert member.key.startswith(KEY_PREFIX) and well_formed_key(member.key)
    changed = member.key[:-1] + ("a" if member.key[-1] != "a" else "b")
    assert not well_formed_key(changed)  # one character off: no alarm for a look-alike
    assert not well_formed_key("ls_" + member.key[4:])


async def test_a_key_issued_under_an_idempotency_key_is_stored_nowhere_and_not_shown_again(
    platform: Platform,
) -> None:
    """The defect: the answer to user or key creation was kept, key and all, in idempotency_keys."""
    holder = await platform.onboard("enterprise")
    path = f"/api/v1/parties/{holder.party}/users"
    body = {"name": "财务", "role": "viewer"}
    first = await platform.post(path, holder, body, **{"Idempotency-Key": "user-1"})
    assert first.status_code == 201, first.text
    key = first.json()["key"]
    assert well_formed_key(key)
    replay = await platform.post(path, holder, body, **{"Idempotency-Key": "user-1"})
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == {**first.json(), "key": None}  # issued: its id and prefix, not the key
    assert key not in replay.text

    viewer = Member(holder.party, key, "enterprise")
    user = (await me(platform, viewer))["user"]
    another = await platform.post(f"/api/v1/users/{user}/keys", viewer, **{"Idempotency-Key": "key-1"})
    assert another.status_code == 201, another.text
    again = await platform.post(f"/api/v1/users/{user}/keys", viewer, **{"Idempotency-Key": "key-1"})
    assert again.json()["key"] is None and again.json()["key_id"] == another.json()["key_id"]

    regulator = await platform.regulator()
    proposed = await platform.post(
        f"/api/v1/parties/{regulator.party}/users",
        regulator,
        {"name": "复核员", "role": "manager"},
        **{"Idempotency-Key": "user-2"},
    )
    assert proposed.status_code == 202, proposed.text
    for secret in (key, another.json()["key"], proposed.json()["key"]):
        assert await tables_holding(platform, secret) == []
        assert await tables_holding(platform, secret[len(KEY_PREFIX) :]) == []


async def test_a_users_keys_are_listed_without_the_keys(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    user = (await me(platform, member))["user"]
    listed = await platform.get(f"/api/v1/users/{user}/keys", member)
    assert listed.status_code == 200, listed.text
    [key] = listed.json()
    assert set(key) == {"id", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"}
    assert member.key.startswith(key["prefix"]) and len(key["prefix"]) == 12
    assert key["last_used_at"] is not None  # the call to /me above
    assert member.key not in listed.text

    # "last used" is written at most once a minute: a second call within it changes nothing stored
    before = await platform.fingerprint()
    await platform.get("/api/v1/me", member)
    assert await platform.fingerprint() == before
    platform.clock.now += dt.timedelta(minutes=2)
    await platform.get("/api/v1/me", member)
    [later] = (await platform.get(f"/api/v1/users/{user}/keys", member)).json()
    assert later["last_used_at"] > key["last_used_at"]

    other = await platform.onboard("enterprise")
    assert (await platform.get(f"/api/v1/users/{user}/keys", other)).status_code == 404
    assert (await platform.get(f"/api/v1/users/{user}/keys", await platform.regulator())).status_code == 200


async def test_a_revoked_key_stops_at_once(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    assert (await platform.get("/api/v1/me", member)).status_code == 200  # known, and kept in memory
    user = (await me(platform, member))["user"]
    spare = await platform.post(f"/api/v1/users/{user}/keys", member)
    [key, _] = (await platform.get(f"/api/v1/users/{user}/keys", member)).json()
    revoked = await platform.post(f"/api/v1/users/{user}/keys/{key['id']}/revoke", member)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert (await platform.get("/api/v1/me", member)).status_code == 401
    second = Member(member.party, spare.json()["key"], "enterprise")
    assert (await platform.get("/api/v1/me", second)).status_code == 200
    again = await platform.post(f"/api/v1/users/{user}/keys/{key['id']}/revoke", second)
    assert again.status_code == 409


async def test_a_rotated_key_works_for_the_overlap_chosen_and_then_stops(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    user = (await me(platform, member))["user"]
    [old] = (await platform.get(f"/api/v1/users/{user}/keys", member)).json()
    rotated = await platform.post(
        f"/api/v1/users/{user}/keys/{old['id']}/rotate", member, {"overlap_s": 3600}
    )
    assert rotated.status_code == 201, rotated.text
    new = Member(member.party, rotated.json()["key"], "enterprise")
    assert well_formed_key(new.key) and new.key != member.key
    await platform.advance(minutes=59)
    assert (await platform.get("/api/v1/me", member)).status_code == 200
    assert (await platform.get("/api/v1/me", new)).status_code == 200
    await platform.advance(minutes=2)
    assert (await platform.get("/api/v1/me", member)).status_code == 401  # kept in memory, yet stopped
    assert (await platform.get("/api/v1/me", new)).status_code == 200
    too_long = await platform.post(
        f"/api/v1/users/{user}/keys/{rotated.json()['key_id']}/rotate", new, {"overlap_s": 10**9}
    )
    assert too_long.status_code == 400


async def test_keys_are_issued_to_their_own_user_only(platform: Platform) -> None:
    manager = await platform.onboard("enterprise")
    colleague = await platform.add_user(manager, manager.party, "enterprise")
    user = (await me(platform, colleague))["user"]
    for someone in (manager, platform.registrar, await platform.regulator()):
        refused = await platform.post(f"/api/v1/users/{user}/keys", someone)
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"].endswith("/own-keys-only")


async def test_a_disabled_users_keys_all_stop_at_once(platform: Platform) -> None:
    manager = await platform.onboard("enterprise")
    leaving = await platform.add_user(manager, manager.party, "enterprise")
    user = (await me(platform, leaving))["user"]
    spare = Member(
        leaving.party, (await platform.post(f"/api/v1/users/{user}/keys", leaving)).json()["key"], ""
    )
    disabled = await platform.post(f"/api/v1/users/{user}/disable", manager)
    assert disabled.status_code == 200 and disabled.json()["disabled_at"] is not None
    for key in (leaving, spare):
        assert (await platform.get("/api/v1/me", key)).status_code == 401
    assert (await platform.post(f"/api/v1/users/{user}/disable", manager)).status_code == 409
    outsider = await platform.onboard("enterprise")
    assert (await platform.post(f"/api/v1/users/{user}/disable", outsider)).status_code == 404


async def test_every_credential_change_is_an_entry_naming_the_user_never_the_key(platform: Platform) -> None:
    manager = await platform.onboard("enterprise")
    manager_user = (await me(platform, manager))["user"]
    start = await size(platform)
    added = await platform.post(
        f"/api/v1/parties/{manager.party}/users", manager, {"name": "出纳", "role": "viewer"}
    )
    viewer = Member(manager.party, added.json()["key"], "enterprise")
    viewer_user = added.json()["user_id"]
    rotated = await platform.post(
        f"/api/v1/users/{viewer_user}/keys/{added.json()['key_id']}/rotate", viewer, {"overlap_s": 60}
    )
    await platform.post(f"/api/v1/users/{viewer_user}/role", manager, {"role": "manager"})
    await platform.post(f"/api/v1/users/{viewer_user}/disable", manager)
    written = await entries(platform, start)
    assert [(e["kind"], e["body"].get("role")) for e in written] == [
        ("user.added", "viewer"),
        ("key.issued", "viewer"),
        ("key.issued", "viewer"),
        ("key.revoked", None),
        ("user.disabled", None),  # a proposal is no change: only its approval would be
    ]
    for entry in written:
        assert entry["actor"] == manager.party and entry["body"]["party"] == manager.party
        assert entry["body"]["user"] == viewer_user
    assert [e["body"]["acting_user"] for e in written] == [
        manager_user,
        manager_user,
        viewer_user,
        viewer_user,
        manager_user,
    ]
    assert written[3]["body"]["key"] == added.json()["key_id"]
    assert written[3]["body"]["effective"] > written[3]["at"]  # the overlap's end
    for secret in (added.json()["key"], rotated.json()["key"]):
        assert secret not in json.dumps(written)
    assert await platform.audit() == []


async def test_entries_name_the_acting_user_and_the_platforms_own_acts_none(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    user = (await me(platform, holder))["user"]
    start = await size(platform)
    filed = await platform.apply(holder, "CS")
    assert filed.status_code == 201
    [entry] = await entries(platform, start)
    assert entry["kind"] == "application.filed" and entry["body"]["acting_user"] == user
    assert set(entry) == {"v", "log", "seq", "prev", "kind", "at", "actor", "body"}  # DESIGN §5, as it was
    [onboarded, *_] = await entries(platform, 0)  # the registrar the platform made itself
    assert onboarded["actor"] == "system" and "acting_user" not in onboarded["body"]
    assert await platform.audit() == []


async def test_an_exported_ledger_with_acting_users_verifies_offline(
    platform: Platform, database_url: str, ledger_key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(ledger_key))
    holder = await platform.onboard("enterprise")
    await platform.confirmed(holder, "CS")
    assert await cli("ledger", "export", str(tmp_path)) == 0
    assert await cli("ledger", "verify", str(tmp_path)) == 0
    lines = (tmp_path / "entries.jsonl").read_text().splitlines()
    assert any('"acting_user"' in line for line in lines)
    assert all(re.search(r'"actor":"system"', line) is None or '"acting_user"' not in line for line in lines)
