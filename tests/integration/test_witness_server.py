"""``liangshan witness run`` against real server processes: it cosigns what a platform shows, and when
two platforms signing with the same key show it two different checkpoints of one size (a split view)
it prints both signed notes and exits non-zero, cosigning nothing."""

from pathlib import Path

import httpx
import pytest

from api.cli import main
from benchmarks.live import Server
from tests.platform import credit_code


def test_two_platforms_showing_one_witness_different_trees_is_a_split_view(
    database_url: str, tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    witness_key, state = tmp_path / "witness.key", tmp_path / "state.json"
    assert main(["witness", "keygen", "jxhb.example/witness", str(witness_key)]) == 0
    witness_vkey = capfd.readouterr().out.strip()
    settings = {"LIANGSHAN_LEDGER_KEY": str(tmp_path / "ledger.key"), "LIANGSHAN_WITNESSES": witness_vkey}
    servers = []
    for n, url in enumerate([database_url, f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"]):
        (tmp_path / str(n)).mkdir()
        servers.append(Server(url, tmp_path / str(n), **settings))
    try:
        for n, server in enumerate(servers):
            server.start()
            for name, value in server.env.items():
                if name.startswith("LIANGSHAN_"):
                    monkeypatch.setenv(name, value)
            assert (
                main(
                    [
                        "registrar",
                        "create",
                        "--name",
                        f"平台{n}",
                        "--credit-code",
                        credit_code("91", "360100", n),
                    ]
                )
                == 0
            )
        honest, other = servers
        log_key = httpx.get(f"{honest.url}/api/v1/ledger/key").text
        assert httpx.get(f"{other.url}/api/v1/ledger/key").text == log_key  # one key, two histories
        run = ["witness", "run", "--log-key", log_key, "--key", str(witness_key), "--state", str(state)]

        capfd.readouterr()
        assert main([*run[:2], honest.url, *run[2:]]) == 0
        line = capfd.readouterr().out.strip()
        assert line in httpx.get(f"{honest.url}/api/v1/ledger/checkpoint").text
        kept = state.read_text()

        assert main([*run[:2], other.url, *run[2:]]) == 1
        shown = capfd.readouterr()
        assert "SPLIT VIEW" in shown.err and "two different checkpoints of size" in " ".join(
            shown.err.split()
        )
        seen_part, shown_part = shown.out.removeprefix("# seen before\n").split("# shown now\n")
        other_note = httpx.get(f"{other.url}/api/v1/ledger/checkpoint").text
        assert shown_part == other_note and "witness" not in other_note  # the evidence; nothing cosigned
        honest_note = httpx.get(f"{honest.url}/api/v1/ledger/checkpoint").text
        assert seen_part.strip() == honest_note.removesuffix(line + "\n").strip()
        assert state.read_text() == kept
    finally:
        for server in servers:
            server.stop()
