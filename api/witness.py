"""``liangshan witness``: a regulator's own check that the platform shows everyone one append-only log.

Each run fetches the platform's checkpoint, checks its signature against the pinned log key (following
ledgered key rotations from it, ``settlement.rotation``), checks that it is consistent with the last
checkpoint this witness saw (kept in a local state file), cosigns it (C2SP ``tlog-cosignature``,
``cosignature/v1``, with the witness's own Ed25519 key) and hands the cosignature in. A checkpoint of
the size last seen with another root, a smaller one, or one no consistency proof joins to the last is
a **split view**: the log showed this witness two histories. The run reports both signed notes (the
evidence), keeps its state as it was, cosigns nothing and fails.

The state file holds the pinned key, the log key now in force and the last cosigned note; it is
written (atomically) before the cosignature is handed in, as C2SP ``tlog-witness`` asks of a witness.
"""

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.events import JSONObject, LedgerKeyRotated
from settlement import merkle, rotation
from settlement.checkpoint import Checkpoint, CheckpointError, open_note, parse_body, split_note
from settlement.cosignature import cosign, parse_signer_key
from settlement.entries import MalformedEntry, decode
from settlement.signing_key import read_private

API = "/api/v1/ledger"


class WitnessFailed(Exception):
    """The run could not check the checkpoint (network, a bad signature, a refusal): nothing cosigned."""


class SplitView(Exception):
    """The log showed this witness a checkpoint inconsistent with one it saw before."""

    def __init__(self, message: str, seen: str, shown: str) -> None:
        super().__init__(message)
        self.seen = seen  # the signed note this witness had cosigned
        self.shown = shown  # the signed note the log shows now


@dataclass(frozen=True, slots=True)
class State:
    pinned: str  # the log key the witness was set up with
    key: str  # the log key in force, reached from ``pinned`` by rotations
    note: str | None  # the last checkpoint note seen and cosigned

    def checkpoint(self) -> Checkpoint | None:
        return None if self.note is None else parse_body(split_note(self.note)[0])


@dataclass(frozen=True, slots=True)
class Cosigned:
    checkpoint: Checkpoint
    previous: Checkpoint | None
    rotations: int
    line: str


def load_state(path: Path, pinned: str) -> State:
    if not path.exists():
        return State(pinned, pinned, None)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        state = State(str(stored["pinned"]), str(stored["key"]), stored["note"])
        state.checkpoint()
    except (OSError, ValueError, KeyError, TypeError) as exc:  # CheckpointError is a ValueError
        raise WitnessFailed(
            f"the state file {path} is unreadable ({exc}); restore it from a backup"
        ) from None
    if state.pinned != pinned:
        raise WitnessFailed(f"{path} was kept for the log key {state.pinned}, not {pinned}")
    return state


def save_state(path: Path, state: State) -> None:
    """Write the state so that a crash leaves the old file or the new one, never half of one."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"pinned": state.pinned, "key": state.key, "note": state.note}, indent=1))
    temporary.replace(path)


def load_signer(path: Path) -> tuple[str, Ed25519PrivateKey]:
    """The witness's name and key from its key file (which only its owner may read)."""
    try:
        return parse_signer_key(read_private(path).decode().strip())
    except (CheckpointError, UnicodeDecodeError) as exc:
        raise WitnessFailed(f"{path}: {exc}") from None


async def witness(
    client: httpx.AsyncClient, state_path: Path, pinned: str, signer: tuple[str, Ed25519PrivateKey], now: int
) -> Cosigned:
    """One round: check the log's checkpoint, cosign it, keep it, hand the cosignature in."""
    state = load_state(state_path, pinned)
    note = await _text(client, f"{API}/checkpoint")
    seen = state.checkpoint()
    key, base, rotations = state.key, seen, 0
    try:
        shown = open_note(note, key)
    except CheckpointError:
        key, base, rotations = await _follow_rotations(client, state, note)
        shown = _open(note, key)
    await _check_consistent(client, base, shown, state.note or "", note)
    name, private = signer
    body = split_note(note)[0]  # the note text exactly as the log signed it
    line = cosign(body, name, private, now).removesuffix("\n")
    save_state(state_path, State(state.pinned, key, note))
    answer = await client.post(f"{API}/cosignatures", json={"checkpoint": body, "cosignature": line})
    if answer.status_code != 201:
        raise WitnessFailed(f"the platform refused the cosignature: {answer.status_code} {_detail(answer)}")
    return Cosigned(shown, seen, rotations, line)


async def _follow_rotations(
    client: httpx.AsyncClient, state: State, note: str
) -> tuple[str, Checkpoint | None, int]:
    """The log key the checkpoint should be signed by, reached from the one in force through the
    rotation entries since the last checkpoint seen; each rotation's tree (signed by the outgoing key)
    must be consistent with what was seen before it. Returns the key, the last tree so vouched for and
    how many rotations were followed."""
    try:
        claimed = parse_body(split_note(note)[0])
    except CheckpointError as exc:
        raise WitnessFailed(f"the checkpoint is malformed: {exc}") from None
    seen = state.checkpoint()
    start = seen.size if seen is not None else 0
    if claimed.size <= start:
        raise WitnessFailed(f"the checkpoint is not signed by the log key {state.key}")
    key, base, followed = state.key, seen, 0
    answer = await client.get(f"{API}/entries", params={"start": start, "end": claimed.size})
    if answer.status_code != 200:
        raise WitnessFailed(
            f"cannot read the entries for key rotations: {answer.status_code} {_detail(answer)}"
        )
    for raw in answer.content.splitlines():
        try:
            entry = decode(raw, claimed.origin)
        except MalformedEntry as exc:
            raise WitnessFailed(f"the log served a malformed entry: {exc}") from None
        if entry.kind == LedgerKeyRotated.kind:
            handover, before = _handover(entry.body, entry.seq, claimed.origin, key)
            await _check_consistent(client, base, before, state.note or "", f"{before.body()}\n{handover}\n")
            key, base, followed = handover.key, before, followed + 1
    return key, base, followed


def _handover(body: JSONObject, seq: int, origin: str, key: str) -> tuple[LedgerKeyRotated, Checkpoint]:
    """A rotation entry's handover and the tree it names, checked against the key then in force."""
    try:
        handover = LedgerKeyRotated.from_json(body)
        before = Checkpoint(origin, handover.size, base64.b64decode(handover.root, validate=True))
        rotation.check(handover, before, key)
    except (CheckpointError, KeyError, TypeError, ValueError) as exc:
        raise WitnessFailed(f"key rotation at entry {seq}: {exc}") from None
    return handover, before


def _open(note: str, key: str) -> Checkpoint:
    try:
        return open_note(note, key)
    except CheckpointError as exc:
        raise WitnessFailed(f"the checkpoint is not signed by the log key {key}: {exc}") from None


async def _check_consistent(
    client: httpx.AsyncClient, seen: Checkpoint | None, shown: Checkpoint, seen_note: str, shown_note: str
) -> None:
    """Raise ``SplitView`` unless ``shown`` extends ``seen`` (RFC 9162 §2.1.4 consistency)."""
    if seen is None or seen.size == 0:
        return  # the first checkpoint seen, or after an empty tree: any tree extends it
    if shown.origin != seen.origin:
        raise WitnessFailed(f"the checkpoint is of {shown.origin}, this witness follows {seen.origin}")
    if shown.size < seen.size:
        message = f"the log shows {shown.size} entries after showing {seen.size}: it shrank"
        raise SplitView(message, seen_note, shown_note)
    if shown.size == seen.size:
        if shown.root != seen.root:
            message = f"two different checkpoints of size {seen.size}"
            raise SplitView(message, seen_note, shown_note)
        return
    answer = await client.get(f"{API}/proof/consistency", params={"first": seen.size, "second": shown.size})
    if answer.status_code != 200:
        raise WitnessFailed(f"no consistency proof from {seen.size} to {shown.size}: {_detail(answer)}")
    try:
        path = [bytes.fromhex(h) for h in answer.json()["path"]]
    except (KeyError, TypeError, ValueError):
        path = []
    if not merkle.verify_consistency(seen.size, shown.size, path, seen.root, shown.root):
        message = f"the checkpoint of size {shown.size} is not consistent with that of size {seen.size}"
        raise SplitView(message, seen_note, shown_note)


async def _text(client: httpx.AsyncClient, path: str) -> str:
    try:
        answer = await client.get(path)
    except httpx.HTTPError as exc:
        raise WitnessFailed(f"cannot reach the platform: {exc}") from None
    if answer.status_code != 200:
        raise WitnessFailed(f"GET {path}: {answer.status_code} {_detail(answer)}")
    return answer.text


def _detail(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("detail", answer.text))
    except ValueError:
        return answer.text[:200]
