"""The matching engine: one price-time priority book per instrument, pure and deterministic.

Prices are integer ticks' worth of fen and quantities integer base units; time and ids come in with
the commands. The same sequence of commands always gives the same events, so a book is rebuilt after a
restart by replaying the open orders through the same code.

Continuous trading matches on entry at the resting order's price. While halted (and before the
first ``open``) orders are collected without matching; ``open``/``resume`` runs a call auction
(集合竞价) at the single price that maximises executed volume, then minimises the imbalance, then lies
closest to the reference price, filling in price-time order.

Events are plain tuples, cheapest to build; their first element names them:

    ("accepted", order_id)
    ("rejected", order_id, refusal)                               # refusal: one of REFUSALS
    ("trade", buy_id, sell_id, price, quantity, aggressor_side)   # aggressor None in an auction
    ("cancelled", order_id, quantity_cancelled, reason)           # an order may stay open with the rest
    ("amended", order_id, price, quantity, kept_priority)
    ("auction", price, quantity)                                  # the uncross, before its trades
"""

from bisect import bisect_left, insort
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

# Final: when the module is compiled (mypyc), these become constants rather than global lookups
BUY: Final = "buy"
SELL: Final = "sell"
GTC: Final = "GTC"
DAY: Final = "DAY"
GTD: Final = "GTD"
IOC: Final = "IOC"
FOK: Final = "FOK"
TIME_IN_FORCE: Final = (GTC, DAY, GTD, IOC, FOK)
CANCEL_NEWEST: Final = "cancel_newest"
CANCEL_OLDEST: Final = "cancel_oldest"
CANCEL_BOTH: Final = "cancel_both"
DECREMENT: Final = "decrement"
SELF_TRADE: Final = (CANCEL_NEWEST, CANCEL_OLDEST, CANCEL_BOTH, DECREMENT)

# Why an order or a command is refused: a closed set of codes, which callers map to their own errors
# (the engine knows ticks and base units, not what a user should read)
DUPLICATE_ORDER_ID: Final = "duplicate_order_id"
UNKNOWN_SIDE: Final = "unknown_side"
UNKNOWN_TIME_IN_FORCE: Final = "unknown_time_in_force"
UNKNOWN_SELF_TRADE: Final = "unknown_self_trade"
EXPIRY_REQUIRED: Final = "expiry_required"  # a GTD order without its expiry
HALTED: Final = "halted"  # while halted, only limit orders that rest join the call auction
PRICE_NOT_POSITIVE: Final = "price_not_positive"
PRICE_OFF_TICK: Final = "price_off_tick"
PRICE_OUTSIDE_BAND: Final = "price_outside_band"
QUANTITY_OFF_LOT: Final = "quantity_off_lot"
BELOW_MINIMUM_QUANTITY: Final = "below_minimum_quantity"
ABOVE_MAXIMUM_QUANTITY: Final = "above_maximum_quantity"
NO_SUCH_OPEN_ORDER: Final = "no_such_open_order"
REFUSALS: Final = (
    DUPLICATE_ORDER_ID,
    UNKNOWN_SIDE,
    UNKNOWN_TIME_IN_FORCE,
    UNKNOWN_SELF_TRADE,
    EXPIRY_REQUIRED,
    HALTED,
    PRICE_NOT_POSITIVE,
    PRICE_OFF_TICK,
    PRICE_OUTSIDE_BAND,
    QUANTITY_OFF_LOT,
    BELOW_MINIMUM_QUANTITY,
    ABOVE_MAXIMUM_QUANTITY,
    NO_SUCH_OPEN_ORDER,
)

Event = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Rules:
    """What an instrument accepts. ``band_bps`` bounds limit prices around the reference price
    (1000 = ±10%, as China's national carbon market); None means no band."""

    tick: int = 1
    lot: int = 1
    min_quantity: int = 1
    max_quantity: int = 10**15
    band_bps: int | None = None


class Order:
    __slots__ = ("expires", "id", "party", "price", "quantity", "self_trade", "side", "tif")

    def __init__(  # noqa: PLR0917  (built on every submit: positional arguments are the cheapest)
        self,
        order_id: str,
        party: str,
        side: str,
        price: int | None,
        quantity: int,
        tif: str,
        expires: int | None,
        self_trade: str,
    ) -> None:
        self.id = order_id
        self.party = party
        self.side = side
        self.price = price  # None: a market order
        self.quantity = quantity  # remaining; 0 once filled or cancelled
        self.tif = tif
        self.expires = expires
        self.self_trade = self_trade


class Level:
    """The orders resting at one price, in time priority, with their live quantity and count.

    Filled orders are passed by moving ``head``; cancelled ones stay in the list with quantity 0
    and are skipped when reached. The list is compacted when dead entries outnumber the live, so a
    long-lived level where orders come and go does not grow without bound.
    """

    __slots__ = ("count", "head", "orders", "price", "volume")

    def __init__(self, price: int) -> None:
        self.price = price
        self.volume = 0
        self.count = 0
        self.orders: list[Order] = []
        self.head = 0

    def append(self, order: Order) -> None:
        orders = self.orders
        if len(orders) > 2 * self.count + 32:
            self.orders = orders = [o for o in orders[self.head :] if o.quantity]
            self.head = 0
        orders.append(order)
        self.count += 1
        self.volume += order.quantity

    def first(self) -> Order:
        """The first live order; only called while the level has volume, so there is one."""
        orders, head = self.orders, self.head
        while not orders[head].quantity:
            head += 1
        self.head = head
        return orders[head]

    def live(self) -> list[Order]:
        return [o for o in self.orders[self.head :] if o.quantity]


class Side:
    """One side of the book: a level per price with live orders, and those prices sorted."""

    __slots__ = ("buy", "levels", "prices")

    def __init__(self, buy: bool) -> None:
        self.buy = buy
        self.levels: dict[int, Level] = {}
        self.prices: list[int] = []  # ascending

    def best(self) -> int | None:
        if not self.prices:
            return None
        return self.prices[-1] if self.buy else self.prices[0]

    def add(self, order: Order) -> None:
        price = order.price
        assert price is not None
        level = self.levels.get(price)
        if level is None:
            level = self.levels[price] = Level(price)
            insort(self.prices, price)
        level.append(order)

    def take(self, level: Level, quantity: int, done: bool) -> None:
        """Take ``quantity`` off a level (``done``: an order there has ended), dropping the level
        when it empties."""
        level.volume -= quantity
        if done:
            level.count -= 1
        if not level.volume:
            del self.levels[level.price]
            del self.prices[bisect_left(self.prices, level.price)]

    def volumes(self) -> dict[int, int]:
        return {price: level.volume for price, level in self.levels.items()}

    def depth(self, levels: int) -> list[tuple[int, int]]:
        prices = self.prices[::-1] if self.buy else self.prices
        return [(price, self.levels[price].volume) for price in prices[:levels]]

    def front(self, count: int) -> list[str]:
        """The ids of the first ``count`` live orders in priority: those orders against this side reach
        first."""
        found: list[str] = []
        for price in reversed(self.prices) if self.buy else self.prices:
            level = self.levels[price]
            for order in level.orders[level.head :]:
                if len(found) == count:
                    return found
                if order.quantity:  # a cancelled order stays in its level until compacted
                    found.append(order.id)
        return found


class Book:
    """The order book of one instrument."""

    def __init__(self, rules: Rules, reference: int | None = None, *, open_: bool = True) -> None:
        self.rules = rules
        self.reference = reference
        self._set_band()
        self.halted = not open_
        self.bids = Side(buy=True)
        self.asks = Side(buy=False)
        self.orders: dict[str, Order] = {}
        # how many commands have changed the book: its owner compares counts to tell whether a
        # failed step left the book changed (then it is rebuilt from the database)
        self.changes = 0

    # -- commands -------------------------------------------------------------------------------

    def submit(  # noqa: PLR0917  (positional parameters: the cheapest call, see below)
        self,
        order_id: str,
        party: str,
        side: str,
        quantity: int,
        price: int | None = None,
        tif: str = GTC,
        expires: int | None = None,
        self_trade: str = CANCEL_NEWEST,
    ) -> list[Event]:
        """Enter an order; ``price`` None is a market order (immediate or cancel at any price in band).

        No keyword-only parameters: compiled, that lets the call take the cheapest argument parsing."""
        order = Order(order_id, party, side, price, quantity, tif, expires, self_trade)
        tick, lot, least, most, low, high = self._limits
        # each string compared once: compiled, a comparison that fails costs more than the rest
        buy, gtc = side == BUY, tif == GTC
        rests = gtc or tif in (DAY, GTD)  # else immediate: IOC or FOK
        if (  # one cheap test on the hot path; the refusal is worked out only when there is one
            order_id in self.orders
            or not (rests or tif in (IOC, FOK))
            or self_trade not in (CANCEL_NEWEST, CANCEL_OLDEST, CANCEL_BOTH, DECREMENT)
            or not (buy or side == SELL)
            or (not gtc and tif == GTD and expires is None)
            or (price is not None and (price % tick or not low <= price <= high))
            or quantity % lot
            or not least <= quantity <= most
        ):
            refusal = self.refusal(order)
            assert refusal is not None  # it checks the same rules as the test above, one by one
            return [("rejected", order_id, refusal)]
        self.changes += 1
        events: list[Event] = [("accepted", order_id)]
        if self.halted:
            if not rests or price is None:
                return [("rejected", order_id, HALTED)]
            self._rest(order)
            return events
        if not rests and tif == FOK and not self._can_fill(order):
            events.append(("cancelled", order_id, quantity, "fill or kill: not enough at acceptable prices"))
            return events
        if buy:
            opposite, same = self.asks, self.bids
            crosses = bool(opposite.prices) and (price is None or opposite.prices[0] <= price)
        else:
            opposite, same = self.bids, self.asks
            crosses = bool(opposite.prices) and (price is None or opposite.prices[-1] >= price)
        if crosses:
            self._match(order, events)
        left = order.quantity
        if left:
            if price is None or not rests:
                events.append(("cancelled", order_id, left, "unfilled remainder"))
            else:
                self.orders[order_id] = order
                same.add(order)
        return events

    def cancel(self, order_id: str, reason: str = "cancelled by its owner") -> list[Event]:
        order = self.orders.pop(order_id, None)
        if order is None:
            return [("rejected", order_id, NO_SUCH_OPEN_ORDER)]
        self.changes += 1
        price, remaining = order.price, order.quantity
        assert price is not None
        side = self.bids if order.side == BUY else self.asks
        side.take(side.levels[price], remaining, done=True)
        order.quantity = 0  # the level skips it lazily
        return [("cancelled", order_id, remaining, reason)]

    def amend(self, order_id: str, quantity: int, price: int | None = None) -> list[Event]:
        """Quantity down at the same price keeps time priority; a new price or more quantity loses it."""
        order = self.orders.get(order_id)
        if order is None:
            return [("rejected", order_id, NO_SUCH_OPEN_ORDER)]
        assert order.price is not None
        new_price = order.price if price is None else price
        refusal = self._check_size(quantity) or self._check_price(new_price)
        if refusal is not None:
            return [("rejected", order_id, refusal)]
        self.changes += 1
        side = self.bids if order.side == BUY else self.asks
        if new_price == order.price and quantity <= order.quantity:
            side.take(side.levels[order.price], order.quantity - quantity, done=False)
            order.quantity = quantity
            return [("amended", order_id, new_price, quantity, True)]
        self.cancel(order_id)
        replacement = Order(
            order_id, order.party, order.side, new_price, quantity, order.tif, order.expires, order.self_trade
        )
        events: list[Event] = [("amended", order_id, new_price, quantity, False)]
        if self.halted:
            self._rest(replacement)
        else:
            self._match(replacement, events)
            if replacement.quantity:
                self._rest(replacement)
        return events

    def expire(self, now: int, *, end_of_day: bool = False) -> list[Event]:
        """Cancel orders due by ``now`` (GTD, and DAY orders handed the day's end as their expiry)
        and, at the day's end, every DAY order."""
        due = [
            o.id
            for o in self.orders.values()
            if (o.expires is not None and o.expires <= now) or (end_of_day and o.tif == DAY)
        ]
        events: list[Event] = []
        for order_id in due:
            events += self.cancel(order_id, "expired")
        return events

    def restore(self, order: Order) -> None:
        """Put back an order that rested on this book before, with its remaining quantity and in
        its turn: rebuilding a book from the database, so no checks and no matching."""
        self._rest(order)

    def halt(self) -> list[Event]:
        self.changes += 1
        self.halted = True
        return []

    def open(self) -> list[Event]:
        """Open (or resume after a halt) with a call auction, then trade continuously."""
        self.changes += 1
        events = self._uncross() if self.halted else []
        self.halted = False
        return events

    def set_reference(self, price: int) -> None:
        self.changes += 1
        self.reference = price
        self._set_band()

    # -- checks ---------------------------------------------------------------------------------

    def refusal(self, order: Order) -> str | None:
        """Why ``submit`` would reject ``order`` (one of ``REFUSALS``), or None: callers check before
        they reserve."""
        if order.id in self.orders:
            return DUPLICATE_ORDER_ID
        refusal = self._check_terms(order)
        if refusal is None and order.price is not None:
            refusal = self._check_price(order.price)
        return refusal or self._check_size(order.quantity)

    def _check_terms(self, order: Order) -> str | None:
        if order.side not in (BUY, SELL):
            return UNKNOWN_SIDE
        if order.tif not in TIME_IN_FORCE:
            return UNKNOWN_TIME_IN_FORCE
        if order.self_trade not in SELF_TRADE:
            return UNKNOWN_SELF_TRADE
        if order.tif == GTD and order.expires is None:
            return EXPIRY_REQUIRED
        if self.halted and (order.tif in (IOC, FOK) or order.price is None):
            return HALTED
        return None

    def _check_size(self, quantity: int) -> str | None:
        rules = self.rules
        if quantity % rules.lot:
            return QUANTITY_OFF_LOT
        if quantity < rules.min_quantity:
            return BELOW_MINIMUM_QUANTITY
        if quantity > rules.max_quantity:
            return ABOVE_MAXIMUM_QUANTITY
        return None

    def _check_price(self, price: int) -> str | None:
        if price <= 0:
            return PRICE_NOT_POSITIVE
        if price % self.rules.tick:
            return PRICE_OFF_TICK
        low, high = self._band
        if not low <= price <= high:
            return PRICE_OUTSIDE_BAND
        return None

    def band(self) -> tuple[int, int]:
        """The lowest and highest acceptable prices (whole ticks inside the band)."""
        return self._band

    def _set_band(self) -> None:
        rules = self.rules
        self._band = price_band(rules, self.reference) or (rules.tick, 10**18)
        # everything submit tests, in one tuple: the cheapest to read on the hot path
        self._limits = (rules.tick, rules.lot, rules.min_quantity, rules.max_quantity, *self._band)

    # -- matching -------------------------------------------------------------------------------

    def _rest(self, order: Order) -> None:
        self.orders[order.id] = order
        (self.bids if order.side == BUY else self.asks).add(order)

    def _limit_of(self, order: Order) -> int | None:
        """A market order trades only inside the band, when there is one."""
        if order.price is not None or self.rules.band_bps is None or self.reference is None:
            return order.price
        low, high = self._band
        return high if order.side == BUY else low

    def _can_fill(self, order: Order) -> bool:
        """Whether a fill-or-kill order fills completely before meeting its own party's orders."""
        opposite = self.asks if order.side == BUY else self.bids
        limit, wanted = self._limit_of(order), order.quantity
        for price in opposite.prices if order.side == BUY else reversed(opposite.prices):
            if not _acceptable(order.side, limit, price):
                return False
            for resting in opposite.levels[price].live():
                if resting.party == order.party:
                    return False
                wanted -= resting.quantity
                if wanted <= 0:
                    return True
        return False

    def _match(self, order: Order, events: list[Event]) -> None:
        """Trade ``order`` against the opposite side at the resting prices: the hottest loop of the
        engine, so the level's queue is walked here rather than through its methods."""
        buy = order.side == BUY
        opposite = self.asks if buy else self.bids
        prices, levels, orders = opposite.prices, opposite.levels, self.orders
        limit, party, order_id = self._limit_of(order), order.party, order.id
        while order.quantity and prices:
            price = prices[0] if buy else prices[-1]
            if limit is not None and (price > limit if buy else price < limit):
                return
            level = levels[price]
            queue = level.orders
            while order.quantity and level.volume:
                resting = queue[level.head]
                if not resting.quantity:  # cancelled or amended away: passed lazily
                    level.head += 1
                    continue
                if resting.party == party:
                    if self._prevent_self_trade(order, resting, opposite, level, events):
                        return
                    continue
                wanted, offered = order.quantity, resting.quantity
                quantity = wanted if wanted < offered else offered
                order.quantity = wanted - quantity
                resting.quantity = offered - quantity
                if buy:
                    events.append(("trade", order_id, resting.id, price, quantity, BUY))
                else:
                    events.append(("trade", resting.id, order_id, price, quantity, SELL))
                done = not resting.quantity
                if done:
                    level.head += 1
                    del orders[resting.id]
                opposite.take(level, quantity, done)

    def _prevent_self_trade(
        self, order: Order, resting: Order, opposite: Side, level: Level, events: list[Event]
    ) -> bool:
        """Apply the incoming order's self-trade rule; return True when the incoming order is done."""
        mode = order.self_trade
        if mode == DECREMENT:  # both shrink by the overlap; nothing trades
            overlap = min(order.quantity, resting.quantity)
            order.quantity -= overlap
            events.append(("cancelled", order.id, overlap, "self-trade prevented"))
            if overlap == resting.quantity:
                events += self.cancel(resting.id, "self-trade prevented")
            else:
                resting.quantity -= overlap
                opposite.take(level, overlap, done=False)
                events.append(("cancelled", resting.id, overlap, "self-trade prevented"))
            return not order.quantity
        if mode in (CANCEL_OLDEST, CANCEL_BOTH):
            events += self.cancel(resting.id, "self-trade prevented")
        if mode in (CANCEL_NEWEST, CANCEL_BOTH):
            events.append(("cancelled", order.id, order.quantity, "self-trade prevented"))
            order.quantity = 0
            return True
        return False

    def _uncross(self) -> list[Event]:
        price = self._auction_price()
        if price is None:
            return []
        events: list[Event] = [("auction", price, 0)]
        traded = 0
        while self.bids.prices and self.asks.prices:
            bid, ask = self.bids.prices[-1], self.asks.prices[0]
            if bid < price or ask > price:
                break
            buying, selling = self.bids.levels[bid], self.asks.levels[ask]
            buyer, seller = buying.first(), selling.first()
            quantity = min(buyer.quantity, seller.quantity)
            buyer.quantity -= quantity
            seller.quantity -= quantity
            events.append(("trade", buyer.id, seller.id, price, quantity, None))
            traded += quantity
            for side, level, done in ((self.bids, buying, buyer), (self.asks, selling, seller)):
                if not done.quantity:
                    del self.orders[done.id]
                side.take(level, quantity, not done.quantity)
        events[0] = ("auction", price, traded)
        return events

    def _auction_price(self) -> int | None:
        """Maximum volume, then minimum imbalance, then nearest the reference, then the lower price."""
        candidates = sorted(set(self.bids.prices) | set(self.asks.prices))
        best: tuple[int, int, int, int] | None = None
        choice = None
        for price in candidates:
            demand = sum(level.volume for p, level in self.bids.levels.items() if p >= price)
            supply = sum(level.volume for p, level in self.asks.levels.items() if p <= price)
            volume = min(demand, supply)
            if not volume:
                continue
            distance = abs(price - self.reference) if self.reference is not None else 0
            key = (-volume, abs(demand - supply), distance, price)
            if best is None or key < best:
                best, choice = key, price
        return choice

    # -- views ----------------------------------------------------------------------------------

    def depth(self, levels: int = 10) -> dict[str, list[tuple[int, int]]]:
        return {"bids": self.bids.depth(levels), "asks": self.asks.depth(levels)}

    def front(self, count: int) -> list[str]:
        """The ids of the first ``count`` resting orders of each side: what ``count`` orders may fill."""
        return self.bids.front(count) + self.asks.front(count)

    def open_orders(self) -> Iterable[Order]:
        return self.orders.values()


def price_band(rules: Rules, reference: int | None) -> tuple[int, int] | None:
    """The lowest and highest limit prices the band allows, on the tick; None without a band."""
    bps, tick = rules.band_bps, rules.tick
    if bps is None or reference is None:
        return None
    low = -(-reference * (10_000 - bps) // 10_000 // tick) * tick  # rounded up to a tick
    high = reference * (10_000 + bps) // 10_000 // tick * tick
    return max(low, tick), high


def _acceptable(side: str, limit: int | None, price: int) -> bool:
    if limit is None:
        return True
    return price <= limit if side == BUY else price >= limit
