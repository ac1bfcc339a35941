"""Who sees what (DESIGN §5): the ledger's entries by reader, and parties' records.

Anyone reads the public kinds; a party reads besides every entry naming it, and proves each one
against the checkpoint; regulators and auditors holding a live read-all grant read every entry. An
outsider with no key and a replay cannot rebuild anyone's cash or holdings any more.
"""

import datetime as dt
import hashlib
import json
import uuid

import pytest

from settlement.entries import decode
from settlement.replay import LedgerState, ReplayError
from tests import independent_verifier as outsider
from tests.platform import START, Member, Platform

pytestmark = pytest.mark.anyio
PUBLIC = {"issuance.confirmed", "units.retired", "units.expired"}


async def entries(platform: Platform, reader: Member | None) -> list[bytes]:
    """Every entry ``reader`` (None: no key) is served, from the first to the checkpoint's size."""
    size = int((await platform.get("/api/v1/ledger/checkpoint")).text.split("\n")[1])
    served = await platform.get("/api/v1/ledger/entries", reader, start=0, end=size)
    assert served.status_code == 200, served.text
    assert "Authorization" in served.headers["vary"]  # no shared cache hands one reader's answer to another
    return served.content.split(b"\n")[:-1]


def naming(lines: list[bytes], party: str) -> set[bytes]:
    """The entries that name ``party`` anywhere: as actor or in the body."""
    return {line for line in lines if party.encode() in line}


def public(lines: list[bytes]) -> set[bytes]:
    return {line for line in lines if json.loads(line)["kind"] in PUBLIC}


async def trading(platform: Platform) -> tuple[Member, Member, int]:
    """A village collective's carbon sink, part of it sold to an enterprise that holds cash and
    retires some: an enterprise's position as an outsider would like to rebuild it."""
    holder, enterprise = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "CS", "1000")
    moved = await platform.post(
        "/api/v1/transfers", holder, {"issuance": issued["id"], "to": enterprise.party, "quantity": "300"}
    )
    assert moved.status_code == 201, moved.text
    assert (await platform.deposit(enterprise, "8888.88")).status_code == 201
    retired = await platform.post(
        "/api/v1/retirements",
        enterprise,
        {"issuance": issued["id"], "quantity": "10", "beneficiary": "碳中和", "purpose": "voluntary"},
    )
    assert retired.status_code == 201, retired.text
    return holder, enterprise, issued["id"]


def replayed(lines: list[bytes], origin: str) -> LedgerState:
    """An outsider's replay: apply every served entry it can, skip those it cannot explain."""
    state = LedgerState()
    for raw in lines:
        try:
            state.apply(decode(raw, origin))
        except ReplayError:
            continue
    return state


async def test_an_anonymous_replay_yields_no_partys_cash_or_holdings(platform: Platform) -> None:
    _holder, enterprise, _issuance = await trading(platform)
    snoop = await platform.onboard("enterprise")
    own = (await platform.get(f"/api/v1/parties/{enterprise.party}/cash", enterprise)).json()
    assert own["balance"] == "8888.88" and await platform.holdings(enterprise)  # a position to hide
    origin = (await platform.get("/api/v1/ledger/checkpoint")).text.split("\n")[0]

    state = replayed(await entries(platform, None), origin)

    assert state.cash == {} and state.reserved == {}  # nobody's cash
    assert not [key for key in state.holdings() if key[0] == enterprise.party]  # none of its units
    looked_up = await platform.get(f"/api/v1/parties/{enterprise.party}", snoop)
    assert looked_up.status_code == 200  # an organisation's name is public; its position is not
    assert (await platform.get(f"/api/v1/parties/{enterprise.party}/cash", snoop)).status_code == 404


async def test_anonymous_readers_get_the_public_kinds_only(platform: Platform) -> None:
    await trading(platform)
    everything = await entries(platform, await platform.regulator())
    anonymous = await entries(platform, None)
    assert anonymous == [line for line in everything if line in public(everything)]
    assert {json.loads(line)["kind"] for line in anonymous} == PUBLIC - {"units.expired"}


async def test_a_party_reads_every_entry_naming_it_and_proves_each(platform: Platform) -> None:
    holder, enterprise, _ = await trading(platform)
    key = (await platform.get("/api/v1/ledger/key")).text
    note = (await platform.get("/api/v1/ledger/checkpoint")).text
    _origin, size, root = outsider.open_checkpoint(note, key)
    everything = await entries(platform, await platform.regulator())

    mine = await entries(platform, enterprise)

    wanted = public(everything) | naming(everything, enterprise.party)
    assert mine == [line for line in everything if line in wanted]
    kinds = {json.loads(line)["kind"] for line in naming(mine, enterprise.party)}
    assert {"party.onboarded", "units.transferred", "cash.deposited", "units.retired"} <= kinds
    for line in mine:
        seq = json.loads(line)["seq"]
        proof = (await platform.get("/api/v1/ledger/proof/inclusion", seq=seq, size=size)).json()
        leaf = hashlib.sha256(b"\x00" + line).digest()
        path = [bytes.fromhex(h) for h in proof["path"]]
        assert outsider.verify_inclusion(leaf, seq, size, path, root), f"entry {seq}"

    others = await entries(platform, holder)
    private = naming(everything, enterprise.party) - public(everything)
    assert private - naming(everything, holder.party)  # entries of the enterprise's alone exist…
    assert not (private - naming(everything, holder.party)) & set(others)  # …and the holder misses them


async def test_another_party_reads_none_of_its_entries(platform: Platform) -> None:
    _, enterprise, _ = await trading(platform)
    stranger = await platform.onboard("enterprise")
    everything = await entries(platform, await platform.regulator())
    theirs = await entries(platform, stranger)
    assert not (naming(everything, enterprise.party) - public(everything)) & set(theirs)
    assert set(theirs) == public(everything) | naming(everything, stranger.party)


async def test_regulators_and_granted_auditors_read_every_entry_until_the_grant_ends(
    platform: Platform,
) -> None:
    await trading(platform)
    regulator, auditor = await platform.regulator(), await platform.onboard("enterprise")
    made = await platform.post(
        "/api/v1/ledger/grants", regulator, {"auditor": auditor.party, "expires_at": platform.later(days=90)}
    )
    assert made.status_code == 201, made.text
    grant = made.json()
    everything = await entries(platform, regulator)
    assert len(everything) == int((await platform.get("/api/v1/ledger/checkpoint")).text.split("\n")[1])
    assert await entries(platform, auditor) == everything
    listed = (await platform.get("/api/v1/ledger/grants", auditor)).json()
    assert [(g["id"], g["auditor"], g["revoked_at"]) for g in listed] == [(grant["id"], auditor.party, None)]

    revoked = await platform.post(f"/api/v1/ledger/grants/{grant['id']}/revoke", regulator)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    everything = await entries(platform, regulator)
    assert set(await entries(platform, auditor)) == public(everything) | naming(everything, auditor.party)
    again = await platform.post(f"/api/v1/ledger/grants/{grant['id']}/revoke", regulator)
    assert again.status_code == 409, again.text

    short = await platform.post(
        "/api/v1/ledger/grants", regulator, {"auditor": auditor.party, "expires_at": platform.later(hours=1)}
    )
    assert short.status_code == 201, short.text
    assert len(await entries(platform, auditor)) == len(await entries(platform, regulator))
    await platform.advance(hours=2)
    everything = await entries(platform, regulator)
    assert set(await entries(platform, auditor)) == public(everything) | naming(everything, auditor.party)
    kinds = [json.loads(line)["kind"] for line in naming(everything, auditor.party)]
    assert sorted(kinds) == sorted(
        [
            *("party.onboarded", "user.added", "key.issued"),  # the onboarding, its first manager, its key
            *("ledger.read_granted", "ledger.read_revoked", "ledger.read_granted"),
        ]
    )


async def test_a_grant_must_expire_later_and_name_a_party(platform: Platform) -> None:
    regulator, auditor = await platform.regulator(), await platform.onboard("enterprise")
    before = await platform.fingerprint()
    past = await platform.post(
        "/api/v1/ledger/grants", regulator, {"auditor": auditor.party, "expires_at": START.isoformat()}
    )
    assert past.status_code == 422 and past.json()["field"] == "expires_at", past.text
    nobody = await platform.post(
        "/api/v1/ledger/grants",
        regulator,
        {"auditor": str(uuid.uuid4()), "expires_at": platform.later(days=1)},
    )
    assert nobody.status_code == 404 and nobody.json()["field"] == "auditor", nobody.text
    unknown = await platform.post(f"/api/v1/ledger/grants/{uuid.uuid4()}/revoke", regulator)
    assert unknown.status_code == 404, unknown.text
    assert await platform.fingerprint() == before


async def test_a_persons_or_collectives_record_is_unknown_to_those_not_entitled(platform: Platform) -> None:
    household, collective = await platform.onboard("person", "360982"), await platform.onboard("collective")
    enterprise, operator = await platform.onboard("enterprise"), await platform.onboard("operator", "361028")
    unknown = await platform.get(f"/api/v1/parties/{uuid.uuid4()}", enterprise)
    for private in (household, collective):
        for stranger in (enterprise, operator, await platform.bank()):
            hidden = await platform.get(f"/api/v1/parties/{private.party}", stranger)
            assert hidden.status_code == 404, hidden.text
            assert hidden.json()["type"] == unknown.json()["type"]
            assert hidden.json()["title"] == unknown.json()["title"]
        for entitled in (private, await platform.regulator(), platform.registrar):
            shown = await platform.get(f"/api/v1/parties/{private.party}", entitled)
            assert shown.status_code == 200 and shown.json()["id"] == private.party, shown.text
    organisation = await platform.get(f"/api/v1/parties/{operator.party}", enterprise)
    assert organisation.status_code == 200 and organisation.json()["name"]

    forest = await platform.confirmed(household, "FR")
    body = {
        "depositor": household.party,
        "issuance": forest["id"],
        "quantity": "156.35",
        "mode": "custody",
        "term_start": START.date().isoformat(),
        "term_end": (START.date() + dt.timedelta(days=365)).isoformat(),
        "minimum_dividend": "10.00",
    }
    offered = await platform.post("/api/v1/contracts", operator, body)
    assert offered.status_code == 201, offered.text
    assert (await platform.get(f"/api/v1/parties/{household.party}", operator)).status_code == 404
    signed = await platform.post(f"/api/v1/contracts/{offered.json()['id']}/sign", household)
    assert signed.status_code == 200, signed.text
    shown = await platform.get(f"/api/v1/parties/{household.party}", operator)
    assert shown.status_code == 200 and shown.json()["resident_id_masked"], shown.text


async def test_the_market_tape_names_no_party(platform: Platform) -> None:
    seller, buyer = await platform.onboard("collective", "361028"), await platform.onboard("enterprise")
    issued = await platform.confirmed(seller, "CS", "1000")
    await platform.open_market(issued["instrument"], "45.00")
    await platform.deposit(buyer, "100000.00")
    for member, side in ((seller, "sell"), (buyer, "buy")):
        body = {"instrument": issued["instrument"], "side": side, "quantity": "100", "price": "45.00"}
        assert (await platform.post("/api/v1/orders", member, body)).status_code == 201
    tape = await platform.get(f"/api/v1/market/{issued['instrument']}/trades")
    prints = tape.json()["items"]
    assert len(prints) == 1 and set(prints[0]) == {"id", "trade", "price", "quantity", "aggressor", "at"}
    for party in (seller.party, buyer.party):
        assert party not in tape.text
