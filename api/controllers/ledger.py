"""The read side of the ledger (DESIGN §5), for outside verifiers, and the door its witnesses hand
their cosignatures in at.

The key, checkpoints and proofs are public. Entries are served as the stored canonical bytes, byte
for byte, but only those the caller may read (``settlement.visibility``): the public kinds without a
key; with one, also those naming the key's party, or all of them for regulators and granted
auditors. Proofs are hex, checkpoints and the verifier key are the C2SP text formats; the checkpoint
carries the cosignatures of the configured witnesses that have cosigned its size.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.response import Stream

from api.access import ReaderDep, public
from api.platform import PlatformDep
from api.schemas import MAX_SEQ, CosignatureIn
from settlement import witnesses
from settlement.visibility import sight_of

TEXT = "text/plain; charset=utf-8"
NDJSON = "application/x-ndjson"
CHUNK = 5_000  # entries per database read while streaming


class LedgerController(Controller):
    path = "/api/v1/ledger"
    tags = ["ledger"]

    @get(
        "/key",
        summary="C2SP verifier key of the ledger (one token, no line break)",
        media_type=TEXT,
        opt=public(),
    )
    async def key(self, platform: PlatformDep) -> Response[str]:
        return Response(platform.ledger.verifier_key, media_type=TEXT)

    @get(
        "/checkpoint",
        summary="Latest signed checkpoint (C2SP tlog-checkpoint in a signed note), with the "
        "cosignatures (C2SP tlog-cosignature) of the configured witnesses that cosigned it",
        media_type=TEXT,
        opt=public(),
    )
    async def checkpoint(self, platform: PlatformDep) -> Response[str]:
        async with platform.database.reads() as session:
            note = await platform.ledger.checkpoint(session)
            note = await witnesses.cosigned(session, note, platform.witnesses)
        return Response(note, media_type=TEXT, headers={"Cache-Control": "no-cache"})

    @post(
        "/cosignatures",
        summary="Hand in a witness's cosignature of a checkpoint of this ledger (C2SP tlog-cosignature); "
        "kept only from a configured witness, if it verifies, for a checkpoint this ledger has",
        opt=public(write=True),
    )
    async def cosign(self, data: JSONBody[CosignatureIn], platform: PlatformDep) -> dict[str, object]:
        async with platform.database.writes() as session, session.begin():
            witness, checkpoint, timestamp = await witnesses.accept(
                session, platform.ledger, platform.witnesses, data.checkpoint, data.cosignature
            )
        return {"witness": witness.vkey, "size": checkpoint.size, "timestamp": timestamp}

    @get(
        "/entries",
        summary="Stored canonical entries start … end-1 the caller may read, one per line",
        description=(
            "Without a key: the public kinds (confirmed issuances, retirements, expiries, signing-key "
            "handovers). With a key: also every entry naming the key's party; regulators and auditors "
            "holding a read-all grant read every entry. The others are left out; their leaf hashes are "
            "in the tiles."
        ),
        media_type=NDJSON,
        opt=public(identifies=True),
    )
    async def entries(
        self,
        platform: PlatformDep,
        reader: ReaderDep,
        start: Annotated[int, QueryParameter(ge=0, le=MAX_SEQ)],
        end: Annotated[int, QueryParameter(ge=0, le=MAX_SEQ)],
    ) -> Stream:
        async with platform.database.reads() as session:
            await platform.ledger.check_entries_range(session, start, end)
            sight = await sight_of(session, reader, platform.now())

        async def lines() -> AsyncIterator[bytes]:
            for chunk in range(start, end, CHUNK):
                async with platform.database.reads() as session:
                    raw = await platform.ledger.entries(session, chunk, min(end, chunk + CHUNK), sight)
                yield b"".join(entry + b"\n" for entry in raw)

        return Stream(lines(), media_type=NDJSON, headers={"Vary": "Authorization"})  # one answer per reader

    @get(
        "/proof/inclusion",
        summary="RFC 9162 inclusion proof of entry seq in the tree of the given size",
        opt=public(),
    )
    async def inclusion(
        self,
        platform: PlatformDep,
        seq: Annotated[int, QueryParameter(ge=0, le=MAX_SEQ)],
        size: Annotated[int, QueryParameter(ge=1, le=MAX_SEQ)],
    ) -> dict[str, object]:
        async with platform.database.reads() as session:
            proof = await platform.ledger.inclusion(session, seq, size)
        return {
            "seq": proof.seq,
            "size": proof.size,
            "leaf_hash": proof.leaf_hash.hex(),
            "path": [h.hex() for h in proof.path],
            "root": proof.root.hex(),
        }

    @get("/proof/consistency", summary="RFC 9162 consistency proof between two tree sizes", opt=public())
    async def consistency(
        self,
        platform: PlatformDep,
        first: Annotated[int, QueryParameter(ge=1, le=MAX_SEQ)],
        second: Annotated[int, QueryParameter(ge=1, le=MAX_SEQ)],
    ) -> dict[str, object]:
        async with platform.database.reads() as session:
            proof = await platform.ledger.consistency(session, first, second)
        return {
            "first": proof.first,
            "second": proof.second,
            "path": [h.hex() for h in proof.path],
            "first_root": proof.first_root.hex(),
            "second_root": proof.second_root.hex(),
        }
