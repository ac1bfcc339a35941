"""Onboarding parties and keys (registrar), identifiers, authentication, cash confirmed by banks."""

from typing import Any

import pytest

from tests.platform import Member, Platform, credit_code

pytestmark = pytest.mark.anyio


async def test_natural_persons_are_shown_masked(platform: Platform) -> None:
    person = await platform.onboard("person", "361028")
    shown = (await platform.get(f"/api/v1/parties/{person.party}", person)).json()
    assert shown["resident_id_masked"].startswith("3610") and "*" * 10 in shown["resident_id_masked"]
    assert "resident_id" not in shown


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "enterprise", "credit_code": "91360100MA3ABCDE1D"}, "credit_code"),  # bad check character
        (
            {"kind": "enterprise", "credit_code": "91360100MA3ABCDEIC"},
            "credit_code",
        ),  # I is not in the alphabet
        (
            {"kind": "collective", "credit_code": "91360100MA3ABCDE1C"},
            "credit_code",
        ),  # collectives have N codes
        ({"kind": "person", "resident_id": "11010519491231002Y"}, "resident_id"),
        ({"kind": "person", "resident_id": "110105194912310021"}, "resident_id"),  # wrong check digit
        ({"kind": "person", "resident_id": "110105194913310029"}, "resident_id"),  # month 13
        ({"kind": "bank", "credit_code": "91360100MA3ABCDE1C", "division": "999999"}, "division"),
        ({"kind": "trader", "credit_code": "91360100MA3ABCDE1C"}, "kind"),
    ],
)
async def test_onboarding_checks_identifiers(platform: Platform, body: dict, field: str) -> None:
    before = await platform.fingerprint()
    refused = await platform.post(
        "/api/v1/parties", platform.registrar, {"name": "某某", "division": "360100", **body}
    )
    assert 400 <= refused.status_code < 500, refused.text
    assert refused.json()["field"] == field
    assert await platform.fingerprint() == before


async def test_the_design_example_code_is_valid_and_unique(platform: Platform) -> None:
    body = {
        "kind": "enterprise",
        "name": "南昌某公司",
        "division": "360100",
        "credit_code": "91360100MA3ABCDE1C",
    }
    assert (await platform.post("/api/v1/parties", platform.registrar, body)).status_code == 201
    again = await platform.post("/api/v1/parties", platform.registrar, body)
    assert again.status_code == 409 and again.json()["field"] == "credit_code"


async def test_only_the_registrar_onboards(platform: Platform) -> None:
    regulator = await platform.regulator()
    body = {
        "kind": "enterprise",
        "name": "x",
        "division": "360100",
        "credit_code": credit_code("91", "360100", 999),
    }
    assert (await platform.post("/api/v1/parties", regulator, body)).status_code == 403


async def test_keys_are_required_and_rotatable(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    unauthenticated = await platform.get(f"/api/v1/parties/{member.party}/holdings")
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["www-authenticate"].startswith("Bearer")
    wrong = await platform.client.get("/api/v1/me", headers={"Authorization": "Bearer ls_nope"})
    assert wrong.status_code == 401
    me = (await platform.get("/api/v1/me", member)).json()
    rotated = await platform.post(f"/api/v1/users/{me['user']}/keys", platform.registrar)
    assert rotated.status_code == 201
    second = Member(member.party, rotated.json()["key"], "enterprise")
    assert (await platform.get("/api/v1/me", second)).json()["party"]["id"] == member.party


async def test_banks_confirm_deposits_and_withdrawals(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    bank = await platform.bank()
    assert (await platform.deposit(member, "186720.00")).status_code == 201
    out = await platform.post(
        "/api/v1/cash/withdrawals", bank, {"party": member.party, "amount": "720.50", "reference": "W-1"}
    )
    assert out.status_code == 201, out.text
    account = (await platform.get(f"/api/v1/parties/{member.party}/cash", member)).json()
    assert account == {
        "party": member.party,
        "balance": "185999.50",
        "reserved": "0.00",
        "available": "185999.50",
        "bank": bank.party,
    }
    lines = (await platform.get(f"/api/v1/parties/{member.party}/cash/statement", member)).json()["items"]
    assert [(x["amount"], x["balance"]) for x in lines] == [
        ("186720.00", "186720.00"),
        ("-720.50", "185999.50"),
    ]
    assert await platform.audit() == []


@pytest.mark.parametrize(
    ("path", "amount", "reference", "status", "field"),
    [
        ("withdrawals", "100000.01", "W-2", 422, "amount"),  # more than the balance
        ("deposits", "1.001", "D-2", 422, "amount"),  # fen is the smallest unit
        ("deposits", "12", "D-1", 409, "reference"),  # the bank's reference was used already
    ],
)
async def test_bad_cash_postings_change_nothing(
    platform: Platform, path: str, amount: str, reference: str, status: int, field: str
) -> None:
    member, bank = await platform.onboard("enterprise"), await platform.bank()
    await platform.served(member)
    first = await platform.post(
        "/api/v1/cash/deposits", bank, {"party": member.party, "amount": "100000.00", "reference": "D-1"}
    )
    assert first.status_code == 201
    before = await platform.fingerprint()
    refused = await platform.post(
        f"/api/v1/cash/{path}", bank, {"party": member.party, "amount": amount, "reference": reference}
    )
    assert refused.status_code == status, refused.text
    assert refused.json()["field"] == field
    assert await platform.fingerprint() == before


async def test_only_the_bank_a_party_names_moves_its_cash(platform: Platform) -> None:
    member, stranger = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    bank, other = await platform.bank(), await platform.onboard("bank")

    async def post(path: str, by: Member, amount: str, reference: str, party: str = member.party) -> Any:
        body = {"party": party, "amount": amount, "reference": reference}
        return await platform.post(f"/api/v1/cash/{path}", by, body)

    before = await platform.fingerprint()
    unnamed = await post("deposits", bank, "100.00", "D-0")  # the party has named no bank yet
    assert unnamed.status_code == 403 and unnamed.json()["type"].endswith("/account-not-served-by-you")
    assert await platform.fingerprint() == before
    await platform.served(member, bank)
    assert (await post("deposits", bank, "1000.00", "D-1")).status_code == 201
    before = await platform.fingerprint()
    for refused in (
        await post("withdrawals", other, "600.00", "W-1"),  # another bank: not its account
        await post("deposits", other, "1.00", "D-2"),
        await post("deposits", other, "1.00", "D-3", party="00000000-0000-4000-8000-000000000000"),
    ):
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"].endswith(
            "/account-not-served-by-you"
        )  # whether the party exists or not
    assert await platform.fingerprint() == before

    named = f"/api/v1/parties/{member.party}/settlement-bank"
    for by, body, status in (
        (stranger, {"bank": other.party}, 404),  # only the party names its bank
        (member, {"bank": stranger.party}, 422),  # a bank
        (bank, {"bank": bank.party}, 404),  # not the bank either
    ):
        assert (await platform.client.put(named, json=body, headers=by.auth)).status_code == status
    assert await platform.fingerprint() == before

    await platform.served(member, other)  # the party moves its account to the other bank
    assert (await post("withdrawals", bank, "1.00", "W-2")).status_code == 403
    assert (await post("withdrawals", other, "600.00", "W-3")).status_code == 201
    account = (await platform.get(f"/api/v1/parties/{member.party}/cash", member)).json()
    assert (account["balance"], account["bank"]) == ("400.00", other.party)
    assert await platform.bodies("cash.bank_designated") == [
        {"party": member.party, "bank": bank.party},
        {"party": member.party, "bank": other.party},
    ]
    assert await platform.audit() == []


async def test_only_banks_post_cash(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    refused = await platform.post(
        "/api/v1/cash/deposits", member, {"party": member.party, "amount": "1.00", "reference": "self"}
    )
    assert refused.status_code == 403


async def test_idempotency_key_returns_the_first_answer_and_does_nothing_twice(platform: Platform) -> None:
    member = await platform.onboard("enterprise")
    bank = await platform.bank()
    await platform.served(member)
    body = {"party": member.party, "amount": "50.00", "reference": "IDEM-1"}
    first = await platform.post("/api/v1/cash/deposits", bank, body, **{"Idempotency-Key": "k-1"})
    retry = await platform.post("/api/v1/cash/deposits", bank, body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == retry.status_code == 201
    assert first.content == retry.content
    assert retry.headers["idempotent-replayed"] == "true"
    assert (await platform.get(f"/api/v1/parties/{member.party}/cash", member)).json()["balance"] == "50.00"
    reused = await platform.post(
        "/api/v1/cash/deposits", bank, {**body, "amount": "60.00"}, **{"Idempotency-Key": "k-1"}
    )
    assert reused.status_code == 422 and reused.json()["field"] == "Idempotency-Key"


async def test_lists_page_with_cursors(platform: Platform) -> None:
    for _ in range(5):
        await platform.onboard("enterprise")
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await platform.get("/api/v1/parties", platform.registrar, **params)).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 6  # five enterprises and the registrar
    bad = await platform.get("/api/v1/parties", platform.registrar, cursor="%%%")
    assert bad.status_code == 400 and bad.json()["field"] == "cursor"
