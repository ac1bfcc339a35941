"""What the registry tells the ledger: one event per change an auditor cares about.

The registry does not know the ledger; its services hand each event to a ``Journal`` that the caller
provides (settlement implements it and writes the events in the same database transaction). Event
bodies carry opaque party ids, serial ranges and decimal strings — never names or personal ids, since
the ledger is public.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias

JSONValue: TypeAlias = None | bool | int | str | list["JSONValue"] | dict[str, "JSONValue"]

SYSTEM = "system"

PARTY_ONBOARDED = "party.onboarded"
PARTY_FROZEN = "party.frozen"
PARTY_UNFROZEN = "party.unfrozen"
APPLICATION_FILED = "application.filed"
APPLICATION_REJECTED = "application.rejected"
ISSUANCE_CONFIRMED = "issuance.confirmed"
UNITS_TRANSFERRED = "units.transferred"
UNITS_RETIRED = "units.retired"
UNITS_CANCELLED = "units.cancelled"
UNITS_FROZEN = "units.frozen"
UNITS_UNFROZEN = "units.unfrozen"
UNITS_EXPIRED = "units.expired"
UNITS_RESERVED = "units.reserved"
UNITS_RELEASED = "units.released"
TRADE_SETTLED = "trade.settled"
PACKAGE_SETTLED = "package.settled"
CASH_DEPOSITED = "cash.deposited"
CASH_WITHDRAWN = "cash.withdrawn"
VALUATION_RECORDED = "valuation.recorded"
PLEDGE_REQUESTED = "pledge.requested"
PLEDGE_WITHDRAWN = "pledge.withdrawn"
UNITS_PLEDGED = "units.pledged"  # a first lien: the units become pledged to the bank
PLEDGE_REGISTERED = "pledge.registered"  # a second lien, on units already pledged
UNITS_UNPLEDGED = "units.unpledged"
PLEDGE_RELEASED = "pledge.released"  # a second lien repaid
PLEDGE_PROMOTED = "pledge.promoted"  # the first lien repaid: the second becomes first
PLEDGE_ENFORCED = "pledge.enforced"  # the pledged units transferred to the bank
PLEDGE_SALE = "pledge.sale"  # the pledged units reserved for a forced-sale listing
PLEDGE_UNSOLD = "pledge.unsold"  # the forced sale failed: the units are pledged again
PLEDGE_PROCEEDS = "pledge.proceeds"  # the owner pays a bank out of a forced sale's proceeds
CONTRACT_SIGNED = "contract.signed"  # a buy-out delivered and paid, or units set aside under a mandate
CONTRACT_LISTED = "contract.listed"  # units under a mandate moved to a listing
CONTRACT_UNSOLD = "contract.unsold"  # back under the mandate
CONTRACT_PROCEEDS = "contract.proceeds"  # the depositor pays the operator its part of a sale
CONTRACT_DISTRIBUTED = "contract.distributed"  # the operator pays a depositor its share of a package
CONTRACT_PAID = "contract.paid"  # a year's rent or minimum dividend, operator to depositor
CONTRACT_ENDED = "contract.ended"  # the term is over: units set aside return to the depositor
CASH_RESERVED = "cash.reserved"
CASH_RELEASED = "cash.released"


@dataclass(frozen=True, slots=True)
class LedgerEvent:
    kind: str
    actor: str
    body: dict[str, JSONValue]


class Journal(Protocol):
    """Where registry services record their events; the unit of work appends them on commit."""

    def record(self, event: LedgerEvent) -> None: ...


def ranges_json(ranges: Sequence[tuple[int, int]]) -> list[JSONValue]:
    return [[first, last] for first, last in ranges]
