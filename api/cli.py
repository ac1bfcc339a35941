"""``liangshan``: serve the platform, migrate, seed demo data, back up and restore the database;
export, verify, audit the ledger and rotate its key; witness it.

``ledger verify`` needs no database and none of the server's settings: a regulator or bank runs it on
an export (entries, checkpoint, key) with nothing else, pinning the platform's key. ``witness`` runs on
a regulator's own machine and needs only the platform's URL, the pinned key and its own key.
"""

import argparse
import asyncio
import gc
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar import Litestar
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api import backup as backups
from api import witness
from api.app import create_app
from api.config import Settings
from api.database import Database, connect, upgrade
from api.demo import Demo
from api.platform import Platform, build_platform
from market.audit import audit
from registry import context as c
from registry.credentials import IssuedKey
from registry.errors import RegistryError
from registry.events import SYSTEM, LedgerKeyRotated
from registry.parties import bootstrap
from settlement import attestation, signing_key, webhooks, witnesses
from settlement.audit import Finding, stored_entries
from settlement.checkpoint import CheckpointError, verifier_key
from settlement.cosignature import cosigner_key, signer_key
from settlement.ledger import current_size
from settlement.sealing import Sealer
from settlement.signing_key import SigningKeyError
from settlement.verify import VerificationFailed, verify

T = TypeVar("T")
console = Console(stderr=True)


async def _with_platform(settings: Settings, job: Callable[[Platform], Awaitable[T]]) -> T:
    async with build_platform(settings) as platform:
        return await job(platform)


def served_app() -> Litestar:
    """The app as ``serve`` runs it: once started, everything the start made (modules, routes, mappers,
    the books and the ledger's tree) is moved out of the cyclic collector's sight. It lives as long as
    the process, and without this every full collection walks all of it again — 100-150 ms with the
    event loop stopped, several times a second under load, which was most of the latency tail."""
    app = create_app()
    app.on_startup.append(_freeze_heap)
    return app


def _freeze_heap() -> None:
    gc.collect()  # what the start left as garbage goes first, not into the frozen heap for good
    gc.freeze()


def serve(args: argparse.Namespace) -> int:
    async def ready(platform: Platform) -> None:
        """Migrate and open the ledger here first, so a missing key is a clear refusal, not a trace."""

    asyncio.run(_with_platform(Settings.from_env(), ready))
    uvicorn.run(
        "api.cli:served_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=args.access_log,
        # the client's address, which rate limits count by, is taken from X-Forwarded-For only when
        # the operator names its proxies in FORWARDED_ALLOW_IPS (uvicorn reads it): otherwise anyone
        # on the same host could pose as any address
        proxy_headers="FORWARDED_ALLOW_IPS" in os.environ,
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


def root_create(args: argparse.Namespace) -> int:
    """``registrar create`` and ``regulator create``: the platform's two roots, made apart."""
    kind = c.PartyKind(args.root)

    async def run(platform: Platform) -> IssuedKey:
        async with platform.unit_of_work() as work:
            issued = await bootstrap(
                work,
                kind=kind,
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
    name = kind.upper()
    sys.stdout.write(f"{name}_PARTY={issued.party_id}\n{name}_KEY={issued.key}\n")
    console.print(f"the key is shown once; {ROOTS[kind]}")
    return 0


ROOTS = {
    c.PartyKind.REGISTRAR: "the registrar onboards every further party and its first manager with it",
    c.PartyKind.REGULATOR: "the regulator is the second pair of eyes on every further regulator, "
    "registrar and bank user; give it to the regulator, not to the registrar's staff",
}


def backup(args: argparse.Namespace) -> int:
    settings = Settings.from_env()

    async def run(platform: Platform) -> backups.Manifest:
        return await backups.backup(platform, settings.database_url, Path(args.dir), platform.now())

    try:
        manifest = asyncio.run(_with_platform(settings, run))
    except backups.BackupError as exc:
        console.print(f"[red]refused:[/red] {exc}")
        return 2
    console.print(
        f"backed up the {manifest.engine} database to {args.dir}: the ledger's {manifest.size} entries "
        "of the checkpoint taken just before, at least"
    )
    console.print(
        f"[yellow]the ledger's signing key ({settings.ledger_key}) is NOT in the backup[/yellow]: keep a "
        "copy of it apart from the backups (offline, encrypted); a restore needs it, and anyone holding "
        "it could sign as the platform"
    )
    return 0


def restore(args: argparse.Namespace) -> int:
    try:
        restored = asyncio.run(backups.restore(Settings.from_env(), Path(args.dir), force=args.force))
    except backups.BackupError as exc:
        console.print(f"[red]refused:[/red] {exc}")
        return 2
    console.print(
        f"[green]restored[/green] {args.dir}: the ledger holds {restored.size} entries and extends the "
        f"backup's checkpoint of {restored.checkpoint_size} unchanged; run `liangshan ledger audit` "
        "before serving"
    )
    return 0


def ledger_export(args: argparse.Namespace) -> int:
    target = Path(args.dir)

    async def run(platform: Platform) -> int:
        async with platform.database.reads() as session:
            note = await witnesses.cosigned(
                session, await platform.ledger.checkpoint(session), platform.witnesses
            )
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
    """Verify an export; with ``--key``, against the platform's key obtained on its own path, else
    only for consistency with the key the export itself brought (said loudly: that proves nothing
    about who signed)."""
    source = Path(args.dir)
    try:
        note = (source / "checkpoint").read_text(encoding="utf-8")
        pinned = read_key(args.key) if args.key else (source / "key").read_text(encoding="utf-8").strip()
        size = int(note.split("\n")[1]) if note.count("\n") > 1 and note.split("\n")[1].isdigit() else 0
        with (source / "entries.jsonl").open("rb") as lines, ProgressBar(size) as advance:
            result = verify((line.rstrip(b"\n") for line in lines), note, pinned, progress=advance)
    except OSError as exc:
        console.print(f"[red]cannot read the export: {exc}")
        return 2
    except VerificationFailed as exc:
        console.print(f"[red]FAILED[/red] {exc}")
        return 1
    holdings = result.state.holdings()
    signed = (
        _signed_by(result.keys, pinned)
        if args.key
        else "consistency only: NOT checked against a key you trust"
    )
    console.print(
        f"[green]OK[/green] {result.checkpoint.size} entries of {result.checkpoint.origin}: canonical, "
        f"chained, root {result.checkpoint.root.hex()} ({signed}); replay gives {len(holdings)} "
        f"holdings and {sum(1 for v in result.state.cash.values() if v)} cash balances"
    )
    if not args.key:
        console.print(
            "[bold yellow]WARNING[/bold yellow] no --key: the checkpoint was checked against the key the "
            "export brought with it, so this shows only that the export agrees with itself, not who "
            "signed it. Anyone who rewrote the entries could have signed with a key of their own. Pin "
            "the platform's key: ledger verify DIR --key KEY (GET /api/v1/ledger/key, obtained on its "
            "own path)"
        )
    return 0


def _signed_by(keys: list[str], pinned: str) -> str:
    hops = len(keys) - 1 - keys.index(pinned)
    return f"signed by {keys[-1]}" + (f", reached from the pinned key by {hops} rotation(s)" if hops else "")


def read_key(value: str) -> str:
    """A verifier key given on the command line: the token itself, or a file holding it."""
    path = Path(value)
    return path.read_text(encoding="utf-8").strip() if path.is_file() else value.strip()


def ledger_rotate_key(args: argparse.Namespace) -> int:
    """Hand the ledger's signing over to the key in NEW_KEY_FILE (made there, mode 0600, if absent):
    one ``ledger.key_rotated`` entry, signed by the outgoing key; webhook secrets are sealed again under
    the new key in the same transaction. Run it with the server stopped, then
    start the server with LIANGSHAN_LEDGER_KEY pointing at the new file."""
    path = Path(args.new_key_file)
    incoming = signing_key.load(path) if path.exists() else signing_key.create(path)

    async def run(platform: Platform) -> tuple[int, LedgerKeyRotated] | None:
        if verifier_key(platform.ledger.origin, incoming.public_key()) == platform.ledger.verifier_key:
            return None
        async with platform.unit_of_work() as work:
            event = await platform.ledger.hand_over(work.session, incoming)
            work.record(event, actor=SYSTEM)
            await webhooks.reseal(work.session, platform.ledger.sealer, Sealer(incoming))
            await work.commit()
        return event.size, event

    done = asyncio.run(_with_platform(Settings.from_env(), run))
    if done is None:
        console.print(f"[red]refused:[/red] {path} holds the ledger's current key; make a new one")
        return 2
    seq, event = done
    sys.stdout.write(event.key + "\n")
    console.print(
        f"entry {seq} hands the ledger from {event.previous} to {event.key}, signed by the outgoing key. "
        f"Start the server with LIANGSHAN_LEDGER_KEY={path}; it refuses the old key from now on. "
        "Verifiers and witnesses pinned to the old key follow the rotation; keep the old key file "
        "offline, it signs nothing more"
    )
    return 0


def witness_keygen(args: argparse.Namespace) -> int:
    """Make a witness key (mode 0600) and print its verifier key, for the platform's LIANGSHAN_WITNESSES."""
    key = Ed25519PrivateKey.generate()
    try:
        signing_key.write_private(Path(args.key_file), (signer_key(args.name, key) + "\n").encode())
    except FileExistsError:
        console.print(f"[red]refused:[/red] {args.key_file} exists; a witness keeps its key")
        return 2
    except CheckpointError as exc:
        console.print(f"[red]refused:[/red] {exc}")
        return 2
    sys.stdout.write(cosigner_key(args.name, key.public_key()) + "\n")
    console.print(f"witness key saved to {args.key_file}; give the verifier key above to the platform")
    return 0


def witness_run(args: argparse.Namespace) -> int:
    """One witnessing round against the platform at URL: 0 cosigned, 1 split view, 2 not checked."""
    try:
        pinned = read_key(args.log_key)
        signer = witness.load_signer(Path(args.key))
    except (OSError, witness.WitnessFailed) as exc:
        console.print(f"[red]cannot start:[/red] {exc}")
        return 2

    async def run() -> witness.Cosigned:
        async with httpx.AsyncClient(base_url=args.url, timeout=args.timeout) as client:
            return await witness.witness(client, Path(args.state), pinned, signer, int(time.time()))

    try:
        done = asyncio.run(run())
    except witness.SplitView as split:
        console.print(f"[bold red]SPLIT VIEW[/bold red] {split}; nothing cosigned, state kept")
        sys.stdout.write(f"# seen before\n{split.seen}\n# shown now\n{split.shown}")
        return 1
    except witness.WitnessFailed as exc:
        console.print(f"[red]FAILED[/red] {exc}")
        return 2
    since = "first checkpoint seen" if done.previous is None else f"consistent with size {done.previous.size}"
    rotated = f", after {done.rotations} key rotation(s)" if done.rotations else ""
    console.print(
        f"[green]COSIGNED[/green] {done.checkpoint.origin} at size {done.checkpoint.size} ({since}{rotated})"
    )
    sys.stdout.write(done.line + "\n")
    return 0


def attestation_verify(args: argparse.Namespace) -> int:
    """Check a collateral attestation offline: only the file and the platform's verifier key."""
    try:
        document = attestation.load(Path(args.file).read_text(encoding="utf-8"))
        key = None if args.key is None else read_key(args.key)
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
    for root, about in (("registrar", "the platform operator"), ("regulator", "the first regulator")):
        actions = commands.add_parser(root, help=about).add_subparsers(required=True, metavar="action")
        create = actions.add_parser(
            "create", help=f"create the {root} of an empty registry, with its first user, and print its key"
        )
        create.add_argument("--name", required=True)
        create.add_argument("--credit-code", required=True, help="统一社会信用代码")
        create.add_argument("--division", default="360000", help="GB/T 2260 code")
        create.add_argument("--user", default=root, help="name of its first user")
        create.set_defaults(handler=root_create, root=root)
    save = commands.add_parser(
        "backup", help="copy the database into DIR while the server runs (not the signing key)"
    )
    save.add_argument("dir")
    save.set_defaults(handler=backup)
    load = commands.add_parser("restore", help="restore a backup from DIR into an empty database")
    load.add_argument("dir")
    load.add_argument("--force", action="store_true", help="replace a database that holds a ledger")
    load.set_defaults(handler=restore)
    ledger = commands.add_parser("ledger", help="the public ledger").add_subparsers(
        required=True, metavar="action"
    )
    export = ledger.add_parser("export", help="write DIR/entries.jsonl, DIR/checkpoint and DIR/key")
    export.add_argument("dir")
    export.set_defaults(handler=ledger_export)
    check = ledger.add_parser("verify", help="verify an export offline, with no database")
    check.add_argument("dir")
    check.add_argument(
        "--key",
        help="pin the platform's verifier key (a C2SP vkey, or a file holding it, from GET /ledger/key): "
        "the checkpoint must be signed by it or by a key it handed over to in a ledgered rotation",
    )
    check.set_defaults(handler=ledger_verify)
    ledger.add_parser("audit", help="replay the ledger against the live database").set_defaults(
        handler=ledger_audit
    )
    rotate = ledger.add_parser(
        "rotate-key", help="hand the ledger's signing over to a new key, in a ledger entry the old key signs"
    )
    rotate.add_argument("new_key_file", help="the new key's PEM file; made (mode 0600) if it does not exist")
    rotate.set_defaults(handler=ledger_rotate_key)
    add_witness_commands(commands)
    attest = commands.add_parser("attestation", help="collateral attestations").add_subparsers(
        required=True, metavar="action"
    )
    proof = attest.add_parser("verify", help="verify a collateral attestation offline, with no database")
    proof.add_argument("file")
    proof.add_argument("--key", help="the platform's verifier key, or a file holding it (GET /ledger/key)")
    proof.set_defaults(handler=attestation_verify)
    return top


def add_witness_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """``witness keygen`` and ``witness run``: the regulator's side, needing no database."""
    witnessing = commands.add_parser(
        "witness", help="witness the platform's ledger from your own machine (C2SP tlog-cosignature)"
    ).add_subparsers(required=True, metavar="action")
    keygen = witnessing.add_parser("keygen", help="make a witness key and print its verifier key")
    keygen.add_argument("name", help="the witness's name, a schema-less URL such as jxhb.example/witness")
    keygen.add_argument("key_file", help="where to keep the private key (made with mode 0600)")
    keygen.set_defaults(handler=witness_keygen)
    round_ = witnessing.add_parser("run", help="check the platform's checkpoint, cosign it, hand it in")
    round_.add_argument("url", help="the platform, such as https://liangshan.example")
    round_.add_argument("--log-key", required=True, help="the ledger's verifier key you pinned, or its file")
    round_.add_argument("--key", required=True, help="this witness's key file (witness keygen)")
    round_.add_argument("--state", required=True, help="the file keeping the last checkpoint seen")
    round_.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    round_.set_defaults(handler=witness_run)


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
