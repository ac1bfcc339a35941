"""Settings from the environment, with defaults that run the platform on one machine."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from api.rate_limits import Limits, Rate
from market.sequencer import QUEUED
from market.surveillance import Thresholds
from settlement.checkpoint import CheckpointError
from settlement.cosignature import Cosigner

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./liangshan.db"
# Loan-to-value caps per asset class, in basis points of the valuation: forest rights 50%, emission
# permits 80%, as Jiangxi's banks lend; carbon sinks and wetland indicators in between.
DEFAULT_LTV_BPS = "FR=5000,EP=8000,EPHM=8000,CS=6000,WL=5000"
# Confirming an issuance above these quantities (display units per class) takes two regulators.
DEFAULT_FOUR_EYES_ABOVE = "EP=500,EPHM=500,CS=200000,FR=5000,WL=5000"
# Requests per client address and per API key (COUNT/SECONDS: COUNT at once, then COUNT per SECONDS),
# in the range exchanges allow their API clients (10 to 20 a second); and unknown keys per address,
# a handful a minute: enough for a user who mistyped one, nothing for a guesser.
DEFAULT_RATE_PER_ADDRESS = "1200/60"
DEFAULT_RATE_PER_KEY = "600/60"
DEFAULT_RATE_UNKNOWN_KEYS = "10/60"


def per_class(text: str, variable: str) -> dict[str, str]:
    """``CODE=VALUE,…`` into a mapping; a malformed part stops the start with the variable named."""
    found = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        code, _, value = part.partition("=")
        if not code or not value.replace(".", "", 1).isdigit():
            raise ValueError(f"{variable}: {part!r} is not CODE=number")
        found[code] = value
    return found


def parse_caps(text: str) -> dict[str, int]:
    caps = {}
    for code, bps in per_class(text, "LIANGSHAN_LTV_BPS").items():
        if not bps.isdigit() or int(bps) > 10_000:
            raise ValueError(f"LIANGSHAN_LTV_BPS: {code}={bps} is not whole basis points, 0 to 10000")
        caps[code] = int(bps)
    return caps


def parse_witnesses(text: str) -> tuple[str, ...]:
    """Witnesses' C2SP verifier keys (signature type 0x04), separated by commas or white space."""
    keys = tuple(filter(None, (part.strip() for part in text.replace(",", " ").split())))
    for key in keys:
        try:
            Cosigner.of(key)
        except CheckpointError as exc:
            raise ValueError(f"LIANGSHAN_WITNESSES: {key[:80]!r}: {exc}") from None
    return keys


def parse_limits(per_address: str, per_key: str, unknown_keys: str) -> Limits:
    return Limits(
        per_address=Rate.parse(per_address, "LIANGSHAN_RATE_PER_ADDRESS"),
        per_key=Rate.parse(per_key, "LIANGSHAN_RATE_PER_KEY"),
        unknown_keys=Rate.parse(unknown_keys, "LIANGSHAN_RATE_UNKNOWN_KEYS"),
    )


def parse_thresholds(environ: Mapping[str, str]) -> Thresholds:
    """``LIANGSHAN_SURVEILLANCE_{MIN_TRADES,MIN_PARTIES,SHARE_BPS,PRICE_BPS,WINDOW_DAYS}``, each
    defaulting to ``Thresholds``'; a value that is no whole number, or out of range, stops the start."""
    found = {}
    for name in ("min_trades", "min_parties", "share_bps", "price_bps", "window_days"):
        variable = f"LIANGSHAN_SURVEILLANCE_{name.upper()}"
        if variable in environ:
            if not environ[variable].isdigit():
                raise ValueError(f"{variable}: {environ[variable]!r} is not a whole number")
            found[name] = int(environ[variable])
    try:
        return Thresholds(**found)
    except ValueError as exc:
        raise ValueError(f"LIANGSHAN_SURVEILLANCE_*: {exc}") from None


def parse_origins(text: str) -> tuple[str, ...]:
    """Comma-separated origins (``https://console.example.cn``): scheme, host and port, no path."""
    origins = tuple(filter(None, (o.strip() for o in text.split(","))))
    for origin in origins:
        scheme, _, rest = origin.partition("://")
        if scheme not in ("http", "https") or not rest or "/" in rest:
            raise ValueError(f"LIANGSHAN_CORS_ORIGINS: {origin!r} is not an origin such as https://host:port")
    return origins


def parse_queue(text: str) -> int:
    queue = int(text)
    if queue < 1:
        raise ValueError(f"LIANGSHAN_SEQUENCER_QUEUE: {text!r} is not a positive number of writes")
    return queue


def parse_flag(text: str, variable: str) -> bool:
    if text not in ("yes", "no"):
        raise ValueError(f"{variable}: {text!r} is not yes or no")
    return text == "yes"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    ledger_key: Path = Path("liangshan-ledger.key")
    ledger_origin: str = "liangshan.local/ledger"
    expiry_interval_s: float = 3600.0
    market_interval_s: float = 5.0
    fee_bps: int = 0
    ltv_caps: dict[str, int] = field(default_factory=lambda: parse_caps(DEFAULT_LTV_BPS))
    four_eyes_above: dict[str, str] = field(
        default_factory=lambda: per_class(DEFAULT_FOUR_EYES_ABOVE, "LIANGSHAN_FOUR_EYES_ABOVE")
    )
    limits: Limits = field(
        default_factory=lambda: parse_limits(
            DEFAULT_RATE_PER_ADDRESS, DEFAULT_RATE_PER_KEY, DEFAULT_RATE_UNKNOWN_KEYS
        )
    )
    cors_origins: tuple[str, ...] = ()
    hsts_max_age: int = 0
    witnesses: tuple[str, ...] = ()  # verifier keys of the witnesses whose cosignatures are kept and served
    surveillance: Thresholds = field(default_factory=Thresholds)
    surveillance_interval_s: float = 3600.0
    sequencer_queue: int = QUEUED  # writes that may wait for the sequencer; beyond, 503
    webhook_interval_s: float = 2.0  # how often the dispatcher looks for entries to deliver
    webhook_plain_http: bool = False  # http:// endpoints allowed (development only)
    webhook_private_addresses: bool = False  # endpoints at private addresses allowed (an intranet)

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            database_url=os.environ.get("LIANGSHAN_DATABASE_URL", DEFAULT_DATABASE_URL),
            ledger_key=Path(os.environ.get("LIANGSHAN_LEDGER_KEY", "liangshan-ledger.key")),
            ledger_origin=os.environ.get("LIANGSHAN_LEDGER_ORIGIN", "liangshan.local/ledger"),
            expiry_interval_s=float(os.environ.get("LIANGSHAN_EXPIRY_INTERVAL_S", "3600")),
            market_interval_s=float(os.environ.get("LIANGSHAN_MARKET_INTERVAL_S", "5")),
            fee_bps=int(os.environ.get("LIANGSHAN_FEE_BPS", "0")),
            ltv_caps=parse_caps(os.environ.get("LIANGSHAN_LTV_BPS", DEFAULT_LTV_BPS)),
            four_eyes_above=per_class(
                os.environ.get("LIANGSHAN_FOUR_EYES_ABOVE", DEFAULT_FOUR_EYES_ABOVE),
                "LIANGSHAN_FOUR_EYES_ABOVE",
            ),
            limits=parse_limits(
                os.environ.get("LIANGSHAN_RATE_PER_ADDRESS", DEFAULT_RATE_PER_ADDRESS),
                os.environ.get("LIANGSHAN_RATE_PER_KEY", DEFAULT_RATE_PER_KEY),
                os.environ.get("LIANGSHAN_RATE_UNKNOWN_KEYS", DEFAULT_RATE_UNKNOWN_KEYS),
            ),
            cors_origins=parse_origins(os.environ.get("LIANGSHAN_CORS_ORIGINS", "")),
            hsts_max_age=int(os.environ.get("LIANGSHAN_HSTS_MAX_AGE", "0")),
            witnesses=parse_witnesses(os.environ.get("LIANGSHAN_WITNESSES", "")),
            surveillance=parse_thresholds(os.environ),
            surveillance_interval_s=float(os.environ.get("LIANGSHAN_SURVEILLANCE_INTERVAL_S", "3600")),
            sequencer_queue=parse_queue(os.environ.get("LIANGSHAN_SEQUENCER_QUEUE", str(QUEUED))),
            webhook_interval_s=float(os.environ.get("LIANGSHAN_WEBHOOK_INTERVAL_S", "2")),
            webhook_plain_http=parse_flag(
                os.environ.get("LIANGSHAN_WEBHOOK_PLAIN_HTTP", "no"), "LIANGSHAN_WEBHOOK_PLAIN_HTTP"
            ),
            webhook_private_addresses=parse_flag(
                os.environ.get("LIANGSHAN_WEBHOOK_PRIVATE_ADDRESSES", "no"),
                "LIANGSHAN_WEBHOOK_PRIVATE_ADDRESSES",
            ),
        )
