"""Epochs: when what a process keeps in memory about the registry must be read again.

A process keeps answers that rarely change — above all who an API key belongs to, which every request
asks — and must drop them as soon as a write that changes them commits. An ``Epoch`` is
a counter for one such kind of answer: it moves whenever a batch of events holding one of its kinds
is written, and again once that batch has committed (or failed to commit). A reader notes the epoch
*before* it reads the database and keeps the answer under that value; the answer is good while the
epoch has not moved. So an answer read while a change was on its way is dropped when the change
commits, one read after a commit is never older than it, and a change that rolls back costs only a
refill. Writes that do not touch these kinds (orders, trades, deposits: nearly all of them) leave
the epoch alone, so they cost no reader a new read.

A request authenticated from memory is no less current than one that read the database: either
way the guard's check runs before, and outside, the transaction that writes, so a request checked a
moment before a freeze commits is served as before; what moves units or cash is checked again inside
that transaction (below).

The epochs see only the writes of this process: the platform runs one serving process per database,
as its in-memory order books already need.

What an order reads that rarely changes is kept so already, or read with what it needs anyway: asset
classes and the fee account never change once they exist (``registry.assets``, ``api.platform``);
an instrument's terms and rules live with its book, which a change of rules rebuilds
(``market.exchange``); the party's kind and freeze that the guard checks come with its credential,
under the epoch above; a sell order reads its issuance's asset class with the seller's holdings.

A party's freeze checked *inside* a settling transaction (``registry.parties.require_none_frozen``)
stays a read of the database, in that transaction (once a party: every freeze this process writes is
written by the sequencer, in an earlier batch or this one, which forgets the check). An epoch cannot
keep it: a reader that fills a kept answer after a freeze is written but before it commits reads
"not frozen" under the moved epoch, and between the freeze's COMMIT and the moment its writer runs
again to move the epoch once more, another command in this process could settle units of the party
on that answer — after the freeze, in the ledger's order. Only a read in the settling transaction
itself sees every committed freeze without such a window. (Counting freezes in flight, from their
append until their commit has returned, and reading the database while any is, would close it and
save that one statement a party; not done.)
"""

from collections.abc import Iterable

from registry import events as ev

# what can change who a key is: its user, role, party kind, the party's freeze, or the key itself
CREDENTIAL_KINDS = frozenset(
    kind.kind
    for kind in (
        ev.PartyFrozen,
        ev.PartyUnfrozen,
        ev.UserAdded,
        ev.UserRoleChanged,
        ev.UserDisabled,
        ev.KeyIssued,
        ev.KeyRevoked,
    )
)


class Epoch:
    """A counter that moves with every written batch that holds one of ``kinds``."""

    __slots__ = ("kinds", "value")

    def __init__(self, kinds: frozenset[str]) -> None:
        self.kinds = kinds
        self.value = 0

    def move_for(self, events: Iterable[ev.Recorded]) -> None:
        """Move on if ``events`` (a batch being written, committed or failed) hold one of the kinds."""
        if any(recorded.event.kind in self.kinds for recorded in events):
            self.value += 1
