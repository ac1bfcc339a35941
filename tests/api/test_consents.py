"""Banks ask about a party's rights only with its consent: a grant to a named bank, for one right or
all of them, until an expiry, revocable at once and ledgered — or a pledge request naming the bank.
Without one a bank learns nothing, not even whether the party holds anything."""

import datetime as dt
import json
from typing import Any

import pytest

from tests.platform import START, Member, Platform, appraisal, credit_code

pytestmark = pytest.mark.anyio
TODAY = START.date()
CONSENT_REQUIRED = "https://liangshan.dev/problems/consent-required"


async def code_of(platform: Platform, member: Member) -> str:
    return str((await platform.get("/api/v1/me", member)).json()["party"]["credit_code"])


async def grant(
    platform: Platform, owner: Member, bank: Member, issuance: int | None = None, **life: float
) -> Any:
    body: dict[str, Any] = {"bank": bank.party, "expires_at": platform.later(**(life or {"days": 30}))}
    if issuance is not None:
        body["issuance"] = issuance
    made = await platform.post(f"/api/v1/parties/{owner.party}/consents", owner, body)
    assert made.status_code == 201, made.text
    return made.json()


async def ask(platform: Platform, bank: Member, issuance: int, code: str) -> Any:
    return await platform.post(
        "/api/v1/collateral/verify", bank, {"issuance": issuance, "owner_credit_code": code}
    )


async def test_without_consent_a_bank_learns_nothing_about_a_party(platform: Platform) -> None:
    owner, idle = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    issued = await platform.confirmed(owner, "CS", "1000")
    regulator, bank = await platform.regulator(), await platform.bank()
    assert (await platform.post("/api/v1/valuations", regulator, appraisal(issued["id"]))).status_code == 201
    codes = (  # a holder, a party that holds nothing of it, a code no party has
        await code_of(platform, owner),
        await code_of(platform, idle),
        credit_code("91", "360100", 4242),
    )  # read first: a key's first use is written (last used)
    before = await platform.fingerprint()
    refusals = []
    for code in codes:
        refused = await ask(platform, bank, issued["id"], code)
        assert refused.status_code == 403, refused.text
        problem = refused.json()
        assert problem["type"] == CONSENT_REQUIRED and problem["field"] == "owner_credit_code"
        refusals.append(json.dumps(problem).replace(code, "<code>"))
    assert refusals[0] == refusals[1] == refusals[2]  # the same words whoever the code names
    history = await platform.get(f"/api/v1/issuances/{issued['id']}/valuations", bank)
    assert history.status_code == 404  # nor its valuations
    recorded = await platform.post("/api/v1/valuations", bank, appraisal(issued["id"], "1.00"))
    assert recorded.status_code == 403 and recorded.json()["field"] == "issuance"  # nor value it
    assert await platform.fingerprint() == before
    supervised = await ask(platform, regulator, issued["id"], await code_of(platform, owner))
    assert supervised.status_code == 200  # regulators supervise without consent

    # a party that holds none of the right consents: that covers nothing, since an answer's evidence
    # (every entry about the right) would show the bank the holders' history instead of its own
    await grant(platform, idle, bank, issued["id"])
    await grant(platform, idle, bank)
    refused = await ask(platform, bank, issued["id"], await code_of(platform, idle))
    assert (
        refused.status_code == 403 and json.dumps(refused.json()).replace(codes[1], "<code>") == refusals[0]
    )
    assert (await platform.get(f"/api/v1/issuances/{issued['id']}/valuations", bank)).status_code == 404
    assert (
        await platform.post("/api/v1/valuations", bank, appraisal(issued["id"], "1.00"))
    ).status_code == 403


async def test_a_consent_lets_its_bank_ask_until_revoked_or_expired(platform: Platform) -> None:
    owner = await platform.onboard("collective", "361028")
    first = await platform.confirmed(owner, "CS", "1000")
    second = await platform.confirmed(owner, "CS", "500")
    bank, other = await platform.bank(), await platform.onboard("bank")
    code = await code_of(platform, owner)

    consent = await grant(platform, owner, bank, first["id"], days=30)
    assert (consent["bank"], consent["issuance"], consent["status"]) == (bank.party, first["id"], "in_force")
    answered = await ask(platform, bank, first["id"], code)
    assert answered.status_code == 200, answered.text
    assert answered.json()["attestation"]["answer"]["quantities"]["active"] == "1000"
    assert (await ask(platform, bank, first["id"], code)).status_code == 200  # asked again
    assert (await ask(platform, other, first["id"], code)).json()["type"] == CONSENT_REQUIRED  # not its bank
    assert (await ask(platform, bank, second["id"], code)).json()[
        "type"
    ] == CONSENT_REQUIRED  # not that right
    recorded = await platform.post("/api/v1/valuations", bank, appraisal(first["id"]))
    assert recorded.status_code == 201, recorded.text
    assert (await platform.get(f"/api/v1/issuances/{first['id']}/valuations", bank)).status_code == 200

    held = (await platform.get("/api/v1/consents", bank)).json()["items"]
    assert [c["id"] for c in held] == [consent["id"]]
    assert (await platform.get("/api/v1/consents", other)).json()["items"] == []
    revoked = await platform.post(f"/api/v1/parties/{owner.party}/consents/{consent['id']}/revoke", owner)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert (await ask(platform, bank, first["id"], code)).json()["type"] == CONSENT_REQUIRED  # at once
    again = await platform.post(f"/api/v1/parties/{owner.party}/consents/{consent['id']}/revoke", owner)
    assert again.status_code == 409

    everything = await grant(platform, owner, bank, hours=1)  # all its rights, for an hour
    assert everything["issuance"] is None
    for right in (first, second):
        assert (await ask(platform, bank, right["id"], code)).status_code == 200
    await platform.advance(hours=1)
    assert (await ask(platform, bank, first["id"], code)).json()["type"] == CONSENT_REQUIRED  # expired
    given = (await platform.get(f"/api/v1/parties/{owner.party}/consents", owner)).json()["items"]
    assert sorted(c["status"] for c in given) == ["expired", "revoked"]
    assert (
        await platform.get(f"/api/v1/parties/{owner.party}/consents", await platform.regulator())
    ).status_code == 200
    assert (await platform.get(f"/api/v1/parties/{owner.party}/consents", bank)).status_code == 403

    assert await platform.bodies("consent.granted") == [
        {
            "consent": consent["id"],
            "party": owner.party,
            "bank": bank.party,
            "issuance": first["id"],
            "expires_at": (START + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        },
        {
            "consent": everything["id"],
            "party": owner.party,
            "bank": bank.party,
            "issuance": None,
            "expires_at": (START + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        },
    ]
    assert await platform.bodies("consent.revoked") == [
        {"consent": consent["id"], "party": owner.party, "bank": bank.party}
    ]
    assert await platform.audit() == []


async def test_a_pledge_request_lets_the_bank_it_names_ask(platform: Platform) -> None:
    owner = await platform.onboard("collective", "361028")
    issued = await platform.confirmed(owner, "CS", "1000")
    bank, code = await platform.bank(), await code_of(platform, owner)
    body = {
        "issuance": issued["id"],
        "bank": bank.party,
        "quantity": "400",
        "loan": "10000.00",
        "loan_term_end": (TODAY + dt.timedelta(days=365)).isoformat(),
    }
    pledge = (await platform.post("/api/v1/pledges", owner, body)).json()
    assert (await platform.post("/api/v1/valuations", bank, appraisal(issued["id"]))).status_code == 201
    assert (await ask(platform, bank, issued["id"], code)).status_code == 200
    assert (await ask(platform, await platform.onboard("bank"), issued["id"], code)).status_code == 403
    await platform.post(f"/api/v1/pledges/{pledge['id']}/withdraw", owner)
    assert (await ask(platform, bank, issued["id"], code)).json()["type"] == CONSENT_REQUIRED


async def test_a_consent_is_given_only_by_its_party_to_a_bank_for_a_bounded_time(platform: Platform) -> None:
    owner, stranger = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    issued = await platform.confirmed(owner, "CS", "1000")
    bank = await platform.bank()
    consent = await grant(platform, owner, bank, issued["id"])
    before = await platform.fingerprint()
    path = f"/api/v1/parties/{owner.party}/consents"
    for by, body, status, field in (
        (owner, {"bank": bank.party, "expires_at": platform.later(seconds=-1)}, 422, "expires_at"),
        (owner, {"bank": bank.party, "expires_at": platform.later(days=367)}, 422, "expires_at"),
        (owner, {"bank": stranger.party, "expires_at": platform.later(days=1)}, 422, "bank"),
        (
            owner,
            {"bank": bank.party, "issuance": 999_999, "expires_at": platform.later(days=1)},
            404,
            "issuance",
        ),
        (stranger, {"bank": bank.party, "expires_at": platform.later(days=1)}, 404, None),  # not its party
        (
            bank,
            {"bank": bank.party, "expires_at": platform.later(days=1)},
            403,
            None,
        ),  # a bank grants nothing
    ):
        refused = await platform.post(path, by, body)
        assert refused.status_code == status, refused.text
        assert field is None or refused.json()["field"] == field
    theirs = f"/api/v1/parties/{stranger.party}/consents/{consent['id']}/revoke"
    assert (await platform.post(theirs, stranger)).status_code == 404  # another party's consent
    assert (await platform.post(f"{path}/{consent['id']}/revoke", stranger)).status_code == 404
    assert await platform.fingerprint() == before
