"""``liangshan``: serve the platform, migrate, seed demo data, and export, verify or audit the ledger.

``ledger verify`` needs no database and none of the server's settings: a regulator or bank runs it on
an export (entries, checkpoint, key) with nothing else.
"""

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import uvicorn
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api.config import Settings
from api.database import Database, connect, upgrade
from api.demo import Demo
from api.platform import Platform, build_platform
from market.audit import audit
from registry.errors import RegistryError
from registry.parties import IssuedKey, bootstrap_registrar
from settlement import attestation
from settlement.audit import Finding, stored_entries
from settlement.ledger import current_size
from settlement.signing_key import SigningKeyError
from settlement.verify import VerificationFailed, verify

T = TypeVar("T")
console = Console(stderr=True)


async def _with_platform(settings: Settings, job: Callable[[Platform], Awaitable[T]]) -> T:
    async with build_platform(settings) as platform:
        return await job(platform)


def serve(args: argparse.Namespace) -> int:
    async def ready(platform: Platform) -> None:
        """Migrate and open the ledger here first, so a missing key is a clear refusal, not a trace."""

    asyncio.run(_with_platform(Settings.from_env(), ready))
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=args.access_log,
    )
    return 0


def db_upgrade(args: argparse.Namespace) -> int:
    async def run() -> None:
        database: Database = connect(Settings.from_env().database_url)
        try:
            await upgrade(database)
        finally:
            await database.dispose()

    asyncio.run(run())
    console.print("schema is at the newest migration")
    return 0


def demo_seed(args: argparse.Namespace) -> int:
    async def run(platform: Platform) -> None:
        async with platform.database.reads() as session:
            size = await current_size(session)
        if size and args.if_empty:
            console.print(
                f"the ledger holds {size} entries already; no demo data added (keys: {args.keys_file})"
            )
            return
        cast = await Demo(platform).seed()
        async with platform.database.reads() as session:
            size = await current_size(session)
        lines = [f"# Liangshan demo API keys (demo data only); the ledger holds {size} entries"]
        for kind, issued in [("registrar", cast.registrar), *cast.keys.items()]:
            lines += [f"{kind.upper()}_KEY={issued.key}", f"{kind.upper()}_PARTY={issued.party_id}"]
        text = "\n".join(lines) + "\n"
        descriptor = os.open(args.keys_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
        sys.stdout.write(text)
        path = args.keys_file if Path(args.keys_file).is_absolute() else f"./{args.keys_file}"
        console.print(f"saved to {args.keys_file}; load them with: set -a; . {path}; set +a")

    asyncio.run(_with_platform(Settings.from_env(), run))
    return 0


def registrar_create(args: argparse.Namespace) -> int:
    async def run(platform: Platform) -> IssuedKey:
        async with platform.unit_of_work() as work:
            issued = await bootstrap_registrar(
                work,
                name=args.name,
                credit_code=args.credit_code,
                division_code=args.division,
                user_name=args.user,
            )
            await work.commit()
        return issued

    try:
        issued = asyncio.run(_with_platform(Settings.from_env(), run))
    except RegistryError as exc:
        console.print(f"[red]refused:[/red] {exc.field}: {exc.message}")
        return 2
    sys.stdout.write(f"REGISTRAR_PARTY={issued.party_id}\nREGISTRAR_KEY={issued.key}\n")
    console.print("the key is shown once; the registrar onboards every further party with it")
    return 0


def ledger_export(args: argparse.Namespace) -> int:
    target = Path(args.dir)

    async def run(platform: Platform) -> int:
        async with platform.database.reads() as session:
            note = await platform.ledger.checkpoint(session)
            size = int(note.split("\n")[1])
            with (target / "entries.jsonl").open("wb") as out:
                async for raw in stored_entries(session, platform.ledger, size):
                    out.write(raw + b"\n")
        (target / "checkpoint").write_text(note, encoding="utf-8")
        (target / "key").write_text(platform.ledger.verifier_key, encoding="utf-8")
        return size

    target.mkdir(parents=True, exist_ok=True)
    size = asyncio.run(_with_platform(Settings.from_env(), run))
    console.print(f"exported {size} entries, their checkpoint and the verifier key to {target}")
    return 0


def ledger_verify(args: argparse.Namespace) -> int:
    source = Path(args.dir)
    try:
        note = (source / "checkpoint").read_text(encoding="utf-8")
        key = (source / "key").read_text(encoding="utf-8").strip()
        size = int(note.split("\n")[1]) if note.count("\n") > 1 and note.split("\n")[1].isdigit() else 0
        with (source / "entries.jsonl").open("rb") as lines, ProgressBar(size) as advance:
            result = verify((line.rstrip(b"\n") for line in lines), note, key, progress=advance)
    except OSError as exc:
        console.print(f"[red]cannot read the export: {exc}")
        return 2
    except VerificationFailed as exc:
        console.print(f"[red]FAILED[/red] {exc}")
        return 1
    holdings = result.state.holdings()
    console.print(
        f"[green]OK[/green] {result.checkpoint.size} entries of {result.checkpoint.origin}: canonical, "
        f"chained, root {result.checkpoint.root.hex()} signed; replay gives {len(holdings)} holdings and "
        f"{sum(1 for v in result.state.cash.values() if v)} cash balances"
    )
    return 0


def attestation_verify(args: argparse.Namespace) -> int:
    """Check a collateral attestation offline: only the file and the platform's verifier key."""
    try:
        document = attestation.load(Path(args.file).read_text(encoding="utf-8"))
        key = args.key
        if key is not None and Path(key).is_file():
            key = Path(key).read_text(encoding="utf-8").strip()
    except OSError as exc:
        console.print(f"[red]cannot read: {exc}")
        return 2
    try:
        verified = attestation.verify(document, key)
    except attestation.AttestationError as exc:
        console.print(f"[red]FAILED[/red] {exc}")
        return 1
    answer = verified.answer
    console.print(
        f"[green]OK[/green] signed by {verified.log} at ledger size {verified.size}; {verified.entries} "
        f"entries about issuance {answer.get('issuance')} included and replayed; the owner "
        f"{'holds' if answer.get('owner_holds') else 'does not hold'} it: {answer.get('quantities', {})}"
    )
    if key is None:
        console.print("[yellow]checked against the key inside the file; pass --key for the platform's own")
    return 0


class ProgressBar:
    """A progress bar on long runs, silent on short ones."""

    def __init__(self, total: int) -> None:
        self.bar = Progress(
            TextColumn("verifying"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=total < 50_000,
        )
        self.task = self.bar.add_task("verify", total=total)

    def __enter__(self) -> Callable[[int], None]:
        self.bar.start()
        return lambda seq: self.bar.update(self.task, completed=seq)

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


def ledger_audit(args: argparse.Namespace) -> int:
    async def run(platform: Platform) -> list[Finding]:
        async with platform.database.reads() as session:
            return await audit(session, platform.ledger)

    findings = asyncio.run(_with_platform(Settings.from_env(), run))
    for finding in findings:
        console.print("[red]DIFFERENCE[/red]", escape(str(finding)), highlight=False)
    if findings:
        console.print(f"[red]{len(findings)} differences[/red] between the database and the ledger")
        return 1
    console.print("[green]OK[/green] the database agrees with the ledger: every table the entries determine")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="liangshan", description="Liangshan 两山: ecological asset registry and ledger"
    )
    commands = top.add_subparsers(required=True, metavar="command")
    run = commands.add_parser("serve", help="serve the API (migrates first)")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    run.add_argument(
        "--access-log",
        action="store_true",
        help="log a line per request (off by default: the ledger is the audit trail, and a Python log "
        "line costs a tenth of a cached request)",
    )
    run.set_defaults(handler=serve)
    db = commands.add_parser("db", help="database schema").add_subparsers(required=True, metavar="action")
    db.add_parser("upgrade", help="apply every migration").set_defaults(handler=db_upgrade)
    demo = commands.add_parser("demo", help="demo data").add_subparsers(required=True, metavar="action")
    seed = demo.add_parser("seed", help="add deterministic Jiangxi demo data and print an API key per role")
    seed.add_argument("--if-empty", action="store_true", help="do nothing if the ledger has entries")
    seed.add_argument("--keys-file", default="demo-keys.env", help="where to save the demo API keys")
    seed.set_defaults(handler=demo_seed)
    registrar = commands.add_parser("registrar", help="the platform operator").add_subparsers(
        required=True, metavar="action"
    )
    create = registrar.add_parser(
        "create", help="create the registrar of an empty registry and print its key"
    )
    create.add_argument("--name", required=True)
    create.add_argument("--credit-code", required=True, help="统一社会信用代码")
    create.add_argument("--division", default="360000", help="GB/T 2260 code")
    create.add_argument("--user", default="registrar", help="name of its first user")
    create.set_defaults(handler=registrar_create)
    ledger = commands.add_parser("ledger", help="the public ledger").add_subparsers(
        required=True, metavar="action"
    )
    export = ledger.add_parser("export", help="write DIR/entries.jsonl, DIR/checkpoint and DIR/key")
    export.add_argument("dir")
    export.set_defaults(handler=ledger_export)
    check = ledger.add_parser("verify", help="verify an export offline, with no database")
    check.add_argument("dir")
    check.set_defaults(handler=ledger_verify)
    ledger.add_parser("audit", help="replay the ledger against the live database").set_defaults(
        handler=ledger_audit
    )
    attest = commands.add_parser("attestation", help="collateral attestations").add_subparsers(
        required=True, metavar="action"
    )
    proof = attest.add_parser("verify", help="verify a collateral attestation offline, with no database")
    proof.add_argument("file")
    proof.add_argument("--key", help="the platform's verifier key, or a file holding it (GET /ledger/key)")
    proof.set_defaults(handler=attestation_verify)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except SigningKeyError as exc:
        console.print(f"[red]refusing to start:[/red] {exc}")
        return 3
    return code


if __name__ == "__main__":
    sys.exit(main())
