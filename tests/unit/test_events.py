"""The event classes keep the ledger's bytes: every kind's body, as the writers wrote it before the
classes existed, reads into its class and writes back to the same canonical bytes; a ledger exported
then still verifies and replays to the same state; the README's table of kinds is the classes'."""

import json
import re
from pathlib import Path

import pytest

from registry import events as ev
from registry.records import keys
from settlement.canonical import canonical_bytes
from settlement.entries import decode
from settlement.replay import ReplayError, replay
from settlement.verify import verify

FIXTURES = Path(__file__).parent.parent / "fixtures"
BODIES = [json.loads(line) for line in (FIXTURES / "ledger-bodies.jsonl").read_text().splitlines()]
DEMO = FIXTURES / "demo-ledger"
README = Path(__file__).parent.parent.parent / "README.md"


def test_the_fixture_holds_every_kind() -> None:
    assert {entry["kind"] for entry in BODIES} == set(ev.kinds())


@pytest.mark.parametrize("entry", BODIES, ids=[entry["kind"] for entry in BODIES])
def test_each_body_reads_into_its_class_and_writes_back_the_same_bytes(entry: dict) -> None:
    event = ev.parse(entry["kind"], entry["body"])
    assert event.kind == entry["kind"]
    assert canonical_bytes(event.to_json()) == canonical_bytes(entry["body"])


def test_writers_build_the_bodies_the_old_writers_wrote() -> None:
    transfer = ev.UnitsTransferred(issuance=7, from_="a", to="b", ranges=((1, 5), (9, 9)), quantity="0.006")
    assert transfer.to_json() == {
        "issuance": 7,
        "from": "a",
        "to": "b",
        "ranges": [[1, 5], [9, 9]],
        "quantity": "0.006",
    }
    onboarded = ev.PartyOnboarded(party="p", kind_="bank", division="360100")
    assert onboarded.to_json() == {"party": "p", "kind": "bank", "division": "360100"}
    deposit = ev.CashDeposited(party="p", bank="b", amount="10.00")
    assert deposit.to_json() == {"party": "p", "bank": "b", "amount": "10.00", "currency": "CNY"}
    mine = ev.Delivery(issuance=1, ranges=((1, 2),), quantity="2")
    theirs = ev.Delivery(issuance=2, ranges=((3, 4),), quantity="2", owner="d")
    assert [mine.to_json(), theirs.to_json()] == [  # owner left out, not null, when the seller's
        {"issuance": 1, "ranges": [[1, 2]], "quantity": "2"},
        {"issuance": 2, "ranges": [[3, 4]], "quantity": "2", "owner": "d"},
    ]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"issuance": 1, "from": "a", "to": "b", "ranges": [[1, 2]]}, "quantity is missing"),
        ({"issuance": True, "from": "a", "to": "b", "ranges": [[1, 2]], "quantity": "2"}, "not an integer"),
        ({"issuance": 1, "from": "a", "to": "b", "ranges": [[2, 1]], "quantity": "2"}, "empty"),
        ({"issuance": 1, "from": "a", "to": "b", "ranges": [[1, 2]], "quantity": 2}, "not a string"),
        (
            {"issuance": 1, "from": "a", "to": "b", "ranges": [[1, 2]], "quantity": "2", "x": 1},
            "unknown field x",
        ),
    ],
)
def test_a_malformed_body_is_refused_naming_the_field(body: dict, why: str) -> None:
    with pytest.raises((KeyError, TypeError, ValueError), match=why):
        ev.parse("units.transferred", body)


@pytest.mark.parametrize("entry", BODIES, ids=[entry["kind"] for entry in BODIES])
def test_a_body_reads_the_same_with_the_acting_user_beside_it(entry: dict) -> None:
    body = {**entry["body"], ev.ACTING_USER: "6f1c1a36-3d2e-4a57-9a43-1f0f9d0c7b21"}
    assert ev.parse(entry["kind"], body) == ev.parse(entry["kind"], entry["body"])
    assert ev.acting_user(body) == body[ev.ACTING_USER] and ev.acting_user(entry["body"]) is None
    recorded = ev.Recorded(ev.parse(entry["kind"], entry["body"]), "p", body[ev.ACTING_USER])
    assert canonical_bytes(recorded.body()) == canonical_bytes(body)


def test_an_acting_user_that_is_not_a_string_is_refused() -> None:
    body = {"issuance": 1, "from": "a", "to": "b", "ranges": [[1, 2]], "quantity": "2", ev.ACTING_USER: 7}
    with pytest.raises(TypeError, match="acting_user must be a string"):
        ev.parse("units.transferred", body)
    delivery = {"issuance": 1, "ranges": [[1, 2]], "quantity": "2", ev.ACTING_USER: "u"}
    with pytest.raises(ValueError, match="unknown field acting_user"):
        ev.Delivery.from_json(delivery)  # beside an entry's body only, not inside it


def test_replay_refuses_a_malformed_body_of_a_kind_it_applies() -> None:
    lines = (DEMO / "entries.jsonl").read_bytes().splitlines()
    entries = [decode(raw, "liangshan.local/ledger") for raw in lines]
    transfer = next(e for e in entries if e.kind == "units.transferred")
    broken = transfer._replace(body={**transfer.body, "to": 5})
    with pytest.raises(ReplayError, match=r"units\.transferred: 5 is not a string"):
        replay([*entries[: transfer.seq], broken])


def test_a_ledger_exported_before_the_classes_still_verifies_and_replays_the_same() -> None:
    lines = (DEMO / "entries.jsonl").read_bytes().splitlines()
    verified = verify(lines, (DEMO / "checkpoint").read_text(), (DEMO / "key").read_text())
    assert verified.checkpoint.size == len(lines) == 364
    state = verified.state
    expected = json.loads((DEMO / "replayed.json").read_text())
    holdings = sorted(
        [owner, issuance, st, quantity] for (owner, issuance, st), quantity in state.holdings().items()
    )
    assert holdings == expected["holdings"]
    assert state.cash == expected["cash"] and state.reserved == expected["reserved"]


def test_the_readme_table_names_each_kind_and_its_fields() -> None:
    """Each row's kinds are classes, and its fields are exactly those they write: one contract."""
    section = README.read_text().split("## The ledger contract", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for row in (line for line in section.splitlines() if line.startswith("| `")):
        kinds_cell, body_cell = row.strip("|").split("|", 1)
        named = set(re.findall(r"`([a-z_]+)`", body_cell.split(" — ")[0]))
        classes = [ev.kinds()[kind] for kind in re.findall(r"`([a-z_.]+)`", kinds_cell)]
        written = [set(keys(cls)) for cls in classes]
        for cls, fields in zip(classes, written, strict=True):
            assert fields <= named, f"{cls.kind}: the README does not list {sorted(fields - named)}"
        assert named == set().union(*written), (
            f"{row}: no kind writes {sorted(named - set().union(*written))}"
        )
        documented |= {cls.kind for cls in classes}
    assert documented == set(ev.kinds())
    delivery = re.search(r"\[\{([^}]*)\}", section)
    assert delivery and delivery.group(1).replace("?", "").split(", ") == keys(ev.Delivery)
