"""Backing up the platform's database while it serves, and restoring a backup into an empty one.

A backup folder holds the database (SQLite: a copy made by SQLite's online-backup API, consistent
while the server writes; PostgreSQL: ``pg_dump`` in its custom format, one consistent snapshot), the
ledger's signed checkpoint and verifier key read just before the copy, and ``backup.json`` saying
which engine and file. The copy holds at least the checkpoint's entries (the ledger only grows), so a
restore proves that what it restored extends exactly that checkpoint.

The ledger's **signing key is not in a backup**: whoever holds a backup could otherwise sign
checkpoints as the platform. It is kept apart (offline, encrypted), and a restore refuses to start
unless the key at ``LIANGSHAN_LEDGER_KEY`` is the one that signed the backup's checkpoint.
"""

import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from api.config import Settings
from api.database import connect
from api.platform import Platform, build_platform
from settlement.checkpoint import open_note, verifier_key
from settlement.ledger import current_size
from settlement.signing_key import load

MANIFEST = "backup.json"
FILES = {"sqlite": "liangshan.db", "postgresql": "liangshan.dump"}
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")  # where Debian puts them when not on PATH


class BackupError(Exception):
    """A backup or restore refused, with what to do about it."""


@dataclass(frozen=True, slots=True)
class Manifest:
    engine: str
    file: str
    size: int  # the ledger's size at the checkpoint; the copy holds at least these entries
    checkpoint: str
    key: str
    taken_at: str

    @classmethod
    def read(cls, folder: Path) -> "Manifest":
        try:
            return cls(**json.loads((folder / MANIFEST).read_text("utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise BackupError(f"{folder} holds no readable {MANIFEST}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Restored:
    size: int  # entries in the restored ledger
    checkpoint_size: int  # entries of the backup's checkpoint, all found unchanged


def engine_of(url: URL) -> str:
    return "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"


async def backup(platform: Platform, database_url: str, folder: Path, now: dt.datetime) -> Manifest:
    """Copy the database into ``folder`` (which must not hold a backup already)."""
    await asyncio.to_thread(_prepare, folder)
    url = make_url(database_url)
    engine = engine_of(url)
    async with platform.database.reads() as session:
        note = await platform.ledger.checkpoint(session)
    partial = folder / (FILES[engine] + ".partial")
    if engine == "sqlite":
        await asyncio.to_thread(_sqlite_copy, Path(url.database or ""), partial)
    else:
        await _run(_postgres_tool("pg_dump"), "--format=custom", "--file", str(partial), url=url)
    manifest = Manifest(
        engine, FILES[engine], int(note.split("\n")[1]), note, platform.ledger.verifier_key, now.isoformat()
    )
    await asyncio.to_thread(_finish, folder, partial, manifest)
    return manifest


def _prepare(folder: Path) -> None:
    if (folder / MANIFEST).exists():
        raise BackupError(f"{folder} holds a backup already; give an empty folder")
    folder.mkdir(parents=True, exist_ok=True)


def _finish(folder: Path, partial: Path, manifest: Manifest) -> None:
    """Name the copy and write what goes with it; the manifest last, so a folder with one is whole."""
    partial.rename(folder / manifest.file)
    (folder / "checkpoint").write_text(manifest.checkpoint, encoding="utf-8")
    (folder / "key").write_text(manifest.key, encoding="utf-8")
    (folder / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")


async def restore(settings: Settings, folder: Path, *, force: bool) -> Restored:
    """Restore ``folder`` into the configured database, which must be empty unless ``force``; then
    check that the restored ledger extends the backup's checkpoint."""
    manifest = Manifest.read(folder)
    url = make_url(settings.database_url)
    if engine_of(url) != manifest.engine:
        raise BackupError(
            f"this is a {manifest.engine} backup; LIANGSHAN_DATABASE_URL names {engine_of(url)}"
        )
    _check_key(settings, manifest)
    size = await _ledger_size(settings.database_url)
    if size and not force:
        raise BackupError(
            f"the database holds a ledger of {size} entries; restoring would replace it (--force to do so)"
        )
    source = folder / manifest.file
    if manifest.engine == "sqlite":
        await asyncio.to_thread(_sqlite_copy, source, Path(url.database or ""))
    else:
        await _run(
            _postgres_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            url.database or "",
            str(source),
            url=url,
        )
    return await _check_restored(settings, manifest)


def _check_key(settings: Settings, manifest: Manifest) -> None:
    if not settings.ledger_key.exists():
        raise BackupError(
            f"the ledger's signing key is not in a backup: put it at {settings.ledger_key} "
            "(LIANGSHAN_LEDGER_KEY) before restoring"
        )
    key = verifier_key(settings.ledger_origin, load(settings.ledger_key).public_key())
    if key != manifest.key:
        raise BackupError(
            f"the key at {settings.ledger_key} ({key}) did not sign this backup ({manifest.key})"
        )


async def _ledger_size(database_url: str) -> int:
    """The ledger's size in the database, 0 if it has no schema yet (or, on SQLite, no file)."""
    url = make_url(database_url)
    if engine_of(url) == "sqlite" and not await asyncio.to_thread(Path(url.database or "").exists):
        return 0
    database = connect(database_url)
    try:
        async with database.reads() as session:
            connection = await session.connection()
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            return await current_size(session) if "ledger_head" in tables else 0
    finally:
        await database.dispose()


async def _check_restored(settings: Settings, manifest: Manifest) -> Restored:
    """Migrate the restored database (a backup of an older release) and prove that its ledger
    extends the backup's checkpoint: the same root at that size."""
    expected = open_note(manifest.checkpoint, manifest.key)
    async with build_platform(settings) as platform, platform.database.reads() as session:
        size = await current_size(session)
        if size < expected.size:
            raise BackupError(
                f"the restored ledger holds {size} entries, fewer than the backup's {expected.size}"
            )
        if expected.size:
            proof = await platform.ledger.consistency(session, expected.size, size)
            if proof.first_root != expected.root:
                raise BackupError(
                    f"the restored ledger's first {expected.size} entries differ from the backup's"
                )
    return Restored(size, expected.size)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy of a database other connections may be writing."""
    if not source.exists():
        raise BackupError(f"no SQLite database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def _postgres_tool(name: str) -> str:
    found = shutil.which(name) or (str(POSTGRES_BIN / name) if (POSTGRES_BIN / name).exists() else None)
    if found is None:
        raise BackupError(f"{name} is not on PATH nor in {POSTGRES_BIN}; install the PostgreSQL client")
    return found


async def _run(program: str, *args: str, url: URL) -> None:
    """Run a PostgreSQL client tool against ``url``'s database, its password in the environment (never
    on a command line others can list)."""
    given = {
        "PGHOST": url.host,
        "PGPORT": None if url.port is None else str(url.port),
        "PGUSER": url.username,
        "PGPASSWORD": None if url.password is None else str(url.password),
        "PGDATABASE": url.database,
    }
    environment = {**os.environ, **{name: value for name, value in given.items() if value}}
    process = await asyncio.create_subprocess_exec(
        program, *args, env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, errors = await process.communicate()
    if process.returncode != 0:
        raise BackupError(f"{Path(program).name} failed: {errors.decode(errors='replace').strip()}")
