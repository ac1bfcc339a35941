// Check a public ledger entry in the browser, trusting nothing the server concludes: fetch the
// entry's stored bytes, the latest signed checkpoint and the inclusion proof from the API, then
//  1. leaf hash = SHA-256(0x00 ‖ bytes)                               (RFC 9162 §2.1.1)
//  2. walk the inclusion path to a root, node = SHA-256(0x01 ‖ l ‖ r) (RFC 9162 §2.1.3.2)
//     and compare it with the checkpoint's root                        (C2SP tlog-checkpoint)
//  3. check the checkpoint's Ed25519 signature by the verifier key     (C2SP signed-note)
// with WebCrypto. Exported pieces are pure, so they can be tested on their own.

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);
const SIGNATURE_PREFIX = "\u2014 ";
const encoder = new TextEncoder();

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}

async function sha256(...parts) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", concat(...parts)));
}

export const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
export const fromHex = (text) => Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));
export const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
export const leafHash = (entry) => sha256(LEAF, entry);
export const nodeHash = (left, right) => sha256(NODE, left, right);

export function equal(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

// RFC 9162 §2.1.3.2: the root that ``path`` leads to from leaf ``index`` of a tree of ``size``;
// BigInt, since sequence numbers may pass 2^31 (JavaScript's bit operators stop there)
export async function rootFromInclusion(leaf, index, size, path) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn) throw new Error("index beyond the tree");
  let r = leaf;
  for (const p of path) {
    if (sn === 0n) throw new Error("proof too long");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) throw new Error("proof too short");
  return r;
}

// C2SP signed-note: the signed text (with its final newline) and its signature lines
export function splitNote(note) {
  const cut = note.indexOf("\n\n");
  if (cut < 0) throw new Error("note without signatures");
  const text = note.slice(0, cut + 1);
  const signatures = note.slice(cut + 2).split("\n").filter((line) => line.startsWith(SIGNATURE_PREFIX))
    .map((line) => {
      const [name, blob] = line.slice(SIGNATURE_PREFIX.length).split(" ");
      return { name, blob: fromBase64(blob) };
    });
  const [origin, size, root] = text.split("\n");
  return { text, origin, size: BigInt(size), root: fromBase64(root), signatures };
}

// C2SP verifier key <name>+<hex key id>+<base64(0x01 ‖ Ed25519 public key)>, its id recomputed
export async function parseVerifierKey(vkey) {
  const [name, id, ...rest] = vkey.trim().split("+");
  const encoded = rest.join("+");  // base64 has "+" of its own
  const blob = fromBase64(encoded || "");
  if (!name || blob.length !== 33 || blob[0] !== 1) throw new Error("not an Ed25519 verifier key");
  const computed = (await sha256(encoder.encode(name + "\n"), blob)).slice(0, 4);
  if (hex(computed) !== id) throw new Error("the key id does not match the key");
  return { name, id: computed, publicKey: blob.slice(1) };
}

// true or false; null where the browser's WebCrypto has no Ed25519
export async function signedBy(note, key) {
  const line = note.signatures.find((s) => s.name === key.name && equal(s.blob.slice(0, 4), key.id));
  if (!line) return false;
  let publicKey;
  try {
    publicKey = await crypto.subtle.importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
  } catch {
    return null;
  }
  return crypto.subtle.verify({ name: "Ed25519" }, publicKey, line.blob.slice(4), encoder.encode(note.text));
}

async function fetched(url, as) {
  const answer = await fetch(url, { credentials: "omit", cache: "no-store" });
  if (!answer.ok) throw new Error(`${url}: ${answer.status}`);
  return answer[as]();
}

function show(panel, step, state, detail) {
  const item = panel.querySelector(`[data-step="${step}"]`);
  item.dataset.state = state;
  let result = item.querySelector(".result");
  if (!result) { result = document.createElement("span"); result.className = "result"; item.append(result); }
  result.textContent = (item.dataset[state] || "") + (detail ? ` (${detail})` : "");
}

export async function check(panel) {
  for (const item of panel.querySelectorAll("[data-step]")) { delete item.dataset.state; }
  const seq = BigInt(panel.dataset.seq);
  try {
    const note = splitNote(await fetched("/api/v1/ledger/checkpoint", "text"));
    const lines = new Uint8Array(await fetched(`/api/v1/ledger/entries?start=${seq}&end=${seq + 1n}`, "arrayBuffer"));
    // an entry the public may not read (a party's trade, shown to the party) is served to no one
    // anonymous: the bytes shown on the page are hashed instead, and the proof checks them the same
    const shown = panel.ownerDocument.querySelector("pre.canonical");
    const entry = lines.length ? (lines.at(-1) === 10 ? lines.slice(0, -1) : lines)
      : new TextEncoder().encode(shown ? shown.textContent : "");
    const leaf = await leafHash(entry);
    const leafOk = hex(leaf) === panel.dataset.leaf;
    show(panel, "leaf", leafOk ? "ok" : "fail", hex(leaf));
    const proof = await fetched(`/api/v1/ledger/proof/inclusion?seq=${seq}&size=${note.size}`, "json");
    const root = await rootFromInclusion(leaf, seq, note.size, proof.path.map(fromHex));
    show(panel, "path", equal(root, note.root) ? "ok" : "fail", `${note.size} · ${hex(root)}`);
    const key = await parseVerifierKey(panel.querySelector("#vkey").value);
    const signed = await signedBy(note, key);
    show(panel, "signature", signed === null ? "unsupported" : signed ? "ok" : "fail", key.name);
  } catch (error) {
    for (const item of panel.querySelectorAll("[data-step]:not([data-state])")) {
      show(panel, item.dataset.step, "fail", error.message);
    }
  }
}

// a page loaded whole, or an entry swapped in by htmx: check each new panel once, on arrival
function arrive() {
  const panel = document.getElementById("proof-panel");
  if (!panel || panel.dataset.wired) return;
  panel.dataset.wired = "yes";
  panel.querySelector("#verify").addEventListener("click", () => check(panel));
  check(panel);
}
if (typeof document !== "undefined") {  // a page, not a test importing the module
  document.body.addEventListener("htmx:afterSettle", arrive);
  arrive();
}
