"""Settings from the environment, with defaults that run the platform on one machine."""

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./liangshan.db"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    ledger_key: Path = Path("liangshan-ledger.key")
    ledger_origin: str = "liangshan.local/ledger"
    expiry_interval_s: float = 3600.0
    market_interval_s: float = 5.0
    fee_bps: int = 0

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            database_url=os.environ.get("LIANGSHAN_DATABASE_URL", DEFAULT_DATABASE_URL),
            ledger_key=Path(os.environ.get("LIANGSHAN_LEDGER_KEY", "liangshan-ledger.key")),
            ledger_origin=os.environ.get("LIANGSHAN_LEDGER_ORIGIN", "liangshan.local/ledger"),
            expiry_interval_s=float(os.environ.get("LIANGSHAN_EXPIRY_INTERVAL_S", "3600")),
            market_interval_s=float(os.environ.get("LIANGSHAN_MARKET_INTERVAL_S", "5")),
            fee_bps=int(os.environ.get("LIANGSHAN_FEE_BPS", "0")),
        )
