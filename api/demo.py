"""Deterministic demo data for Jiangxi: parties in every city, rights of all four kinds, and some
transfers, retirements, freezes and payments, so the ledger has a few hundred entries to verify.

Everything goes through the same use cases as the API, so the demo is also a smoke test of them.
Names come from Faker's ``zh_CN`` locale, identifiers carry valid check characters, and the same
seed gives the same parties, rights and quantities every time.
"""

import datetime as dt
import math
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from faker import Faker

from api.platform import Platform
from market import execution, listings, negotiated, orders, rules
from market.exchange import Market
from market.tables import Side
from registry import cash, credentials, decisions, parties, rights, units
from registry import context as c
from registry.certificates import Purpose
from registry.identifiers import CREDIT_CODE_ALPHABET, credit_code_check_char, resident_id_check_char
from registry.tables import IssuanceRow
from settlement.unit_of_work import UnitOfWork

T = TypeVar("T")
SEED = 2026
CITIES = {  # city → counties the demo places rights in
    "360100": ["360121", "360123", "360124"],
    "360200": ["360222", "360281"],
    "360300": ["360321", "360323"],
    "360400": ["360423", "360424", "360483"],
    "360500": ["360521"],
    "360600": ["360681"],
    "360700": ["360725", "360734", "360781"],
    "360800": ["360827", "360881"],
    "360900": ["360925", "360926"],
    "361000": ["361028", "361023"],
    "361100": ["361130", "361124"],
}
# each county's seat (longitude, latitude, roughly): demo forest parcels lie in a grid in the hills
# to its north-east, one grid cell (0.015°, over 1.4 km) per parcel, so that no two overlap
COUNTY_SEATS = {
    "360121": (115.94, 28.55),
    "360123": (115.55, 28.84),
    "360124": (116.24, 28.38),
    "360222": (117.22, 29.35),
    "360281": (117.13, 28.96),
    "360321": (113.96, 27.13),
    "360323": (114.03, 27.63),
    "360423": (115.10, 29.26),
    "360424": (114.55, 29.03),
    "360483": (116.05, 29.45),
    "360521": (114.69, 27.81),
    "360681": (117.24, 28.29),
    "360725": (114.31, 25.68),
    "360734": (115.65, 24.95),
    "360781": (116.03, 25.89),
    "360827": (114.52, 26.31),
    "360881": (114.29, 26.75),
    "360925": (115.36, 28.86),
    "360926": (114.37, 28.52),
    "361028": (117.06, 27.71),
    "361023": (116.53, 27.22),
    "361130": (117.86, 29.25),
    "361124": (117.71, 28.31),
}
GRID = 0.015
POLLUTANTS = [("COD", "water"), ("NH3-N", "water"), ("SO2", "air"), ("NOx", "air")]
SPECIES = ["杉木", "马尾松", "毛竹", "湿地松", "香樟", "木荷", "油茶"]


def square_parcel(county: str, n: int, mu: str) -> dict[str, Any]:
    """The ``n``-th demo parcel of ``county``: a square of ``mu`` 亩 in its own grid cell."""
    seat_lon, seat_lat = COUNTY_SEATS[county]
    west = seat_lon + GRID * (1 + n % 8)
    south = seat_lat + GRID * (1 + n // 8)
    side = math.sqrt(float(mu) * 10_000 / 15)  # metres: 1 亩 = 10,000/15 m²
    east = west + side / (111_320 * math.cos(math.radians(south)))
    north = south + side / 110_900
    corners = [(west, south), (east, south), (east, north), (west, north), (west, south)]
    return {"type": "Polygon", "coordinates": [[[f"{x:.7f}", f"{y:.7f}"] for x, y in corners]]}


@dataclass
class Cast:
    """The parties the demo creates and one manager key per kind of user."""

    registrar: credentials.IssuedKey
    keys: dict[str, credentials.IssuedKey] = field(default_factory=dict)
    actors: dict[str, c.Actor] = field(default_factory=dict)
    by_kind: dict[c.PartyKind, list[str]] = field(default_factory=dict)


class Demo:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.rng = random.Random(SEED)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(SEED)

    def _ids(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    async def run(self, use_case: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        work = UnitOfWork(self.platform.database.writes, self.platform.ledger, self.platform.clock, self._ids)
        async with work:
            result = await use_case(work)
            await work.commit()
        return result

    def credit_code(self, head: str, division: str) -> str:
        body = head + division + "".join(self.rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
        return body + credit_code_check_char(body)

    def resident_id(self, division: str) -> str:
        born = dt.date(1950, 1, 1) + dt.timedelta(days=self.rng.randrange(20_000))
        body = f"{division}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
        return body + resident_id_check_char(body)

    async def seed(self) -> Cast:
        key = await self.run(
            lambda w: parties.bootstrap(
                w,
                kind=c.PartyKind.REGISTRAR,
                name="江西省公共资源交易集团（两山平台运营）",
                credit_code=self.credit_code("91", "360100"),
                division_code="360100",
                user_name=self.fake.name(),
            )
        )
        cast = Cast(registrar=key)
        cast.actors["registrar"] = c.Actor(key.party_id, c.PartyKind.REGISTRAR, key.user_id, c.Role.MANAGER)
        await self._parties(cast)
        await self._rights(cast)
        return cast

    async def _party(self, cast: Cast, kind: c.PartyKind, name: str, division: str, **identifier: str) -> str:
        """Onboard a party and its first manager as the platform would: the first regulator by the
        platform itself (as ``liangshan regulator create``), a bank's manager with four eyes (the
        registrar proposes, the regulator approves), any other by the registrar alone."""
        registrar = cast.actors["registrar"]
        if kind == c.PartyKind.REGULATOR and kind not in cast.by_kind:
            issued = await self.run(
                lambda w: parties.bootstrap(
                    w,
                    kind=kind,
                    name=name,
                    credit_code=identifier["credit_code"],
                    division_code=division,
                    user_name=self.fake.name(),
                )
            )
            party_id = issued.party_id
        else:
            party = await self.run(
                lambda w: parties.onboard_party(
                    w, registrar, kind=kind, name=name, division_code=division, **identifier
                )
            )
            party_id = party.id
            issued = await self._user(cast, registrar, party_id)
        cast.by_kind.setdefault(kind, []).append(party_id)
        cast.actors[party_id] = c.Actor(party_id, kind, issued.user_id, c.Role.MANAGER)
        cast.keys.setdefault(kind, issued)
        return party_id

    async def _user(
        self, cast: Cast, proposer: c.Actor, party_id: str, approver: c.Actor | None = None
    ) -> credentials.IssuedKey:
        """A new manager of the party, added by ``proposer``; with four eyes where the party's users
        hold powers, ``approver`` (the first regulator's user unless named) approving."""
        name = self.fake.name()
        async with self.platform.database.reads() as session:
            four_eyes = await credentials.needs_four_eyes(session, party_id)
        if not four_eyes:
            return await self.run(
                lambda w: credentials.add_user(w, proposer, party_id=party_id, name=name, role=c.Role.MANAGER)
            )
        proposed = await self.run(
            lambda w: decisions.propose_user(w, proposer, party_id=party_id, name=name, role=c.Role.MANAGER)
        )
        decider = approver or cast.actors[cast.by_kind[c.PartyKind.REGULATOR][0]]
        approved = await self.run(lambda w: decisions.approve(w, decider, proposed.proposal.id))
        user_id = approved.result or ""
        async with self.platform.database.reads() as session:
            user = await credentials.describe_user(session, decider, user_id)
        key_id = user.keys[0].id
        return credentials.IssuedKey(
            user_id, party_id, c.Role.MANAGER, key_id, proposed.prefix, None, proposed.key
        )

    async def _parties(self, cast: Cast) -> None:
        await self._party(
            cast,
            c.PartyKind.REGULATOR,
            "江西省生态环境厅",
            "360000",
            credit_code=self.credit_code("11", "360000"),
        )
        for name, city in [("江西银行", "360100"), ("九江银行", "360400")]:
            await self._party(
                cast, c.PartyKind.BANK, name + "股份有限公司", city, credit_code=self.credit_code("91", city)
            )
        for name, county in [("资溪县两山转化中心", "361028"), ("婺源县生态资源储蓄运营有限公司", "361130")]:
            await self._party(
                cast, c.PartyKind.OPERATOR, name, county, credit_code=self.credit_code("91", county)
            )
        for city in CITIES:
            await self._party(
                cast,
                c.PartyKind.ENTERPRISE,
                self.fake.company(),
                city,
                credit_code=self.credit_code("91", city),
            )
        for city, counties in CITIES.items():
            county = counties[0]
            village = f"{self.fake.last_name()}家村股份经济合作社"
            await self._party(
                cast, c.PartyKind.COLLECTIVE, village, county, credit_code=self.credit_code("N1", county)
            )
            if city in ("360700", "361000", "361100", "360800"):
                await self._party(
                    cast, c.PartyKind.PERSON, self.fake.name(), county, resident_id=self.resident_id(county)
                )

    async def apply_and_confirm(
        self,
        cast: Cast,
        holder: str,
        *,
        asset_class: str,
        division: str,
        vintage: int,
        quantity: str,
        attributes: dict[str, Any],
    ) -> int:
        applicant = cast.actors[holder]
        if applicant.kind == c.PartyKind.PERSON:  # households apply through an operator (两山银行)
            applicant = cast.actors[cast.by_kind[c.PartyKind.OPERATOR][0]]
        app = await self.run(
            lambda w: rights.file_application(
                w,
                applicant,
                holder_id=holder,
                asset_class=asset_class,
                division_code=division,
                vintage=vintage,
                quantity=quantity,
                attributes=attributes,
            )
        )
        regulator = cast.actors[cast.by_kind[c.PartyKind.REGULATOR][0]]
        issued = await self.run(lambda w: rights.confirm_application(w, regulator, app.id))
        return issued.id

    async def _rights(self, cast: Cast) -> None:
        await self._permits(cast)
        await self._carbon(cast)
        await self._forest(cast)
        await self._wetland(cast)
        await self._money(cast)
        await self._negotiated(cast)
        await self._book(cast)
        await self._listings(cast)
        await self._supervision(cast)

    async def _permits(self, cast: Cast) -> None:
        """排污权: each enterprise holds two pollutants for the 2024-2028 term; some trade and surrender."""
        enterprises = cast.by_kind[c.PartyKind.ENTERPRISE]
        self.permits: list[tuple[str, int]] = []
        for n, holder in enumerate(enterprises):
            city = list(CITIES)[n % len(CITIES)]
            for pollutant, medium in self.rng.sample(POLLUTANTS, 2):
                tonnes = f"{self.rng.randrange(20, 400)}.{self.rng.randrange(1000):03d}"
                issuance = await self.apply_and_confirm(
                    cast,
                    holder,
                    asset_class="EP",
                    division=city,
                    vintage=2024,
                    quantity=tonnes,
                    attributes={
                        "pollutant": pollutant,
                        "medium": medium,
                        "permit_no": f"91{city}PW{n:04d}{pollutant[:2]}",
                        "basin": "鄱阳湖流域",
                        "term_start": "2024-01-01",
                        "term_end": "2028-12-31",
                    },
                )
                self.permits.append((holder, issuance))
        for (seller, issuance), (buyer, _) in zip(self.permits[::3], self.permits[1::3], strict=False):
            if seller != buyer:
                await self.run(
                    partial(
                        units.transfer,
                        actor=cast.actors[seller],
                        issuance_id=issuance,
                        to=buyer,
                        quantity="12.500",
                    )
                )

    async def _carbon(self, cast: Cast) -> None:
        """碳汇: collectives and operators hold forest carbon by vintage; enterprises buy and retire."""
        holders = cast.by_kind[c.PartyKind.COLLECTIVE] + cast.by_kind[c.PartyKind.OPERATOR]
        enterprises = cast.by_kind[c.PartyKind.ENTERPRISE]
        self.carbon: list[tuple[str, int]] = []
        for n, holder in enumerate(holders):
            county = self.rng.choice(self.rng.choice(list(CITIES.values())))
            for vintage in (2022, 2023, 2024):
                issuance = await self.apply_and_confirm(
                    cast,
                    holder,
                    asset_class="CS",
                    division=county,
                    vintage=vintage,
                    quantity=str(self.rng.randrange(2_000, 40_000)),
                    attributes={
                        "project_id": f"JX-FC-{county}-{n:03d}",
                        "standard": "JX-FCER",
                        "methodology": "AR-CM-001-V01",
                        "project_type": self.rng.choice(["afforestation", "forest_management"]),
                        "monitoring_start": f"{vintage}-01-01",
                        "monitoring_end": f"{vintage}-12-31",
                        "verifier": "中环联合（北京）认证中心有限公司",
                        "parcels": [
                            f"{county}-{self.rng.randrange(1, 80):03d}-{self.rng.randrange(1, 40):03d}"
                        ],
                    },
                )
                if vintage == 2024:
                    self.carbon.append((holder, issuance))
                buyer = enterprises[(n + vintage) % len(enterprises)]
                await self.run(
                    partial(
                        units.transfer,
                        actor=cast.actors[holder],
                        issuance_id=issuance,
                        to=buyer,
                        quantity="1000",
                    )
                )
                await self.run(
                    partial(
                        units.retire,
                        actor=cast.actors[buyer],
                        issuance_id=issuance,
                        quantity="300",
                        beneficiary="2025年度大型活动碳中和",
                        purpose=self.rng.choice([Purpose.VOLUNTARY, Purpose.DAMAGE_COMPENSATION]),
                    )
                )

    async def _forest(self, cast: Cast) -> None:
        """林权: households and collectives hold parcels; some are taken into an operator's inventory."""
        holders = cast.by_kind[c.PartyKind.PERSON] + cast.by_kind[c.PartyKind.COLLECTIVE]
        operator = cast.by_kind[c.PartyKind.OPERATOR][0]
        self.forest: list[tuple[str, int, str]] = []
        placed: dict[str, int] = {}
        for n, holder in enumerate(holders * 2):
            county = self.rng.choice(self.rng.choice(list(CITIES.values())))
            area = f"{self.rng.randrange(30, 900)}.{self.rng.randrange(100):02d}"
            placed[county] = placed.get(county, 0) + 1
            unit_no = f"{county}{self.rng.randrange(1000):03d}{self.rng.randrange(1000):03d}JL{n:05d}L{n:08d}"
            issuance = await self.apply_and_confirm(
                cast,
                holder,
                asset_class="FR",
                division=county,
                vintage=2021,
                quantity=area,
                attributes={
                    "unit_no": unit_no,
                    "right_kind": self.rng.choice(["林地使用权", "林木所有权"]),
                    "lin_ban": str(self.rng.randrange(1, 120)),
                    "xiao_ban": str(self.rng.randrange(1, 60)),
                    "place": f"{self.fake.street_name()}{self.rng.randrange(1, 30)}组后山",
                    "species": self.rng.choice(SPECIES),
                    "forest_type": self.rng.choice(["商品林", "公益林"]),
                    "term_end": f"{2050 + self.rng.randrange(25)}-12-31",
                    "boundary": square_parcel(county, placed[county], area),
                },
            )
            if n % 3 == 0:
                await self.run(
                    partial(
                        units.transfer,
                        actor=cast.actors[holder],
                        issuance_id=issuance,
                        to=operator,
                        quantity=area,
                    )
                )
            else:
                self.forest.append((holder, issuance, area))

    async def _wetland(self, cast: Cast) -> None:
        """湿地占补平衡指标: restored wetland in a county becomes indicators an enterprise can use."""
        operator = cast.by_kind[c.PartyKind.OPERATOR][1]
        for n, county in enumerate(["361128", "360428", "361127", "360425"]):
            await self.apply_and_confirm(
                cast,
                operator,
                asset_class="WL",
                division=county,
                vintage=2024,
                quantity=f"{self.rng.randrange(50, 600)}.00",
                attributes={
                    "form": "indicator",
                    "wetland_type": self.rng.choice(["湖泊湿地", "沼泽湿地", "河流湿地"]),
                    "quality_grade": self.rng.choice(["I", "II", "III"]),
                    "restoration_project": f"鄱阳湖退田还湿{n + 1}期",
                    "acceptance_date": "2024-10-15",
                },
            )

    async def _money(self, cast: Cast) -> None:
        """Every holder names its settlement bank (the two banks in turn); the banks confirm deposits
        for buyers and operators, and a withdrawal or two. Each bank keeps an account served by the
        other, from which it pays an owner the surplus when it takes pledged units at their value (折价)."""
        banks, kinds = cast.by_kind[c.PartyKind.BANK], cast.by_kind
        for n, bank_party in enumerate(banks):
            other = banks[(n + 1) % 2]
            await self.run(
                partial(cash.designate, actor=cast.actors[bank_party], party_id=bank_party, bank=other)
            )
            await self.run(
                partial(
                    cash.deposit,
                    actor=cast.actors[other],
                    party_id=bank_party,
                    amount="1000000.00",
                    reference=f"DEPBANK{n}",
                )
            )
        payers = kinds[c.PartyKind.ENTERPRISE] + kinds[c.PartyKind.OPERATOR]
        for n, party in enumerate(payers + kinds[c.PartyKind.COLLECTIVE] + kinds[c.PartyKind.PERSON]):
            await self.run(
                partial(cash.designate, actor=cast.actors[party], party_id=party, bank=banks[n % 2])
            )
        for n, party in enumerate(payers):
            bank = cast.actors[banks[n % 2]]
            amount = f"{self.rng.randrange(200_000, 5_000_000)}.00"
            await self.run(
                partial(cash.deposit, actor=bank, party_id=party, amount=amount, reference=f"DEP{n:06d}")
            )
            if n % 4 == 0:
                await self.run(
                    partial(
                        cash.withdraw, actor=bank, party_id=party, amount="50000.00", reference=f"WDR{n:06d}"
                    )
                )

    async def _negotiated(self, cast: Cast) -> None:
        """协议转让: a few permit holders sell part of their permits to other enterprises, DvP."""
        enterprises = cast.by_kind[c.PartyKind.ENTERPRISE]
        for n, (seller, issuance) in enumerate(self.permits[:6:2]):
            buyer = enterprises[(enterprises.index(seller) + 1 + n) % len(enterprises)]
            made = await self.run(
                partial(
                    negotiated.propose,
                    actor=cast.actors[seller],
                    buyer=buyer,
                    issuance_id=issuance,
                    quantity="5.000",
                    price=f"{self.rng.randrange(300, 450)}.00",
                    deadline=self.platform.now() + dt.timedelta(days=7),
                    fee_bps=self.platform.fee_bps,
                )
            )
            await self.run(
                partial(
                    negotiated.accept,
                    actor=cast.actors[buyer],
                    offer_id=made.id,
                    fee_bps=self.platform.fee_bps,
                    fee_account=cast.registrar.party_id,
                )
            )

    async def on_book(self, instrument: str, step: Callable[[UnitOfWork, Market], Awaitable[T]]) -> T:
        """``run`` as the writer of the instrument's book: the seed runs before any server, so no
        sequencer shares the books with it; a step that fails leaves its book to be rebuilt."""
        exchange = self.platform.exchange

        async def booked(work: UnitOfWork) -> T:
            return await step(work, await exchange.market(work.session, instrument))

        try:
            return await self.run(booked)
        finally:
            exchange.drop(instrument)

    async def _book(self, cast: Cast) -> None:
        """碳汇 on the order book: collectives offer their 2024 vintage, enterprises bid; some cross."""
        async with self.platform.database.reads() as session:
            instrument_of = {i: await session.get(IssuanceRow, i) for _, i in self.carbon}
        by_instrument: dict[str, list[tuple[str, int]]] = {}
        for holder, issuance in self.carbon:
            row = instrument_of[issuance]
            assert row is not None and row.instrument_id is not None
            by_instrument.setdefault(row.instrument_id, []).append((holder, issuance))
        instrument, sellers = max(by_instrument.items(), key=lambda item: len(item[1]))
        registrar = cast.actors["registrar"]
        change = rules.RulesChange(band_bps=1000, reference_price="45.00")  # ±10%, as the national market
        await self.on_book(instrument, lambda w, m: rules.change_rules(w, m, registrar, change))
        fees = execution.Fees(self.platform.fee_bps, cast.registrar.party_id)
        book: list[tuple[str, orders.Entry]] = [
            (seller, orders.Entry(Side.SELL, "500", f"{44 + n % 3}.00", issuance=issuance))
            for n, (seller, issuance) in enumerate(sellers)
        ]
        enterprises = cast.by_kind[c.PartyKind.ENTERPRISE]
        book += [
            (buyer, orders.Entry(Side.BUY, "300", f"{42 + n % 2}.50"))
            for n, buyer in enumerate(enterprises[:4])
        ]
        book.append((enterprises[4], orders.Entry(Side.BUY, "800", "45.00")))  # crosses the cheapest offers
        for party, entry in book:
            await self.on_book(
                instrument, partial(orders.submit, actor=cast.actors[party], entry=entry, fees=fees)
            )

    async def _listings(self, cast: Cast) -> None:
        """林权 listed (挂牌): one sold at a fixed price, one in an English auction with two bidders."""
        (seller, sold, area), (auctioneer, auctioned, size) = self.forest[0], self.forest[1]
        operators = cast.by_kind[c.PartyKind.OPERATOR]
        week = self.platform.now() + dt.timedelta(days=7)
        fixed = listings.ListingSpec(
            items=(listings.Item(sold, area),), mode=listings.ListingMode.FIXED, price="1200.00", ends_at=week
        )
        made = await self.run(
            lambda w: listings.create(w, cast.actors[seller], fixed, fees_bps=self.platform.fee_bps)
        )
        await self.run(
            lambda w: listings.buy(
                w,
                cast.actors[operators[0]],
                made.id,
                fees_bps=self.platform.fee_bps,
                fee_account=cast.registrar.party_id,
            )
        )
        english = listings.ListingSpec(
            items=(listings.Item(auctioned, size),),
            mode=listings.ListingMode.ENGLISH,
            price="800.00",
            ends_at=week,
            increment="20.00",
            reserve_price="900.00",
            reserve_public=False,
            deposit="20000.00",
        )
        auction = await self.run(
            lambda w: listings.create(w, cast.actors[auctioneer], english, fees_bps=self.platform.fee_bps)
        )
        for n, bidder in enumerate(operators):
            actor = cast.actors[bidder]
            await self.run(
                partial(listings.register, actor=actor, listing_id=auction.id, fees_bps=self.platform.fee_bps)
            )
            price = f"{800 + 40 * n}.00"
            await self.run(
                partial(
                    listings.bid,
                    actor=actor,
                    listing_id=auction.id,
                    price=price,
                    quantity=None,
                    fees_bps=self.platform.fee_bps,
                )
            )

    async def _reviewer(self, cast: Cast, regulator: c.Actor) -> c.Actor:
        """The regulator's second user (复核员): the other pair of eyes for freezes, proposed by the
        regulator's manager and approved by the registrar."""
        issued = await self._user(cast, regulator, regulator.party_id, approver=cast.actors["registrar"])
        cast.keys["reviewer"] = issued
        return c.Actor(regulator.party_id, c.PartyKind.REGULATOR, issued.user_id, c.Role.MANAGER)

    async def _supervision(self, cast: Cast) -> None:
        """A regulator freezes a disputed permit and releases it; rejects one application."""
        regulator = cast.actors[cast.by_kind[c.PartyKind.REGULATOR][0]]
        reviewer = await self._reviewer(cast, regulator)
        holder, issuance = self.permits[-1]
        proposal = await self.run(
            lambda w: decisions.propose_freeze(
                w,
                regulator,
                issuance_id=issuance,
                owner=holder,
                quantity="5.000",
                reason="排污许可证执行报告待核查",
            )
        )
        frozen = await self.run(lambda w: decisions.approve(w, reviewer, proposal.id))
        await self.run(lambda w: units.unfreeze(w, regulator, freeze_id=frozen.result or ""))
        enterprise = cast.by_kind[c.PartyKind.ENTERPRISE][0]
        app = await self.run(
            lambda w: rights.file_application(
                w,
                cast.actors[enterprise],
                holder_id=enterprise,
                asset_class="EP",
                division_code="360100",
                vintage=2024,
                quantity="999.000",
                attributes={
                    "pollutant": "SO2",
                    "medium": "air",
                    "permit_no": "91360100PW9999SO",
                    "term_start": "2024-01-01",
                    "term_end": "2028-12-31",
                },
            )
        )
        await self.run(lambda w: rights.reject_application(w, regulator, app.id, "申请量超过总量控制指标"))
