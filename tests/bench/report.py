"""Builds tests/bench/REPORT.md from one run of tests/bench/run.sh (stdlib only).

    python3 report.py OUT_DIR REPORT_MD COMMAND

OUT_DIR holds round-N.jsonl (one JSON object per measurement, as printed by the Rust timing
binary, peers.mjs and peers.py) and optionally callgrind.jsonl. Ratios are computed within each
round (the measurements of a round run back to back) and summarized across rounds as
median [min–max]. Prints the tables to stdout as well.
"""

import json
import platform
import re
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

out_dir, report_path, command = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

rounds, loads, meta, paired = [], [], {}, {}
for path in sorted(out_dir.glob("round-*.jsonl"), key=lambda p: int(p.stem.split("-")[1])):
    results, load = {}, {}
    for line in path.read_text().splitlines():
        obj = json.loads(line)
        if obj.get("event"):
            load[obj["event"]] = obj["loadavg"]
            load.setdefault("date", obj["date"])
            continue
        if "paired_ratio" in obj:
            paired.setdefault(obj["op"], []).append(obj["paired_ratio"])
            continue
        results[(obj["library"], obj["op"])] = obj
        meta[(obj["library"], obj["op"])] = obj
    rounds.append(results)
    loads.append(load)

# (label, key, comparison key or None, "what is measured")
ROWS_X402 = [
    ("pay402 full verify, v2 header (`verify_payment_header`)", ("pay402", "x402.verify_header.v2"),
     "base64 + JSON decode of requirements and header, 12 checks, EIP-712 digest, k256 recovery"),
    ("pay402 full verify, v1 header (`verify_payment_header`)", ("pay402", "x402.verify_header.v1"), "same, v1 header"),
    ("pay402 bare recover (`recover_address`, k256)", ("pay402", "evm.recover"), "digest + 65-byte signature → address"),
    ("libsecp256k1 recover → address (Rust `secp256k1`)", ("libsecp256k1", "evm.recover"), "recover + Keccak of the key"),
    ("libsecp256k1 recover → public key (Rust `secp256k1`)", ("libsecp256k1", "evm.recover_pubkey"), "recover only"),
    ("coincurve recover → public key (Python)", ("coincurve", "evm.recover_pubkey"), "`from_signature_and_message(hasher=None)`"),
    ("viem `recoverTypedDataAddress` (Node)", ("viem", "evm.recover_typed_data"), "typed data → digest → address"),
    ("eth-account, pure-Python eth-keys backend (as pinned in tests/conformance/peers)", ("eth-account", "evm.recover_typed_data"),
     "`recover_message(encode_typed_data(...))`"),
    ("eth-account with coincurve installed (eth-keys coincurve backend)", ("eth-account+coincurve", "evm.recover_typed_data"),
     "same call, C backend"),
]
ROWS_L402 = [
    ("pay402 macaroon decode + verify (strict, 5 caveats)", ("pay402", "macaroon.decode_verify"), "V2 binary base64url token"),
    ("pymacaroons `deserialize` + `Verifier.verify`", ("pymacaroons", "macaroon.decode_verify"), "5 × `satisfy_exact`"),
    ("js-macaroon `importMacaroon` + `verify`", ("js-macaroon", "macaroon.decode_verify"), "exact-match checker"),
    ("pay402 BOLT11 decode + payee recovery", ("pay402", "bolt11.decode_recover"), "spec coffee example, no `n`"),
    ("npm `bolt11` decode", ("bolt11", "bolt11.decode_recover"), "recovers through npm `secp256k1`"),
]
VERIFY = ("pay402", "x402.verify_header.v2")
VERIFY_V1 = ("pay402", "x402.verify_header.v1")
RECOVER = ("pay402", "evm.recover")
MACAROON = ("pay402", "macaroon.decode_verify")
BOLT11 = ("pay402", "bolt11.decode_recover")


def ns(r, key):
    return r[key]["median_ns"] if key in r else None


def per_round(key):
    return [ns(r, key) for r in rounds]


def min_ratio_rounds(num, den):
    return [r[num]["min_ns"] / r[den]["min_ns"] for r in rounds if num in r and den in r]


def ratio_rounds(num, den):
    return [ns(r, num) / ns(r, den) for r in rounds if ns(r, num) and ns(r, den)]


def fmt_us(v):
    if v is None:
        return "–"
    us = v / 1000
    return f"{us:,.2f}" if us < 100 else f"{us:,.0f}"


def summary(values, digits=2):
    if not values:
        return "–"
    med = statistics.median(values)
    return f"{med:.{digits}f} [{min(values):.{digits}f}–{max(values):.{digits}f}]"


def table(rows, baseline, baseline_name):
    head = ["| implementation | " + " | ".join(f"round {i + 1} µs" for i in range(len(rounds)))
            + " | median µs | spread | × pay402 " + baseline_name + " (median [range]) | what |",
            "|---|" + "---:|" * len(rounds) + "---:|---:|---:|---|"]
    lines = []
    for label, key, what in rows:
        values = per_round(key)
        present = [v for v in values if v]
        med = statistics.median(present) if present else None
        spread = f"{(max(present) / min(present) - 1) * 100:.0f} %" if present else "–"
        rel = "1 (baseline)" if key == baseline else summary(ratio_rounds(key, baseline))
        lines.append(f"| {label} | " + " | ".join(fmt_us(v) for v in values)
                     + f" | {fmt_us(med)} | {spread} | {rel} | {what} |")
    return "\n".join(head + lines)


# --- callgrind: instructions per operation = (count at N=11 − count at N=1) / 10
instr = {}
cg = out_dir / "callgrind.jsonl"
if cg.exists():
    counts = {}
    for line in cg.read_text().splitlines():
        obj = json.loads(line)
        counts[(obj["op"], obj["repeat"])] = obj["instructions"]
    for op in {op for op, _ in counts}:
        if (op, 1) in counts and (op, 11) in counts:
            instr[op] = (counts[(op, 11)] - counts[(op, 1)]) / 10


def verdict(ok):
    return "**met**" if ok else "**not met**"


def median_ratio(num, den):
    values = ratio_rounds(num, den)
    return statistics.median(values) if values else None


def at_least(values, need):
    """The median over the rounds decides; a range that crosses the target is said."""
    if not values:
        return "–"
    if min(values) >= need:
        return "**met** (every round)"
    if statistics.median(values) >= need:
        return "**met** on the median, not in every round"
    if max(values) >= need:
        return "**not met** on the median (met in some round)"
    return "**not met**"


targets = []
r_v2 = median_ratio(VERIFY, RECOVER)
r_v1 = median_ratio(VERIFY_V1, RECOVER)
i_v2 = instr.get("x402.verify_header.v2", 0) / instr["evm.recover"] if instr.get("evm.recover") else None
i_v1 = instr.get("x402.verify_header.v1", 0) / instr["evm.recover"] if instr.get("evm.recover") else None
p_v2 = paired.get("ratio.verify_v2_over_recover")
met1 = (statistics.median(p_v2) if p_v2 else r_v2 or 99) <= 1.10 and (i_v2 is None or i_v2 <= 1.10)
targets.append(("full verify ≤ 1.10 × bare k256 recover",
                f"time, paired (interleaved batches): v2 {summary(paired.get('ratio.verify_v2_over_recover', []))}, "
                f"v1 {summary(paired.get('ratio.verify_v1_over_recover', []))}; "
                f"time, separate medians: v2 {summary(ratio_rounds(VERIFY, RECOVER))}, v1 {summary(ratio_rounds(VERIFY_V1, RECOVER))}"
                + (f"; instructions: v2 {i_v2:.3f}, v1 {i_v1:.3f}" if i_v2 else ""), verdict(met1)))
i_admit = instr.get("x402.server_admit.v2", 0) / instr["evm.recover"] if instr.get("evm.recover") else None
p_admit = paired.get("ratio.admit_v2_over_recover")
ADMIT = ("pay402", "x402.server_admit.v2")
met_admit = (statistics.median(p_admit) if p_admit else median_ratio(ADMIT, RECOVER) or 99) <= 1.10 and (
    i_admit is None or i_admit <= 1.10)
targets.append(("server admission (prepared offers, v2 EIP-3009) ≤ 1.10 × bare k256 recover",
                f"time, paired (interleaved batches): {summary(p_admit or [])}; "
                f"time, separate medians: {summary(ratio_rounds(ADMIT, RECOVER))}"
                + (f"; instructions: {i_admit:.3f} (breakdown in the server-admission section above)" if i_admit else ""),
                verdict(met_admit)))
for peer, need, name in [(("viem", "evm.recover_typed_data"), 20, "≥ 20 × faster than viem"),
                         (("eth-account", "evm.recover_typed_data"), 3.5,
                          "≥ 3.5 × faster than eth-account (pure-Python backend, as pinned)"),
                         (("eth-account+coincurve", "evm.recover_typed_data"), 3.5,
                          "≥ 3.5 × faster than eth-account (coincurve backend)")]:
    targets.append((f"full verify {name}", f"{summary(ratio_rounds(peer, VERIFY), 1)} × "
                    f"(best samples: {summary(min_ratio_rounds(peer, VERIFY), 1)} ×)",
                    at_least(ratio_rounds(peer, VERIFY), need)))
targets.append(("macaroon verify ≥ 15 × faster than pymacaroons",
                f"{summary(ratio_rounds(('pymacaroons', 'macaroon.decode_verify'), MACAROON), 1)} × (best samples: "
                f"{summary(min_ratio_rounds(('pymacaroons', 'macaroon.decode_verify'), MACAROON), 1)} ×)",
                at_least(ratio_rounds(("pymacaroons", "macaroon.decode_verify"), MACAROON), 15)))


def run(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "?"


def lock_version(lock, name):
    text = (lock).read_text()
    m = re.search(r'name = "' + re.escape(name) + r'"\nversion = "([^"]+)"', text)
    return m.group(1) if m else "?"


cpu = next((l.split(":", 1)[1].strip() for l in run("lscpu").splitlines() if l.startswith("Model name")), "?")
mem = next((l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")), "?")
libsecp = "?"
for cmake in Path.home().glob(".cargo/registry/src/*/secp256k1-sys-" + lock_version(HERE / "rust/Cargo.lock", "secp256k1-sys")
                              + "/depend/secp256k1/CMakeLists.txt"):
    m = re.search(r"VERSION (\d+\.\d+\.\d+)", cmake.read_text().split("project(", 1)[1])
    libsecp = m.group(1) if m else "?"


def version_of(key, field="version"):
    return meta.get(key, {}).get(field, "?")


bolt11_meta = meta.get(("bolt11", "bolt11.decode_recover"), {})
machine = [
    f"- Date (UTC): {datetime.now(timezone.utc):%Y-%m-%d %H:%M}; rounds started at "
    + ", ".join(l.get("date", "?") for l in loads),
    f"- Machine: {cpu}, {run('nproc')} cores, {int(mem) // 1024 if mem != '?' else '?'} MiB RAM, "
    f"{platform.system()} {platform.release()} {platform.machine()}",
    "- Load average (1/5/15 min) at the start → end of each round: "
    + "; ".join(f"round {i + 1}: {l.get('start', '?')} → {l.get('end', '?')}" for i, l in enumerate(loads)),
    f"- Toolchain: {run('rustc', '-V')}; Node {run('node', '-v')}; Python {platform.python_version()}",
    f"- pay402 `{run('git', '-C', str(ROOT), 'rev-parse', '--short', 'HEAD')}` with k256 "
    f"{lock_version(ROOT / 'Cargo.lock', 'k256')}, sha3 {lock_version(ROOT / 'Cargo.lock', 'sha3')}, "
    f"hmac {lock_version(ROOT / 'Cargo.lock', 'hmac')}; release profile, `lto = true`, `codegen-units = 1`",
    f"- libsecp256k1 {libsecp} (vendored by `secp256k1-sys` {lock_version(HERE / 'rust/Cargo.lock', 'secp256k1-sys')}, "
    f"Rust `secp256k1` {lock_version(HERE / 'rust/Cargo.lock', 'secp256k1')}; tests/bench/rust/Cargo.lock)",
    f"- viem {version_of(('viem', 'evm.recover_typed_data'))} (tests/conformance/peers/package-lock.json); "
    f"macaroon (js-macaroon) {version_of(('js-macaroon', 'macaroon.decode_verify'))} (tests/conformance/peers/macaroon/package-lock.json); "
    f"bolt11 {bolt11_meta.get('version', '?')} with npm secp256k1 {bolt11_meta.get('secp256k1_version', '?')}, "
    f"{bolt11_meta.get('secp256k1_backend', '?')} (tests/conformance/peers/bolt11/package-lock.json)",
    f"- eth-account {version_of(('eth-account', 'evm.recover_typed_data'))} "
    f"(backend {version_of(('eth-account', 'evm.recover_typed_data'), 'eth_keys_backend')}; tests/conformance/peers/requirements.txt) and "
    f"with coincurve (backend {version_of(('eth-account+coincurve', 'evm.recover_typed_data'), 'eth_keys_backend')}; "
    f"tests/bench/requirements.txt); coincurve {version_of(('coincurve', 'evm.recover_pubkey'))}; "
    f"pymacaroons {version_of(('pymacaroons', 'macaroon.decode_verify'))} (tests/conformance/peers/macaroon/requirements.txt)",
]
sample = next(iter(meta.values()), {})
method = (f"Every measurement: a warm-up (1 s by default, `WARMUP_MS`), a batch sized to last one sample time, "
          f"{sample.get('samples', '?')} timed batches, **median** time per operation (same code in Rust, "
          f"Node and Python: `tests/bench/rust/src/main.rs`, `peers.mjs`, `peers.py`). Each script checks its "
          f"answer (recovered address / public key, macaroon verdict and a wrong-key rejection, BOLT11 payee) "
          f"before timing. Ratios are computed inside each round, whose measurements run back to back, then "
          f"summarized as median [min–max] over the rounds.")

x402_table = table(ROWS_X402, VERIFY, "verify")
l402_rows_mac, l402_rows_bolt = ROWS_L402[:3], ROWS_L402[3:]
mac_table = table(l402_rows_mac, MACAROON, "macaroon")
bolt_table = table(l402_rows_bolt, BOLT11, "BOLT11")
OPS = [
    ("x402 decode header v1 (`PaymentPayload::from_header`, 648 chars)", ("pay402", "x402.decode_header.v1")),
    ("x402 decode header v2 (`PaymentPayload::from_header`, 1088 chars)", ("pay402", "x402.decode_header.v2")),
    ("EIP-712 digest, EIP-3009 (`TransferWithAuthorization::digest`)", ("pay402", "evm.eip712_digest")),
    ("bare recover (`recover_address`)", RECOVER),
    ("full verify v1 (`verify_payment_header`)", VERIFY_V1),
    ("full verify v2 (`verify_payment_header`)", VERIFY),
    ("server admission v2 (`server::admit`, prepared `exact` EIP-3009 offer)", ("pay402", "x402.server_admit.v2")),
    ("sign digest (`PrivateKey::sign_prehash`, RFC 6979)", ("pay402", "evm.sign_prehash")),
    ("sign end to end (`sign_payment`: draft + sign + v2 header)", ("pay402", "x402.sign_payment.v2")),
    ("macaroon decode (`Macaroon::decode`, 1 id + 5 caveats)", ("pay402", "macaroon.decode")),
    ("macaroon decode + verify (`verify::verify`, strict)", MACAROON),
    ("BOLT11 decode + recovery (`Bolt11Invoice::decode`)", BOLT11),
]
ops_table = "\n".join(
    ["| pay402 operation | " + " | ".join(f"round {i + 1} µs" for i in range(len(rounds))) + " | median µs | spread |",
     "|---|" + "---:|" * len(rounds) + "---:|---:|"]
    + [f"| {label} | " + " | ".join(fmt_us(v) for v in per_round(key))
       + f" | {fmt_us(statistics.median([v for v in per_round(key) if v]) if any(per_round(key)) else None)}"
       + f" | {((max(v for v in per_round(key) if v) / min(v for v in per_round(key) if v) - 1) * 100) if any(per_round(key)) else 0:.0f} % |"
       for label, key in OPS])
targets_table = "\n".join(["| target | measured: ratio of medians, median [range] over rounds | verdict (median decides) |",
                           "|---|---|---|"]
                          + [f"| {t} | {m} | {v} |" for t, m, v in targets])
instr_table = ""
if instr:
    instr_table = "\n".join(
        ["| operation | instructions per op (callgrind) | × bare recover |", "|---|---:|---:|"]
        + [f"| `{op}` | {instr[op]:,.0f} | {instr[op] / instr['evm.recover']:.3f} |"
           for op in ("evm.recover", "x402.verify_header.v1", "x402.verify_header.v2", "x402.decode_header.v2",
                      "x402.server_admit.v2")
           if op in instr])

generated = f"""## Results

{method}

### Every pay402 operation benchmarked (the criterion benches in `core/benches/` cover the same set)

{ops_table}

### x402 on EVM: the x402 spec's EIP-3009 vector (x402-specification-v1.md §5.2.1)

Digest `0xf256…22e6`, signature `0x2d6a…571c`, payer `0x857b…6b66`; the pay402 full-verify rows decode
the spec's example header carrying that signature. Ratios > 1: the row is slower than pay402's full verify.

{x402_table}

### L402: macaroon (1 id + 5 first-party caveats) and BOLT11

{mac_table}

{bolt_table}

### Targets

{targets_table}

### Instruction counts (load-independent)

{instr_table or "(valgrind not run)"}

### Machine and versions

{chr(10).join(machine)}

Reproduce: `{command}` (raw numbers: `{out_dir.relative_to(ROOT) if out_dir.is_relative_to(ROOT) else out_dir}`).
"""

# REPORT.md = the hand-written analysis (kept between runs) + the generated results.
MARK = "<!-- generated by tests/bench/report.py below this line -->"
existing = report_path.read_text() if report_path.exists() else "# pay402 benchmarks\n\n"
head = existing.split(MARK, 1)[0].rstrip() + "\n\n"
report_path.write_text(head + MARK + "\n\n" + generated)
print(generated)
