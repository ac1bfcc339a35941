"""Settings from the environment, with defaults that run the platform on one machine."""

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./liangshan.db"
# Loan-to-value caps per asset class, in basis points of the valuation: forest rights 50%, emission
# permits 80%, as Jiangxi's banks lend; carbon sinks and wetland indicators in between.
DEFAULT_LTV_BPS = "FR=5000,EP=8000,CS=6000,WL=5000"


def parse_caps(text: str) -> dict[str, int]:
    """``CODE=BPS,…`` into a mapping; a malformed value stops the start with the variable named."""
    caps = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        code, _, bps = part.partition("=")
        if not code or not bps.isdigit() or not 0 <= int(bps) <= 10_000:
            raise ValueError(f"LIANGSHAN_LTV_BPS: {part!r} is not CODE=basis points (0-10000)")
        caps[code] = int(bps)
    return caps


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    ledger_key: Path = Path("liangshan-ledger.key")
    ledger_origin: str = "liangshan.local/ledger"
    expiry_interval_s: float = 3600.0
    market_interval_s: float = 5.0
    fee_bps: int = 0
    ltv_caps: dict[str, int] = field(default_factory=lambda: parse_caps(DEFAULT_LTV_BPS))

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
        )
