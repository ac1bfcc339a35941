"""Who reads which ledger entries (DESIGN §5, "Who reads what").

The tree is public: its checkpoints, proofs and leaf hashes (as tiles) tell anyone that the log is
append-only and one view for all. Entry contents are not all public, because positions and cash are
commercial secrets:

- anyone, without a key, reads the entries of the *public kinds* below: what a public registry of
  rights publishes (confirmed issuances, retirements with their certificates, expiries), and the
  signing key's handovers, which every verifier and witness follows;
- a party's users read, besides, every entry that names their party, as actor or in the body;
- regulators, and auditors holding a regulator's read-all grant (``settlement.grants``), read every
  entry.

An entry left out of an answer is still in the tree: its leaf hash is in the tiles, so the reader
can check the root over entries it cannot read.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry import events as ev
from settlement.grants import holds_grant

PUBLIC_KINDS = frozenset(
    cls.kind
    for cls in (
        # Asset classes, instrument rules and halts are reference data, not ledger kinds (yet): when
        # they become kinds, they belong here.
        ev.IssuanceConfirmed,  # opaque holder id, serials, quantity, the class's attributes: no names
        ev.UnitsRetired,  # owner id, certificate number and purpose; the beneficiary is not in it
        ev.UnitsExpired,
        ev.LedgerKeyRotated,  # verifiers and witnesses follow the signing key through these
    )
)


@dataclass(frozen=True, slots=True)
class Sight:
    """What one reader may read: every entry, or the public ones and those naming ``party``."""

    everything: bool = False
    party: str | None = None


ANONYMOUS = Sight()
EVERYTHING = Sight(everything=True)


def named(event: ev.Event, actor: str) -> tuple[str, ...]:
    """The parties an entry names: its actor (unless the platform itself) and those of its body."""
    parties = (actor, *event.parties()) if actor != ev.SYSTEM else event.parties()
    return tuple(dict.fromkeys(parties))


async def sight_of(session: AsyncSession, reader: c.Actor | None, now: dt.datetime) -> Sight:
    """What ``reader`` (None: a caller without a key) may read at ``now``."""
    if reader is None:
        return ANONYMOUS
    everything = reader.kind == c.PartyKind.REGULATOR or await holds_grant(session, reader.party_id, now)
    return Sight(everything, reader.party_id)
