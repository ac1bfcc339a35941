"""The matching engine: priority, order types, self-trade prevention, bands, auctions, and the
invariants a hypothesis state machine holds over random command streams.

Each test runs on the engine as installed (compiled by mypyc where a C compiler was at hand) and on
its source run interpreted, which is what an installation without a compiler gets: both must agree.
"""

from collections import defaultdict

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from benchmarks.engine import interpreted_book
from market import engine as e
from market.engine import BUY, SELL, Rules
from market.errors import REFUSED
from market.exchange import Terms
from market.execution import refused

SOURCE = interpreted_book()
engines = pytest.mark.parametrize("book_class", [e.Book, SOURCE], ids=["installed", "source"])


def trades(events: list[e.Event]) -> list[tuple]:
    return [x[1:5] for x in events if x[0] == "trade"]


@engines
def test_price_time_priority_and_the_resting_price(book_class: type[e.Book]) -> None:
    book = book_class(Rules())
    book.submit("s1", "A", SELL, 10, 101)
    book.submit("s2", "B", SELL, 10, 100)
    book.submit("s3", "C", SELL, 10, 100)
    events = book.submit("b1", "D", BUY, 25, 105)
    assert trades(events) == [("b1", "s2", 100, 10), ("b1", "s3", 100, 10), ("b1", "s1", 101, 5)]
    assert book.depth() == {"bids": [], "asks": [(101, 5)]}


@engines
def test_the_front_of_the_book_is_what_orders_reach_first(book_class: type[e.Book]) -> None:
    """What a batch of orders may fill, read before it runs: best price first, then time; none gone."""
    book = book_class(Rules())
    for order, price in (("s1", 101), ("s2", 100), ("s3", 100), ("s4", 102)):
        book.submit(order, "A", SELL, 10, price)
    book.submit("b1", "B", BUY, 10, 98)
    book.submit("b2", "B", BUY, 10, 99)
    book.cancel("s2")
    assert book.front(2) == ["b2", "b1", "s3", "s1"]
    assert book.front(9) == ["b2", "b1", "s3", "s1", "s4"]
    assert book.front(0) == []


@engines
def test_ioc_fok_and_market_orders(book_class: type[e.Book]) -> None:
    book = book_class(Rules(), reference=100)
    book.submit("s1", "A", SELL, 10, 100)
    assert book.submit("f1", "B", BUY, 11, 100, tif=e.FOK)[-1][0] == "cancelled"
    assert book.depth()["asks"] == [(100, 10)]  # fill or kill took nothing
    events = book.submit("i1", "B", BUY, 15, 100, tif=e.IOC)
    assert trades(events) == [("i1", "s1", 100, 10)] and events[-1] == (
        "cancelled",
        "i1",
        5,
        "unfilled remainder",
    )
    book.submit("s2", "A", SELL, 5, 120)
    events = book.submit("m1", "B", BUY, 5)
    assert trades(events) == [("m1", "s2", 120, 5)]


@engines
def test_the_price_band_bounds_limits_and_market_sweeps(book_class: type[e.Book]) -> None:
    book = book_class(Rules(tick=1, band_bps=1_000), reference=100)
    assert book.band() == (90, 110)
    assert book.submit("x", "A", BUY, 1, 111) == [("rejected", "x", e.PRICE_OUTSIDE_BAND)]
    assert book.submit("y", "A", SELL, 1, 89) == [("rejected", "y", e.PRICE_OUTSIDE_BAND)]
    book.submit("s1", "A", SELL, 5, 110)
    book.set_reference(90)  # the band moves down to 81-99: the resting 110 is out of a market buy's reach
    events = book.submit("m1", "B", BUY, 5)
    assert trades(events) == [] and events[-1][0] == "cancelled"


@engines
def test_tick_lot_and_size_rules(book_class: type[e.Book]) -> None:
    book = book_class(Rules(tick=5, lot=100, min_quantity=100, max_quantity=10_000))
    for quantity, price, refusal in (
        (150, 100, e.QUANTITY_OFF_LOT),
        (100, 102, e.PRICE_OFF_TICK),
        (100, 0, e.PRICE_NOT_POSITIVE),
        (0, 100, e.BELOW_MINIMUM_QUANTITY),
        (20_000, 100, e.ABOVE_MAXIMUM_QUANTITY),
    ):
        assert book.submit("o", "A", BUY, quantity, price) == [("rejected", "o", refusal)]
    assert book.submit("ok", "A", BUY, 200, 100)[0] == ("accepted", "ok")
    assert book.submit("ok", "A", BUY, 200, 100) == [("rejected", "ok", e.DUPLICATE_ORDER_ID)]
    assert book.amend("ok", 150) == [("rejected", "ok", e.QUANTITY_OFF_LOT)]
    assert book.cancel("gone") == [("rejected", "gone", e.NO_SUCH_OPEN_ORDER)]


@engines
def test_malformed_orders_are_refused_by_code(book_class: type[e.Book]) -> None:
    book = book_class(Rules())
    assert book.submit("o", "A", "hold", 1, 100) == [("rejected", "o", e.UNKNOWN_SIDE)]
    assert book.submit("o", "A", BUY, 1, 100, tif="GTW") == [("rejected", "o", e.UNKNOWN_TIME_IN_FORCE)]
    assert book.submit("o", "A", BUY, 1, 100, self_trade="x") == [("rejected", "o", e.UNKNOWN_SELF_TRADE)]
    assert book.submit("o", "A", BUY, 1, 100, tif=e.GTD) == [("rejected", "o", e.EXPIRY_REQUIRED)]
    assert not book.orders


@pytest.mark.parametrize("refusal", e.REFUSALS)
def test_every_refusal_is_a_named_error_in_display_units(refusal: str) -> None:
    terms = Terms("EP-SO2", 3, None, Rules(tick=10, lot=1000, band_bps=1000), reference=38_900, halted=False)
    order = e.Order("o1", "A", "hold", 38_905, 1_500, "GTW", None, "x")
    error = refused(refusal, terms, order, terms.reference)
    assert type(error) is REFUSED[refusal][0] and error.field == REFUSED[refusal][1]
    assert "{" not in error.message and "38905" not in error.message  # prices in CNY: 389.05
    assert set(REFUSED) == set(e.REFUSALS)


@engines
def test_amend_keeps_priority_only_when_quantity_goes_down(book_class: type[e.Book]) -> None:
    book = book_class(Rules())
    book.submit("a", "A", BUY, 10, 100)
    book.submit("b", "B", BUY, 10, 100)
    assert book.amend("a", 5)[-1] == ("amended", "a", 100, 5, True)
    assert trades(book.submit("s", "C", SELL, 5, 100)) == [("a", "s", 100, 5)]
    book.submit("c", "A", BUY, 10, 100)
    book.amend("b", 20)  # more quantity: behind "c" now
    assert trades(book.submit("t", "C", SELL, 10, 100)) == [("c", "t", 100, 10)]


@engines
def test_self_trade_prevention_modes(book_class: type[e.Book]) -> None:
    def fresh() -> e.Book:
        book = book_class(Rules())
        book.submit("rest", "A", SELL, 10, 100)
        book.submit("other", "B", SELL, 10, 100)
        return book

    book = fresh()
    events = book.submit("new", "A", BUY, 15, 100)  # cancel newest (default)
    assert trades(events) == [] and ("cancelled", "new", 15, "self-trade prevented") in events
    book = fresh()
    events = book.submit("new", "A", BUY, 15, 100, self_trade=e.CANCEL_OLDEST)
    assert (
        trades(events) == [("new", "other", 100, 10)]
        and ("cancelled", "rest", 10, "self-trade prevented") in events
    )
    book = fresh()
    events = book.submit("new", "A", BUY, 15, 100, self_trade=e.CANCEL_BOTH)
    assert trades(events) == [] and "rest" not in book.orders and "new" not in book.orders
    book = fresh()
    events = book.submit("new", "A", BUY, 15, 100, self_trade=e.DECREMENT)
    assert trades(events) == [("new", "other", 100, 5)]  # 10 decremented against its own order, 5 traded
    assert "rest" not in book.orders and book.orders["other"].quantity == 5


@engines
def test_day_and_gtd_orders_expire(book_class: type[e.Book]) -> None:
    book = book_class(Rules())
    book.submit("g", "A", BUY, 1, 100, tif=e.GTD, expires=50)
    book.submit("d", "A", BUY, 1, 100, tif=e.DAY)
    book.submit("c", "A", BUY, 1, 100)
    assert [x[1] for x in book.expire(49)] == []
    assert [x[1] for x in book.expire(50)] == ["g"]
    assert [x[1] for x in book.expire(60, end_of_day=True)] == ["d"]
    assert list(book.orders) == ["c"]


@engines
def test_call_auction_maximises_volume_then_balance_then_nearness(book_class: type[e.Book]) -> None:
    book = book_class(Rules(), reference=100, open_=False)
    for order_id, party, side, quantity, price in [
        ("b1", "A", BUY, 10, 103),
        ("b2", "B", BUY, 10, 101),
        ("b3", "C", BUY, 10, 99),
        ("s1", "D", SELL, 10, 98),
        ("s2", "E", SELL, 10, 100),
        ("s3", "F", SELL, 5, 102),
    ]:
        assert book.submit(order_id, party, side, quantity, price)[0][0] == "accepted"
    events = book.open()
    # at 100 and 101 demand meets 20 of supply; 100 is the nearer to the reference.
    assert events[0] == ("auction", 100, 20)
    assert trades(events) == [("b1", "s1", 100, 10), ("b2", "s2", 100, 10)]
    assert book.depth() == {"bids": [(99, 10)], "asks": [(102, 5)]}
    assert not book.halted


@engines
def test_halted_books_collect_but_do_not_match(book_class: type[e.Book]) -> None:
    book = book_class(Rules())
    book.submit("s", "A", SELL, 10, 100)
    book.halt()
    assert trades(book.submit("b", "B", BUY, 10, 105)) == []
    assert book.submit("m", "B", BUY, 10) == [("rejected", "m", e.HALTED)]
    assert book.submit("i", "B", BUY, 10, 105, tif=e.IOC) == [("rejected", "i", e.HALTED)]
    assert trades(book.open()) == [("b", "s", 100, 10)]


class BookMachine(RuleBasedStateMachine):
    """Random command streams: the book never crosses, no quantity is lost, FIFO holds, replay is exact."""

    Book = e.Book

    def __init__(self) -> None:
        super().__init__()
        self.book = self.Book(Rules(tick=1, lot=1, band_bps=2_000), reference=100)
        self.commands: list[tuple] = []
        self.events: list[e.Event] = []
        self.entered: dict[str, int] = {}
        self.arrival: dict[str, int] = {}
        self.next_id = 0

    def run(self, command: tuple) -> None:
        self.commands.append(command)
        name, *args = command
        kwargs = args.pop() if args and isinstance(args[-1], dict) else {}
        before = {i: o.quantity for i, o in self.book.orders.items()}
        out = getattr(self.book, name)(*args, **kwargs)
        for event in out:
            if event[0] == "accepted":
                self.entered[event[1]] = args[3]
                self.arrival[event[1]] = len(self.commands)
            elif event[0] == "amended":  # as if the open part were cancelled and the new one entered
                self.entered[event[1]] += event[3] - before[event[1]]
                if not event[4]:
                    self.arrival[event[1]] = len(self.commands)
        self.events += out

    @rule(
        side=st.sampled_from([BUY, SELL]),
        party=st.sampled_from("ABC"),
        quantity=st.integers(1, 20),
        price=st.none() | st.integers(85, 115),
        tif=st.sampled_from(e.TIME_IN_FORCE),
        stp=st.sampled_from(e.SELF_TRADE),
    )
    def submit(self, side: str, party: str, quantity: int, price: int | None, tif: str, stp: str) -> None:
        self.next_id += 1
        kwargs = {"tif": tif, "expires": 5 if tif == e.GTD else None, "self_trade": stp}
        self.run(("submit", f"o{self.next_id}", party, side, quantity, price, kwargs))

    @precondition(lambda self: self.book.orders)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        self.run(("cancel", data.draw(st.sampled_from(sorted(self.book.orders)))))

    @precondition(lambda self: self.book.orders)
    @rule(data=st.data(), quantity=st.integers(1, 20), price=st.none() | st.integers(85, 115))
    def amend(self, data: st.DataObject, quantity: int, price: int | None) -> None:
        self.run(("amend", data.draw(st.sampled_from(sorted(self.book.orders))), quantity, price))

    @rule(now=st.integers(0, 10), end=st.booleans())
    def expire(self, now: int, end: bool) -> None:
        self.run(("expire", now, {"end_of_day": end}))

    @rule()
    def halt_and_reopen(self) -> None:
        self.run(("halt",))
        self.run(("open",))

    @invariant()
    def refusals_are_codes(self) -> None:
        assert {x[2] for x in self.events if x[0] == "rejected"} <= set(e.REFUSALS)

    @invariant()
    def never_crossed(self) -> None:
        bid, ask = self.book.bids.best(), self.book.asks.best()
        assert bid is None or ask is None or bid < ask

    @invariant()
    def levels_hold_exactly_the_open_orders(self) -> None:
        for side_name, side in ((BUY, self.book.bids), (SELL, self.book.asks)):
            live: dict[int, int] = defaultdict(int)
            for order in self.book.orders.values():
                if order.side == side_name:
                    assert order.quantity > 0
                    live[order.price] += order.quantity
            assert dict(live) == side.volumes()
            assert side.prices == sorted(live)
            for level in side.levels.values():
                assert level.count == len(level.live())

    @invariant()
    def filled_plus_open_plus_cancelled_is_entered(self) -> None:
        filled: dict[str, int] = defaultdict(int)
        cancelled: dict[str, int] = defaultdict(int)
        for event in self.events:
            if event[0] == "trade":
                filled[event[1]] += event[4]
                filled[event[2]] += event[4]
            elif event[0] == "cancelled":
                cancelled[event[1]] += event[2]
        for order_id, quantity in self.entered.items():
            open_ = self.book.orders[order_id].quantity if order_id in self.book.orders else 0
            assert filled[order_id] + open_ + cancelled[order_id] == quantity, order_id

    @invariant()
    def fifo_within_a_price(self) -> None:
        for side in (self.book.bids, self.book.asks):
            for level in side.levels.values():
                live = [o.id for o in level.live()]
                assert live == sorted(live, key=lambda i: self.arrival[i])

    def teardown(self) -> None:
        again = type(self)()
        for command in self.commands:
            again.run(command)
        assert again.events == self.events  # deterministic


class SourceBookMachine(BookMachine):
    Book = SOURCE


TestInstalledBook = BookMachine.TestCase
TestSourceBook = SourceBookMachine.TestCase
for machine in (TestInstalledBook, TestSourceBook):
    machine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
