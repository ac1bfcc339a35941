"""Bounded powers, through HTTP: the registrar onboards a party and its first manager, and no more;
a party's own managers add its other users; a user of a regulator, the registrar or a bank, and any
change of role, takes four eyes of two independent users; no registrar or regulator trades, and no
bank credits its own party's account.

The defect these stop: one registrar key minted two regulator users and passed four eyes alone, then
minted a bank user and deposited cash into its own party's account."""

import itertools
from pathlib import Path
from typing import Any

import pytest

from registry.credentials import well_formed_key
from tests.platform import Member, Platform, cli, credit_code

pytestmark = pytest.mark.anyio
NUMBERS = itertools.count(700)


async def party(platform: Platform, kind: str) -> str:
    n = next(NUMBERS)
    answer = await platform.post(
        "/api/v1/parties",
        platform.registrar,
        {
            "kind": kind,
            "name": f"{kind}{n}",
            "division": "360100",
            "credit_code": credit_code("91", "360100", n),
        },
    )
    assert answer.status_code == 201, answer.text
    result: str = answer.json()["id"]
    return result


async def add(platform: Platform, by: Member, party_id: str, role: str = "manager") -> Any:
    return await platform.post(f"/api/v1/parties/{party_id}/users", by, {"name": "某人", "role": role})


async def approve(platform: Platform, proposal: str, by: Member) -> Any:
    return await platform.post(f"/api/v1/proposals/{proposal}/approve", by)


def problem(answer: Any) -> str:
    return str(answer.json()["type"]).rsplit("/", 1)[-1]


async def test_the_registrar_adds_a_partys_first_manager_and_no_one_else(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    fresh = await party(platform, "operator")
    before = await platform.fingerprint()
    for role in ("manager", "viewer"):
        refused = await add(platform, platform.registrar, holder.party, role)
        assert refused.status_code == 403 and problem(refused) == "first-manager-only", refused.text
    viewer_first = await add(platform, platform.registrar, fresh, "viewer")
    assert viewer_first.status_code == 403
    assert await platform.fingerprint() == before
    regulator = await platform.regulator()
    assert (await add(platform, regulator, holder.party)).status_code == 403  # nor a regulator
    # the party's own manager adds its staff, at once
    staff = await add(platform, holder, holder.party, "viewer")
    assert staff.status_code == 201, staff.text


async def test_one_registrar_key_cannot_mint_regulators_and_pass_four_eyes_alone(platform: Platform) -> None:
    regulator = await platform.regulator()
    registrar = platform.registrar
    # a second user of the regulator: not the registrar's to add
    second = await add(platform, registrar, regulator.party)
    assert second.status_code == 403 and problem(second) == "first-manager-only"
    # a new regulator party's first manager: a proposal, its key useless until approved
    bureau = await party(platform, "regulator")
    proposed = await add(platform, registrar, bureau)
    assert proposed.status_code == 202, proposed.text
    pending = Member(bureau, proposed.json()["key"], "regulator")
    assert (await platform.get("/api/v1/me", pending)).status_code == 401
    proposal = proposed.json()["proposal"]["id"]
    assert proposed.json()["proposal"]["params"] == {
        "party": bureau,
        "name": "某人",
        "role": "manager",
        "first": True,
        "prefix": pending.key[:12],
    }
    mine = await approve(platform, proposal, registrar)
    assert mine.status_code == 403 and problem(mine) == "proposer-may-not-decide"
    approved = await approve(platform, proposal, regulator)
    assert approved.status_code == 200, approved.text
    assert (await platform.get("/api/v1/me", pending)).status_code == 200
    # the registrar holds that manager's key: the two are one pair of eyes, whatever either proposes
    bank = await party(platform, "bank")
    banker = await add(platform, registrar, bank)
    assert banker.status_code == 202
    alone = await approve(platform, banker.json()["proposal"]["id"], pending)
    assert alone.status_code == 403 and problem(alone) == "not-independent"
    freeze = await platform.post(
        f"/api/v1/parties/{(await platform.onboard('enterprise')).party}/freeze", pending, {"reason": "x"}
    )
    assert freeze.status_code == 202
    still_alone = await approve(platform, freeze.json()["id"], pending)
    assert still_alone.status_code == 403
    assert (await approve(platform, banker.json()["proposal"]["id"], regulator)).status_code == 200


async def test_a_proposed_first_manager_is_added_once(platform: Platform) -> None:
    regulator = await platform.regulator()
    bank = await party(platform, "bank")
    first, second = (
        await add(platform, platform.registrar, bank),
        await add(platform, platform.registrar, bank),
    )
    assert (await approve(platform, first.json()["proposal"]["id"], regulator)).status_code == 200
    again = await approve(platform, second.json()["proposal"]["id"], regulator)
    assert again.status_code == 409 and problem(again) == "party-has-users-already"
    assert (await platform.get("/api/v1/me", Member(bank, second.json()["key"], "bank"))).status_code == 401


async def test_a_banks_own_managers_add_its_users_with_four_eyes(platform: Platform) -> None:
    bank = await platform.bank()
    staff = await add(platform, bank, bank.party)
    assert staff.status_code == 202, staff.text
    mine = await approve(platform, staff.json()["proposal"]["id"], bank)
    assert mine.status_code == 403
    outsider = await platform.onboard("enterprise")
    assert (await approve(platform, staff.json()["proposal"]["id"], outsider)).status_code == 404
    approved = await approve(platform, staff.json()["proposal"]["id"], await platform.regulator())
    assert approved.status_code == 200, approved.text


async def test_a_change_of_role_takes_four_eyes_and_not_the_users_own(platform: Platform) -> None:
    manager = await platform.onboard("enterprise")
    viewer = await platform.add_user(manager, manager.party, "enterprise", role="viewer")
    user = (await platform.get("/api/v1/me", viewer)).json()["user"]
    by_registrar = await platform.post(f"/api/v1/users/{user}/role", platform.registrar, {"role": "manager"})
    assert by_registrar.status_code == 404  # not a user of its party
    proposed = await platform.post(f"/api/v1/users/{user}/role", manager, {"role": "manager"})
    assert proposed.status_code == 202 and proposed.json()["action"] == "change_role", proposed.text
    assert (await platform.post("/api/v1/orders", viewer, {})).status_code == 403  # still a viewer
    for who, why in ((manager, "proposer-may-not-decide"), (platform.registrar, "not-independent")):
        refused = await approve(platform, proposed.json()["id"], who)
        assert refused.status_code == 403 and problem(refused) == why, refused.text
    approved = await approve(platform, proposed.json()["id"], await platform.regulator())
    assert approved.status_code == 200 and approved.json()["result"] == user
    me = (await platform.get("/api/v1/me", viewer)).json()
    assert me["role"] == "manager"


async def test_the_user_concerned_never_approves_its_own_promotion(platform: Platform) -> None:
    regulator, colleague = await platform.regulator(), await platform.colleague()
    third = await platform.add_user(
        regulator, regulator.party, "regulator", role="viewer", approver=platform.registrar
    )
    user = (await platform.get("/api/v1/me", third)).json()["user"]
    proposed = await platform.post(f"/api/v1/users/{user}/role", regulator, {"role": "manager"})
    assert proposed.status_code == 202
    viewer_approving = await approve(platform, proposed.json()["id"], third)
    assert viewer_approving.status_code == 403  # a viewer key, and the user concerned
    assert (await approve(platform, proposed.json()["id"], colleague)).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/orders"),
        ("POST", "/api/v1/offers"),
        ("POST", "/api/v1/listings"),
        ("POST", "/api/v1/listings/00000000-0000-4000-8000-000000000000/bids"),
        ("POST", "/api/v1/listings/00000000-0000-4000-8000-000000000000/register"),
        ("POST", "/api/v1/transfers"),
        ("POST", "/api/v1/applications"),
        ("POST", "/api/v1/cash/deposits"),
        ("POST", "/api/v1/cash/withdrawals"),
    ],
)
async def test_no_registrar_or_regulator_trades_or_moves_cash(
    platform: Platform, method: str, path: str
) -> None:
    for supervisor in (platform.registrar, await platform.regulator()):
        answer = await platform.client.request(method, path, json={}, headers=supervisor.auth)
        assert answer.status_code == 403, (supervisor.kind, answer.text)


async def test_a_bank_does_not_credit_its_own_party(platform: Platform) -> None:
    bank = await platform.bank()
    before = await platform.fingerprint()
    own = await platform.post(
        "/api/v1/cash/deposits", bank, {"party": bank.party, "amount": "1000000.00", "reference": "SELF-1"}
    )
    assert own.status_code == 403 and problem(own) == "deposit-to-own-party", own.text
    assert await platform.fingerprint() == before


async def test_the_two_roots_are_made_from_the_command_line_once_each(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """``liangshan registrar create`` and ``liangshan regulator create``: each once, each printing its
    first manager's key, the two made apart (so each is the other's second pair of eyes)."""
    monkeypatch.setenv("LIANGSHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LIANGSHAN_LEDGER_KEY", str(tmp_path / "ledger.key"))
    printed = {}
    for root, code in (
        ("registrar", credit_code("91", "360100", 1)),
        ("regulator", credit_code("11", "360000", 2)),
    ):
        assert await cli(root, "create", "--name", f"{root}甲", "--credit-code", code) == 0
        printed.update(line.split("=", 1) for line in capfd.readouterr().out.splitlines() if "=" in line)
        assert (
            await cli(root, "create", "--name", f"{root}乙", "--credit-code", credit_code("91", "360100", 3))
            == 2
        )
    assert well_formed_key(printed["REGISTRAR_KEY"]) and well_formed_key(printed["REGULATOR_KEY"])


async def test_a_supervisor_cannot_disable_the_users_who_check_it(platform: Platform) -> None:
    """Disabling users and revoking keys take powers away, and supervisors may do it to holders; but
    a regulator's, the registrar's or a bank's users are stopped by their own party only, or one
    registrar key could disable, for good, the regulators whose four eyes it needs."""
    regulator, bank, enterprise = (
        await platform.regulator(),
        await platform.bank(),
        await platform.onboard("enterprise"),
    )
    registrar = platform.registrar
    users = {
        m.kind: (await platform.get("/api/v1/me", m)).json()["user"] for m in (regulator, registrar, bank)
    }
    before = await platform.fingerprint()
    for caller, target in ((registrar, "regulator"), (registrar, "bank"), (regulator, "registrar")):
        refused = await platform.post(f"/api/v1/users/{users[target]}/disable", caller)
        assert refused.status_code in (403, 404), (caller.kind, target, refused.text)
    assert await platform.fingerprint() == before
    for member in (regulator, registrar, bank):
        assert (await platform.get("/api/v1/me", member)).status_code == 200
    holder_user = (await platform.get("/api/v1/me", enterprise)).json()["user"]
    assert (await platform.post(f"/api/v1/users/{holder_user}/disable", registrar)).status_code == 200
