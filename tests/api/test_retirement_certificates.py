"""Retirement certificates a person can use: the right, standard, vintage, unit, retiring party,
beneficiary and purpose, merged serial ranges, and the ledger entry with its inclusion proof, checked
here with the project's own verifier functions; a natural person's name kept from strangers."""

import pytest

from settlement import merkle
from settlement.checkpoint import open_note
from tests.api.test_units import transfer
from tests.platform import Platform

pytestmark = pytest.mark.anyio


async def test_adjacent_ranges_merge_and_the_proof_verifies(platform: Platform) -> None:
    holder, other = await platform.onboard("enterprise"), await platform.onboard("enterprise")
    issued = await platform.confirmed(holder, "CS", "1000")
    # the holder keeps 1-700; 901-1000 and then 701-900 come back as two blocks side by side
    await transfer(platform, holder, issued["id"], other.party, "300")
    await transfer(platform, other, issued["id"], holder.party, "100")
    await transfer(platform, other, issued["id"], holder.party, "200")
    body = {
        "issuance": issued["id"],
        "quantity": "300",
        "beneficiary": "2026年马拉松碳中和",
        "purpose": "voluntary",
    }
    retired = await platform.post("/api/v1/retirements", holder, body)
    assert retired.status_code == 201, retired.text
    answer = retired.json()
    assert "reference" not in answer and answer["ledger"] is None  # the proof exists once committed
    prefix = f"CS-361028-2024-{issued['id']}"
    assert answer["serials"] == [f"{prefix}-701-1000"]

    read = await platform.get(f"/api/v1/retirements/{answer['certificate']}")  # anyone, without a key
    assert read.status_code == 200, read.text
    certificate = read.json()
    assert certificate["right"] == {
        "issuance": issued["id"],
        "serials": f"{prefix}-1-1000",
        "asset_class": "CS",
        "identifiers": {  # the class's identity: the project and its monitoring period
            name: issued["attributes"][name] for name in ("project_id", "monitoring_start", "monitoring_end")
        },
    }
    assert (certificate["standard"], certificate["vintage"], certificate["unit"]) == (
        "JX-FCER",
        2024,
        "tCO2e",
    )
    assert certificate["quantity"] == "300" and certificate["serials"] == [f"{prefix}-701-1000"]
    assert certificate["party"]["id"] == holder.party and certificate["party"]["name"].startswith("测试")
    assert (certificate["beneficiary"], certificate["purpose"]) == ("2026年马拉松碳中和", "voluntary")

    evidence = certificate["ledger"]
    key = (await platform.get("/api/v1/ledger/key")).text
    checkpoint = open_note(evidence["checkpoint"], key)  # signed by the platform's key
    assert (checkpoint.size, checkpoint.root.hex()) == (evidence["size"], evidence["root"])
    seq = evidence["seq"]
    entry = (await platform.get("/api/v1/ledger/entries", start=seq, end=seq + 1)).content.rstrip(b"\n")
    assert merkle.leaf_hash(entry).hex() == evidence["leaf_hash"]
    path = [bytes.fromhex(node) for node in evidence["path"]]
    assert merkle.verify_inclusion(merkle.leaf_hash(entry), seq, checkpoint.size, path, checkpoint.root)
    assert b'"certificate":"' + answer["certificate"].encode() in entry
    assert b'"ranges":[[701,1000]]' in entry  # the entry records the merged range too
    assert await platform.audit() == []


async def test_a_persons_name_and_beneficiary_are_not_public(platform: Platform) -> None:
    person = await platform.onboard("person", "361028")
    issued = await platform.confirmed(person, "CS", "100")
    body = {"issuance": issued["id"], "quantity": "10", "beneficiary": "张三家庭", "purpose": "voluntary"}
    number = (await platform.post("/api/v1/retirements", person, body)).json()["certificate"]
    public = (await platform.get(f"/api/v1/retirements/{number}")).json()
    assert public["party"] == {"id": person.party, "name": None} and public["beneficiary"] is None
    own = (await platform.get(f"/api/v1/retirements/{number}", person)).json()
    assert own["beneficiary"] == "张三家庭" and own["party"]["name"]
    unknown = await platform.get("/api/v1/retirements/RT-20260601-NOSUCH")
    assert unknown.status_code == 404 and unknown.json()["field"] == "certificate"
