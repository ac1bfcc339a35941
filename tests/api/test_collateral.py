"""Banks and collateral: valuations, verification with a signed attestation that checks offline,
and pledges from the owner's request through registration (term and loan-to-value), second liens,
release and enforcement after default (``test_enforcement`` has its rules) — each through the API as
its user would, with authorisation. A bank asks about a right with its owner's consent
(``test_consents``) or a pledge request naming it."""

import copy
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from settlement import attestation
from tests import independent_verifier
from tests.platform import APPRAISER, START, Member, Platform, appraisal, cli, credit_code

pytestmark = pytest.mark.anyio
TODAY = START.date()  # the platform's clock in tests


async def valued(platform: Platform, issuance: int, value: str, bank: Member | None = None) -> dict[str, Any]:
    made = await platform.post(
        "/api/v1/valuations", bank or await platform.bank(), appraisal(issuance, value)
    )
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


async def owner_code(platform: Platform, member: Member) -> str:
    me = (await platform.get("/api/v1/me", member)).json()
    return str(me["party"]["credit_code"])


async def verify(platform: Platform, bank: Member, issuance: int, code: str, **extra: Any) -> Any:
    answer = await platform.post(
        "/api/v1/collateral/verify", bank, {"issuance": issuance, "owner_credit_code": code, **extra}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def pledge_request(platform: Platform, owner: Member, bank: Member, issuance: int, **terms: Any) -> Any:
    body = {
        "issuance": issuance,
        "bank": bank.party,
        "quantity": "400",
        "loan": "10000.00",
        "loan_term_end": (TODAY + dt.timedelta(days=365)).isoformat(),
        **terms,
    }
    return await platform.post("/api/v1/pledges", owner, body)


async def consented(platform: Platform, owner: Member, bank: Member | None = None) -> None:
    """The owner lets the bank (the test bank by default) ask about all its rights for a month."""
    body = {"bank": (bank or await platform.bank()).party, "expires_at": platform.later(days=30)}
    made = await platform.post(f"/api/v1/parties/{owner.party}/consents", owner, body)
    assert made.status_code == 201, made.text


async def test_valuations_are_recorded_by_lenders_and_seen_by_holders(platform: Platform) -> None:
    owner, stranger = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    issued = await platform.confirmed(owner, "CS", "1000")
    await consented(platform, owner)
    first = await valued(platform, issued["id"], "45000.00")
    refused = await platform.post("/api/v1/valuations", owner, {**APPRAISER, "issuance": issued["id"],
        "method": "market", "value": "1.00", "valued_on": TODAY.isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=1)).isoformat()})  # fmt: skip
    assert refused.status_code == 403
    history = await platform.get(f"/api/v1/issuances/{issued['id']}/valuations", owner)
    assert [v["id"] for v in history.json()] == [first["id"]]
    assert (await platform.get(f"/api/v1/issuances/{issued['id']}/valuations", stranger)).status_code == 404


async def test_a_bank_gets_a_signed_attestation_that_verifies_offline(
    database_url: str, tmp_path: Path
) -> None:
    async with Platform.start(database_url, tmp_path / "ledger.key") as platform:
        owner = await platform.onboard("collective", "361028")
        issued = await platform.confirmed(owner, "CS", "1000")
        await consented(platform, owner)
        await valued(platform, issued["id"], "45000.00")
        bank = await platform.bank()
        document = await verify(platform, bank, issued["id"], await owner_code(platform, owner))
        key = (await platform.get("/api/v1/ledger/key")).text
        answer = document["attestation"]["answer"]
        assert (answer["owner_holds"], answer["quantities"]["active"], answer["valuation"]["value"]) == (
            True,
            "1000",
            "45000.00",
        )
        stranger = {"issuance": issued["id"], "owner_credit_code": credit_code("91", "360100", 4242)}
        refused = await platform.post("/api/v1/collateral/verify", bank, stranger)
        assert refused.status_code == 403  # nothing about an owner who gave no consent
        refused = await platform.post(
            "/api/v1/collateral/verify",
            owner,
            {"issuance": issued["id"], "owner_credit_code": answer["owner_credit_code"]},
        )
        assert refused.status_code == 403
    # The server and its database are gone; the bank still holds proof of what it was told.
    (tmp_path / "attestation.json").write_text(json.dumps(document))
    (tmp_path / "key").write_text(key)
    verified = attestation.verify(document, key)
    assert verified.answer["quantities"]["active"] == "1000" and verified.entries >= 2
    assert independent_verifier.verify_attestation(document, key) == verified.answer  # an outsider's check
    assert (
        await cli("attestation", "verify", str(tmp_path / "attestation.json"), "--key", str(tmp_path / "key"))
        == 0
    )


async def test_a_repeated_question_gets_the_same_attestation_until_its_right_changes(
    platform: Platform,
) -> None:
    owner = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(owner, "CS", "1000")
    await consented(platform, owner)
    await valued(platform, issued["id"], "45000.00")
    bank, code = await platform.bank(), await owner_code(platform, owner)
    first = await verify(platform, bank, issued["id"], code)
    assert await verify(platform, bank, issued["id"], code) == first
    other = await platform.onboard("collective", "360121")
    await platform.confirmed(other, "CS", "500")  # the ledger grows, but not about this right
    assert await verify(platform, bank, issued["id"], code) == first
    await valued(platform, issued["id"], "52000.00", bank)
    changed = await verify(platform, bank, issued["id"], code)
    key = (await platform.get("/api/v1/ledger/key")).text
    answer = attestation.verify(changed, key).answer
    assert answer["valuation"]["value"] == "52000.00"
    assert answer["ledger_size"] > first["attestation"]["answer"]["ledger_size"]


async def test_a_bad_question_is_refused_naming_its_field_and_spoils_nothing(platform: Platform) -> None:
    owner = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(owner, "CS", "1000")
    await consented(platform, owner)
    bank, code = await platform.bank(), await owner_code(platform, owner)
    for extra, field in (
        ({"serials": {"first": 1, "last": 1001}}, "serials"),  # beyond the right
        ({"owner_credit_code": code[:-1] + ("0" if code[-1] != "0" else "1")}, "owner_credit_code"),
    ):
        body = {"issuance": issued["id"], "owner_credit_code": code, **extra}
        refused = await platform.post("/api/v1/collateral/verify", bank, body)
        assert refused.status_code in (400, 422), refused.text
        assert refused.json()["field"] == field
    assert (await verify(platform, bank, issued["id"], code))["attestation"]["answer"]["owner_holds"] is True


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["attestation"]["answer"]["quantities"].update(active="999"),  # a changed answer
        lambda d: d["attestation"]["evidence"].pop(),  # withheld evidence (the signature covers it)
        lambda d: d.update(signature=d["signature"][:-4] + "AAA="),  # a broken signature
    ],
)
async def test_a_tampered_attestation_is_rejected(platform: Platform, tamper: Any, tmp_path: Path) -> None:
    owner = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(owner, "CS", "1000")
    await consented(platform, owner)
    document = await verify(platform, await platform.bank(), issued["id"], await owner_code(platform, owner))
    key = (await platform.get("/api/v1/ledger/key")).text
    forged = copy.deepcopy(document)
    tamper(forged)
    with pytest.raises(attestation.AttestationError):
        attestation.verify(forged, key)
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    assert await cli("attestation", "verify", str(tmp_path / "forged.json"), "--key", key) == 1


async def test_an_answer_the_evidence_does_not_support_is_rejected_even_when_signed(
    platform: Platform,
) -> None:
    owner = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(owner, "CS", "1000")
    await consented(platform, owner)
    document = await verify(platform, await platform.bank(), issued["id"], await owner_code(platform, owner))
    inner = document["attestation"]
    inner["answer"]["quantities"]["active"] = "1001"
    key = platform.core.ledger.verifier_key
    evidence = [
        attestation.Evidence(e["seq"], e["entry"].encode(), [bytes.fromhex(p) for p in e["path"]])
        for e in inner["evidence"]
    ]
    resigned = attestation.build(
        origin=inner["log"],
        issued_at=inner["issued_at"],
        checkpoint=inner["checkpoint"],
        answer=inner["answer"],
        evidence=evidence,
        key=key,
        sign=platform.core.ledger.sign,
    )
    with pytest.raises(attestation.AttestationError, match="active quantity"):
        attestation.verify(resigned, key)


async def test_pledge_lifecycle_with_ltv_term_second_lien_release_and_enforcement(platform: Platform) -> None:
    owner = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(owner, "CS", "1000")
    first_bank, second_bank = await platform.bank(), await platform.onboard("bank")
    pledge = (await pledge_request(platform, owner, first_bank, issued["id"], loan="20000.00")).json()
    assert pledge["status"] == "requested"
    unvalued = await platform.post(f"/api/v1/pledges/{pledge['id']}/register", first_bank, {})
    assert unvalued.status_code == 422 and unvalued.json()["field"] == "issuance"
    valuation = (await valued(platform, issued["id"], "60000.00"))[
        "id"
    ]  # 400 of 1000: 24,000.00; × 60% = 14,400.00
    too_much = await platform.post(f"/api/v1/pledges/{pledge['id']}/register", first_bank, {})
    assert too_much.status_code == 422 and "14400.00" in too_much.json()["detail"]
    other = await platform.post(f"/api/v1/pledges/{pledge['id']}/register", second_bank, {})
    assert other.status_code == 404  # another bank's pledge: not confirmed to exist
    await platform.post(f"/api/v1/pledges/{pledge['id']}/withdraw", owner)
    early = {"early_default_allowed": True, "notice_days": 0}  # terms that let each bank declare a default
    first = (await pledge_request(platform, owner, first_bank, issued["id"], loan="10000.00", **early)).json()
    registered = await platform.post(
        f"/api/v1/pledges/{first['id']}/register", first_bank, {"allow_junior": True}
    )
    assert registered.status_code == 200, registered.text
    again = await platform.post(f"/api/v1/pledges/{first['id']}/register", second_bank, {})
    assert again.status_code == 404  # its status is not told to another bank either
    assert await platform.holdings(owner) == {
        (issued["id"], "active"): "600",
        (issued["id"], "pledged"): "400",
    }
    blocked = await platform.post(
        "/api/v1/transfers", owner, {"issuance": issued["id"], "to": first_bank.party, "quantity": "601"}
    )
    assert blocked.status_code == 422  # pledged units cannot be sold
    junior = (
        await pledge_request(
            platform, owner, second_bank, issued["id"], loan="4400.00", senior=first["id"], **early
        )
    ).json()
    assert junior["rank"] == 2
    assert (
        await platform.post(f"/api/v1/pledges/{junior['id']}/register", second_bank, {})
    ).status_code == 200
    answer = (await verify(platform, first_bank, issued["id"], await owner_code(platform, owner)))[
        "attestation"
    ]["answer"]
    assert [(lien["rank"], lien["bank"]) for lien in answer["liens"]] == [
        (1, first_bank.party),
        (2, second_bank.party),
    ]
    assert answer["quantities"]["pledged"] == "400"
    at_value = {"method": "valuation", "valuation": valuation}
    declared = {"cause": "declared"}
    assert (
        await platform.post(f"/api/v1/pledges/{first['id']}/default", first_bank, declared)
    ).status_code == 200
    refused = await platform.post(f"/api/v1/pledges/{first['id']}/enforce", first_bank, at_value)
    assert refused.status_code == 409  # a junior lien rides on the units: only a sale pays both
    assert (await platform.post(f"/api/v1/pledges/{first['id']}/release", first_bank)).status_code == 200
    promoted = (await platform.get(f"/api/v1/pledges/{junior['id']}", second_bank)).json()
    assert (promoted["rank"], promoted["status"]) == (1, "registered")
    assert (
        await platform.post(f"/api/v1/pledges/{junior['id']}/default", second_bank, declared)
    ).status_code == 200
    await platform.deposit(second_bank, "20000.00")
    enforced = await platform.post(f"/api/v1/pledges/{junior['id']}/enforce", second_bank, at_value)
    assert enforced.status_code == 200 and enforced.json()["enforcement"] == "valuation", enforced.text
    assert enforced.json()["surplus"] == "19600.00"  # 24,000.00 less the 4,400.00 secured, to the owner
    assert await platform.holdings(owner) == {(issued["id"], "active"): "600"}
    assert (await platform.get(f"/api/v1/parties/{second_bank.party}/holdings", second_bank)).json()[0][
        "quantity"
    ] == "400"
    assert await platform.audit() == []


async def test_a_loan_may_not_outrun_the_right(platform: Platform) -> None:
    owner = await platform.onboard("enterprise")
    issued = await platform.confirmed(owner, "EP", "96.000")  # term ends 2028-12-31 in the template
    late = (await pledge_request(platform, owner, await platform.bank(), issued["id"], quantity="10.000",
                                 loan="1000.00", loan_term_end="2035-01-01")).json()  # fmt: skip
    await valued(platform, issued["id"], "180000.00")  # the pledge request lets its bank value the right
    refused = await platform.post(f"/api/v1/pledges/{late['id']}/register", await platform.bank(), {})
    assert refused.status_code == 422 and refused.json()["field"] == "loan_term_end"


async def test_a_bank_cannot_see_holdings_it_was_not_offered(platform: Platform) -> None:
    owner = await platform.onboard("collective", "361028")
    await platform.confirmed(owner, "CS", "1000")
    bank = await platform.bank()
    assert (await platform.get(f"/api/v1/parties/{owner.party}/holdings", bank)).status_code == 404
    pledge = (await pledge_request(platform, owner, await platform.onboard("bank"), 1)).json()
    assert (await platform.get(f"/api/v1/pledges/{pledge['id']}", bank)).status_code == 404


async def test_a_forced_sale_pays_the_banks_senior_first_and_the_rest_to_the_owner(
    platform: Platform,
) -> None:
    owner = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(owner, "CS", "1000")
    senior_bank, junior_bank = await platform.bank(), await platform.onboard("bank")
    early = {"early_default_allowed": True, "notice_days": 0}
    senior = (
        await pledge_request(platform, owner, senior_bank, issued["id"], loan="15000.00", **early)
    ).json()
    await valued(platform, issued["id"], "100000.00")  # 400 units: 40,000.00; × 60% = 24,000.00
    await platform.post(f"/api/v1/pledges/{senior['id']}/register", senior_bank, {"allow_junior": True})
    junior = (
        await pledge_request(platform, owner, junior_bank, issued["id"], loan="9000.00", senior=senior["id"])
    ).json()
    await platform.post(f"/api/v1/pledges/{junior['id']}/register", junior_bank, {})
    buyer = await platform.onboard("enterprise")
    await platform.deposit(buyer, "100000.00")
    ends = platform.later(seconds=2)
    sale = {"method": "sale", "sale": {"mode": "sealed", "price": "50.00", "ends_at": ends}}
    refused = await platform.post(f"/api/v1/pledges/{junior['id']}/enforce", junior_bank, sale)
    assert refused.status_code == 409  # the first lien's bank sells
    undefaulted = await platform.post(f"/api/v1/pledges/{senior['id']}/enforce", senior_bank, sale)
    assert undefaulted.status_code == 409  # and only once the loan is in default
    default = {"cause": "declared"}
    assert (
        await platform.post(f"/api/v1/pledges/{senior['id']}/default", senior_bank, default)
    ).status_code == 200
    listed = await platform.post(f"/api/v1/pledges/{senior['id']}/enforce", senior_bank, sale)
    assert listed.status_code == 201, listed.text
    listing = listed.json()
    assert listing["seller"] == owner.party and listing["items"][0]["quantity"] == "400"
    assert (await platform.post(f"/api/v1/listings/{listing['id']}/cancel", owner)).status_code == 403
    await platform.post(f"/api/v1/listings/{listing['id']}/register", buyer)
    bid = await platform.post(f"/api/v1/listings/{listing['id']}/bids", buyer, {"price": "60.00"})
    assert bid.status_code == 201, bid.text
    await platform.advance(seconds=2)  # the auction ends and the scheduler closes it
    assert (await platform.get(f"/api/v1/listings/{listing['id']}")).json()["status"] == "sold"
    # 400 × 60.00 = 24,000.00: 15,000.00 to the senior bank, 9,000.00 to the junior, nothing left
    balances = [
        (await platform.get(f"/api/v1/parties/{m.party}/cash", m)).json()["balance"]
        for m in (senior_bank, junior_bank, owner)
    ]
    assert balances == ["15000.00", "9000.00", "0.00"]
    for pledge, bank in ((senior, senior_bank), (junior, junior_bank)):
        final = (await platform.get(f"/api/v1/pledges/{pledge['id']}", bank)).json()
        assert (final["status"], final["enforcement"]) == ("enforced", "sale")
    assert await platform.holdings(buyer) == {(issued["id"], "active"): "400"}
    assert await platform.audit() == []


async def test_a_fixed_price_forced_sale_pays_the_bank_when_bought(platform: Platform) -> None:
    owner = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(owner, "CS", "1000")
    bank = await platform.bank()
    terms = {"early_default_allowed": True, "notice_days": 0}
    pledge = (await pledge_request(platform, owner, bank, issued["id"], loan="15000.00", **terms)).json()
    await valued(platform, issued["id"], "100000.00")
    await platform.post(f"/api/v1/pledges/{pledge['id']}/register", bank, {})
    default = {"cause": "declared"}
    assert (await platform.post(f"/api/v1/pledges/{pledge['id']}/default", bank, default)).status_code == 200
    ends = platform.later(hours=1)
    sale = {"method": "sale", "sale": {"mode": "fixed", "price": "50.00", "ends_at": ends}}
    listing = (await platform.post(f"/api/v1/pledges/{pledge['id']}/enforce", bank, sale)).json()
    buyer = await platform.onboard("enterprise")
    await platform.deposit(buyer, "100000.00")
    assert (await platform.post(f"/api/v1/listings/{listing['id']}/buy", buyer)).status_code == 200
    # 400 × 50.00 = 20,000.00: the bank's 15,000.00 first, the owner keeps 5,000.00
    balances = [
        (await platform.get(f"/api/v1/parties/{m.party}/cash", m)).json()["balance"] for m in (bank, owner)
    ]
    assert balances == ["15000.00", "5000.00"]
    assert await platform.audit() == []


async def test_a_pledge_request_is_for_units_the_owner_holds_free(platform: Platform) -> None:
    """A pledge request names the bank as one the owner lets see the right: asked for a right held by
    someone else, it would let any party open another's right to its bank (to value it down)."""
    holder, stranger = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "CS", "1000")
    bank = await platform.bank()
    before = await platform.fingerprint()
    refused = await pledge_request(platform, stranger, bank, issued["id"])
    assert refused.status_code == 422 and refused.json()["field"] == "quantity", refused.text
    too_much = await pledge_request(platform, holder, bank, issued["id"], quantity="1001")
    assert too_much.status_code == 422 and too_much.json()["field"] == "quantity", too_much.text
    assert await platform.fingerprint() == before
    recorded = await platform.post("/api/v1/valuations", bank, appraisal(issued["id"]))
    assert recorded.status_code == 403, recorded.text  # the refused requests opened nothing
    assert (await pledge_request(platform, holder, bank, issued["id"])).status_code == 201


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run meanwhile, on any engine."""
    run: list[str] = []

    def note(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        run.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield run
    finally:
        event.remove(Engine, "before_cursor_execute", note)


async def test_an_answer_names_pledges_then_freezes_within_the_serials_asked_and_reads_in_few_statements(
    platform: Platform,
) -> None:
    owner, stranger = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    issued = await platform.confirmed(owner, "CS", "1000")
    await consented(platform, owner)
    await valued(platform, issued["id"], "45000.00")
    bank, code = await platform.bank(), await owner_code(platform, owner)
    pledge = (await pledge_request(platform, owner, bank, issued["id"])).json()
    registered = await platform.post(f"/api/v1/pledges/{pledge['id']}/register", bank, {})
    assert registered.status_code == 200, registered.text
    frozen = await platform.freeze(
        {"issuance": issued["id"], "owner": owner.party, "quantity": "100", "reason": "执行报告待核查"}
    )
    assert frozen.status_code == 200, frozen.text
    key = (await platform.get("/api/v1/ledger/key")).text
    whole = attestation.verify(await verify(platform, bank, issued["id"], code), key).answer
    assert [(lien["kind"], lien["quantity"]) for lien in whole["liens"]] == [
        ("pledge", "400"),
        ("freeze", "100"),
    ]
    assert (whole["quantities"]["active"], whole["quantities"]["pledged"], whole["quantities"]["frozen"]) == (
        "500",
        "400",
        "100",
    )
    with statements() as run:  # a fresh question, once the bank's key and permission are known
        part = await verify(platform, bank, issued["id"], code, serials={"first": 101, "last": 300})
    assert len(run) <= 6, run  # SQLite's BEGIN, the head, the right, its liens, its entries, the proofs
    answer = attestation.verify(part, key).answer
    assert answer["serials"].endswith(f"-{issued['id']}-101-300") and answer["liens"] == whole["liens"]
    assert sum(int(quantity) for quantity in answer["quantities"].values()) == 200
    regulator = await platform.regulator()  # regulators ask without consent
    unheld = await verify(platform, regulator, issued["id"], await owner_code(platform, stranger))
    assert attestation.verify(unheld, key).answer["owner_holds"] is False
    unknown = (await verify(platform, regulator, issued["id"] + 1000, code))["attestation"]["answer"]
    assert unknown["exists"] is False
