"""Errors the market raises, each named after the rule that was broken, under the registry's families
(``registry.errors``, which says how the API turns them into problems):

    InvalidInput
    ├── NotInFuture
    ├── ExpiryRequired, ExpiryOnlyForGoodTillDate
    ├── ItemsEmptyOrRepeated, ContractCoversOtherUnits, MandateSoldThroughContract
    ├── PriceNotPositive, IncrementNotPositive, ReserveBelowStartPrice, DepositOrReserveOnFixedPrice,
    │   ExtensionOutOfRange, PartialBidNotAllowed
    ├── TickNotPositive, LotNotPositive, SizeLimitsOutOfOrder, MinimumOffLot, ReferencePriceOffTick,
    │   BandOutOfRange
    NotFound
    └── UnknownInstrument, UnknownOperator, NoSuchOrder, NoSuchListing, NoSuchOffer
    Forbidden
    └── NotTheOrdersParty, NotTheOffersBuyer, NotTheOffersSeller, SellerCannotBuyOwnListing,
        SellerCannotBidOnOwnListing, NotTheListingsSeller, NotTheOperator
    RuleBroken
    ├── PriceOffTick, OutsidePriceBand, QuantityOffLot, BelowMinimumQuantity, AboveMaximumQuantity
    ├── MarketBuyWithoutBand, NoPriceBand, BelowFloorPrice, PackageNeedsValuations,
    │   BidTooLow, BidBelowStartPrice, NotAnEligibleBuyer
    ├── InsufficientUnits
    │   └── IssuanceHoldsTooFewUnits, NoIssuanceHoldsEnough
    └── Conflict
        └── InstrumentHalted, InstrumentAlreadyHalted, InstrumentNotHalted, OrderNotOpen,
            DuplicateOrderId, ListingClosed, ListingEnded, ListingIsAnAuction, FixedPriceTakesNoBids,
            AlreadyRegistered, NotRegisteredToBid, ListingHasBids, OfferClosed, OfferExpired

The market also raises the registry's shared rules (``NotOneOf``, ``UnknownParty``,
``UnknownIssuance``, and ``registry.rights.TermOver`` for a permit whose term is over). Amounts are
facts as decimal strings in display units (CNY for prices), ids as they are. The engine refuses with
codes (``market.engine.REFUSALS``); ``REFUSED`` names the error and the request field for each, and
``market.execution.refused`` fills in the facts.
"""

from market import engine as e
from registry.errors import (
    Conflict,
    Forbidden,
    InsufficientUnits,
    InvalidInput,
    NotFound,
    NotOneOf,
    RegistryError,
    RuleBroken,
)

# -- input ------------------------------------------------------------------------------------------


class NotInFuture(InvalidInput):
    title = "Not in the future"
    template = "{moment} is not in the future"


class ExpiryRequired(InvalidInput):
    title = "Expiry required"
    template = "a GTD order needs an expiry"


class ExpiryOnlyForGoodTillDate(InvalidInput):
    title = "Expiry only for GTD orders"
    template = "only a GTD order takes an expiry, not a {time_in_force} order"


class ItemsEmptyOrRepeated(InvalidInput):
    title = "Items empty or repeated"
    template = "list one or more items, each of a different issuance"


class ContractCoversOtherUnits(InvalidInput):
    title = "Contract covers other units"
    template = "contract {contract} covers other units than this item"


class MandateSoldThroughContract(InvalidInput):
    title = "Mandate sold through its contract"
    template = "sell one right under mandate at /contracts/{contract}/sell"


class PriceNotPositive(InvalidInput):
    title = "Price not positive"
    template = "the price must be positive"


class IncrementNotPositive(InvalidInput):
    title = "Increment not positive"
    template = "an English auction needs a positive increment"


class ReserveBelowStartPrice(InvalidInput):
    title = "Reserve below start price"
    template = "the reserve {reserve} CNY is below the start price {price} CNY"


class DepositOrReserveOnFixedPrice(InvalidInput):
    title = "Deposit or reserve on a fixed price"
    template = "a fixed-price listing takes neither a reserve nor a deposit"


class ExtensionOutOfRange(InvalidInput):
    title = "Extension out of range"
    template = "the anti-sniping extension is 0 to 60 minutes, not {minutes}"


class PartialBidNotAllowed(InvalidInput):
    title = "Partial bid not allowed"
    template = "bid for the whole listing; only sealed bids on fungible units may take part of it"


class TickNotPositive(InvalidInput):
    title = "Tick not positive"
    template = "the tick must be positive"


class LotNotPositive(InvalidInput):
    title = "Lot not positive"
    template = "the lot must be positive"


class SizeLimitsOutOfOrder(InvalidInput):
    title = "Size limits out of order"
    template = "the minimum order size {minimum} must be positive and at most the maximum {maximum}"


class MinimumOffLot(InvalidInput):
    title = "Minimum off lot"
    template = "the minimum order size {minimum} is not a whole number of lots of {lot}"


class ReferencePriceOffTick(InvalidInput):
    title = "Reference price off tick"
    template = "the reference price {reference_price} CNY is not a multiple of the tick {tick} CNY"


class BandOutOfRange(InvalidInput):
    title = "Band out of range"
    template = "the band is between 1 and 9999 basis points either side, not {band_bps}"


# -- objects ----------------------------------------------------------------------------------------


class UnknownInstrument(NotFound):
    title = "Unknown instrument"
    template = "no instrument {instrument}"


class UnknownTrade(NotFound):
    title = "Unknown trade"
    template = "no trade {trade} of yours"


class UnknownOperator(NotFound):
    title = "Unknown operator"
    template = "no operator {operator}"


class NoSuchOrder(NotFound):
    title = "No such order"
    template = "no order {order}"


class NoSuchListing(NotFound):
    title = "No such listing"
    template = "no listing {listing}"


class NoSuchOffer(NotFound):
    title = "No such offer"
    template = "no offer {offer}"


# -- who may act ------------------------------------------------------------------------------------


class NotTheOrdersParty(Forbidden):
    title = "Not the order's party"
    template = "only the party that entered an order may cancel or amend it"


class NotTheOffersBuyer(Forbidden):
    title = "Not the offer's buyer"
    template = "only the buyer the offer names may accept or decline it"


class NotTheOffersSeller(Forbidden):
    title = "Not the offer's seller"
    template = "only the seller may withdraw its offer"


class SellerCannotBuyOwnListing(Forbidden):
    title = "Seller cannot buy its own listing"
    template = "a seller cannot buy its own listing"


class SellerCannotBidOnOwnListing(Forbidden):
    title = "Seller cannot bid on its own listing"
    template = "a seller cannot bid on its own listing"


class NotTheListingsSeller(Forbidden):
    title = "Not the listing's seller"
    template = "only the seller may cancel its listing; a sale for an owner runs its course"


class NotTheOperator(Forbidden):
    title = "Not the operator"
    template = "an inventory is for its operator and its regulators"


# -- rules of the market ----------------------------------------------------------------------------


class PriceOffTick(RuleBroken):
    title = "Price off tick"
    template = "the price {price} CNY is not a multiple of the tick {tick} CNY"


class OutsidePriceBand(RuleBroken):
    title = "Outside the price band"
    template = "the price {price} CNY is outside the band, {low} to {high} CNY"


class QuantityOffLot(RuleBroken):
    title = "Quantity off lot"
    template = "the quantity {quantity} is not a whole number of lots of {lot}"


class BelowMinimumQuantity(RuleBroken):
    title = "Below the minimum quantity"
    template = "the quantity {quantity} is below the minimum of {minimum}"


class AboveMaximumQuantity(RuleBroken):
    title = "Above the maximum quantity"
    template = "the quantity {quantity} is above the maximum of {maximum}"


class MarketBuyWithoutBand(RuleBroken):
    title = "Market buy without a band"
    template = "this instrument has no price band, so a market buy has no limit: give a price"


class NoPriceBand(RuleBroken):
    title = "No price band yet"
    template = (
        "instrument {instrument} has no price band yet: it takes orders once the registrar sets its "
        "reference price (and its band, where its asset class declares none)"
    )


class BelowFloorPrice(RuleBroken):
    title = "Below the floor price"
    template = "the price {price} CNY is below the mandate's floor price {floor} CNY"


class PackageNeedsValuations(RuleBroken):
    title = "Package needs valuations"
    template = "a package with units under mandate needs a valid valuation of every right in it"


class BidTooLow(RuleBroken):
    title = "Bid too low"
    template = "the lowest acceptable bid is {least} CNY"


class BidBelowStartPrice(RuleBroken):
    title = "Bid below the start price"
    template = "bids start at {start} CNY"


class NotAnEligibleBuyer(RuleBroken):
    title = "Not an eligible buyer"
    template = "name another party that can hold rights"


class IssuanceHoldsTooFewUnits(InsufficientUnits):
    title = "Issuance holds too few units"
    template = (
        "you hold {free} free units of this instrument in issuance {issuance}; the order needs {needed}"
    )


class NoIssuanceHoldsEnough(InsufficientUnits):
    title = "No issuance holds enough"
    template = (
        "no issuance of yours holds {needed} free units of this instrument (the largest holds {largest}); "
        "a sell order delivers from one issuance"
    )


class InstrumentHalted(Conflict):
    title = "Instrument halted"
    template = "instrument {instrument} is halted: only limit orders that rest join the call auction"


class InstrumentAlreadyHalted(Conflict):
    title = "Instrument already halted"
    template = "instrument {instrument} is already halted"


class InstrumentNotHalted(Conflict):
    title = "Instrument not halted"
    template = "instrument {instrument} is trading, not halted"


class OrderNotOpen(Conflict):
    title = "Order not open"
    template = "order {order} is no longer open"


class DuplicateOrderId(Conflict):
    title = "Duplicate order id"
    template = "an open order already has the id {order}"


class ListingClosed(Conflict):
    title = "Listing closed"
    template = "listing {listing} is {state}"


class ListingEnded(Conflict):
    title = "Listing ended"
    template = "listing {listing} has ended and is being closed"


class ListingIsAnAuction(Conflict):
    title = "Listing is an auction"
    template = "this listing is an auction: register and bid"


class FixedPriceTakesNoBids(Conflict):
    title = "A fixed price takes no bids"
    template = "a fixed-price listing takes no bids: buy it"


class AlreadyRegistered(Conflict):
    title = "Already registered"
    template = "you are already registered for this listing"


class NotRegisteredToBid(Conflict):
    title = "Not registered to bid"
    template = "register (and lodge the deposit) before bidding"


class ListingHasBids(Conflict):
    title = "Listing has bids"
    template = "the listing has bids; it can no longer be cancelled"


class OfferClosed(Conflict):
    title = "Offer closed"
    template = "offer {offer} is {state}"


class OfferExpired(Conflict):
    title = "Offer expired"
    template = "offer {offer} lapsed at its deadline"


# the error each engine refusal is to its user, and the request field at fault
REFUSED: dict[str, tuple[type[RegistryError], str]] = {
    e.DUPLICATE_ORDER_ID: (DuplicateOrderId, "order"),
    e.UNKNOWN_SIDE: (NotOneOf, "side"),
    e.UNKNOWN_TIME_IN_FORCE: (NotOneOf, "time_in_force"),
    e.UNKNOWN_SELF_TRADE: (NotOneOf, "self_trade"),
    e.EXPIRY_REQUIRED: (ExpiryRequired, "expires_at"),
    e.HALTED: (InstrumentHalted, "instrument"),
    e.PRICE_NOT_POSITIVE: (PriceNotPositive, "price"),
    e.PRICE_OFF_TICK: (PriceOffTick, "price"),
    e.PRICE_OUTSIDE_BAND: (OutsidePriceBand, "price"),
    e.QUANTITY_OFF_LOT: (QuantityOffLot, "quantity"),
    e.BELOW_MINIMUM_QUANTITY: (BelowMinimumQuantity, "quantity"),
    e.ABOVE_MAXIMUM_QUANTITY: (AboveMaximumQuantity, "quantity"),
    e.NO_SUCH_OPEN_ORDER: (OrderNotOpen, "order"),
}


# -- the sequencer ----------------------------------------------------------------------------------


class Overloaded(RegistryError):
    """Too many writes wait for the sequencer, or it is stopping: the caller retries (503, with
    ``Retry-After``); nothing was queued."""

    title = "Too many writes waiting"
    template = "{queued} writes are waiting to be committed; retry in {retry_after} s"
