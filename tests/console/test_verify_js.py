"""The browser's check of an entry (``api/console/static/verify.js``), run by Node's WebCrypto on
what the API serves: a real entry, checkpoint and inclusion proof verify; a changed byte, a proof for
another entry and another key do not. Skipped where Node is not installed (browsers are the
Playwright tests' to drive, when the machine has Chromium)."""

import json
import os
import shutil
import subprocess

import anyio
import pytest

from api.console import HERE
from tests.platform import Platform

pytestmark = pytest.mark.anyio
NODE = shutil.which("node")
SCRIPT = """
import * as v from %(module)s;
const cases = JSON.parse(process.argv[1]);
const results = [];
for (const c of cases) {
  const note = v.splitNote(c.note);
  const entry = new TextEncoder().encode(c.entry);
  const leaf = await v.leafHash(entry);
  let included;
  try {
    const root = await v.rootFromInclusion(leaf, BigInt(c.seq), note.size, c.path.map(v.fromHex));
    included = v.equal(root, note.root);
  } catch (e) { included = e.message; }
  let signed;
  try { signed = await v.signedBy(note, await v.parseVerifierKey(c.key)); } catch (e) { signed = "bad key"; }
  results.push({leaf: v.hex(leaf), included, signed});
}
console.log(JSON.stringify(results));
"""


def run(cases: list[dict[str, object]]) -> list[dict[str, object]]:
    assert NODE is not None
    module = json.dumps((HERE / "static" / "verify.js").as_uri())
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", SCRIPT % {"module": module}, json.dumps(cases)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    results: list[dict[str, object]] = json.loads(done.stdout)
    return results


# CI runs it always (the machine has Node.js); elsewhere, without Node, it is skipped and says so
@pytest.mark.skipif(
    NODE is None and os.environ.get("CI") != "true",
    reason="Node is not installed: the browser's check is not run here",
)
async def test_the_browser_check_accepts_the_truth_and_nothing_else(platform: Platform) -> None:
    holder = await platform.onboard("enterprise")
    for _ in range(3):
        await platform.confirmed(holder, "CS")
    note = (await platform.get("/api/v1/ledger/checkpoint")).text
    key = (await platform.get("/api/v1/ledger/key")).text
    size = int(note.split("\n")[1])
    seq = size - 1  # the last right's confirmation: a public entry
    entry = (await platform.get("/api/v1/ledger/entries", start=seq, end=size)).text.removesuffix("\n")
    proof = (await platform.get("/api/v1/ledger/proof/inclusion", seq=seq, size=size)).json()
    other = (await platform.get("/api/v1/ledger/proof/inclusion", seq=seq - 1, size=size)).json()
    name, _, rest = key.partition("+")
    cases = [
        {"note": note, "entry": entry, "seq": seq, "path": proof["path"], "key": key},
        {
            "note": note,
            "entry": entry.replace('"seq"', '"seq" '),
            "seq": seq,
            "path": proof["path"],
            "key": key,
        },
        {"note": note, "entry": entry, "seq": seq, "path": other["path"], "key": key},
        {"note": note, "entry": entry, "seq": seq, "path": proof["path"], "key": f"other+{rest}"},
    ]
    truth, changed, wrong_path, wrong_key = await anyio.to_thread.run_sync(run, cases)
    assert truth == {"leaf": proof["leaf_hash"], "included": True, "signed": True}
    assert changed["included"] is False
    assert wrong_path["included"] in (False, "proof too long")
    assert wrong_key["signed"] in (False, "bad key")
    assert name
