"""Writes the server-admission section of tests/bench/REPORT.md from callgrind runs (stdlib only).

    python3 admission.py OUT_DIR REPORT_MD

OUT_DIR holds callgrind.jsonl and the callgrind output files callgrind.OP.N that tests/bench/run.sh
makes (`pay402-bench-timing --repeat OP N` under valgrind, N = 1 and 11). Instructions per
operation are (count at N=11 - count at N=1) / 10, as in report.py; the breakdown of one admission
is the same difference of callgrind_annotate's inclusive cost per function. The section, between
`<!-- admission:begin -->` and `<!-- admission:end -->`, replaces the one in REPORT_MD (or is
appended when there is none); nothing else of REPORT_MD changes. Run by tests/bench/run.sh.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

out_dir, report_path = Path(sys.argv[1]), Path(sys.argv[2])
TARGET = 1.10
ADMIT, VERIFY, RECOVER = "x402.server_admit.v2", "x402.verify_header.v2", "evm.recover"

counts = {}
for line in (out_dir / "callgrind.jsonl").read_text().splitlines():
    obj = json.loads(line)
    counts[(obj["op"], obj["repeat"])] = obj["instructions"]
per_op = {op: (counts[(op, 11)] - counts[(op, 1)]) / 10
          for op, n in counts if n == 1 and (op, 11) in counts}
for op in (ADMIT, RECOVER):
    if op not in per_op:
        sys.exit(f"admission.py: no callgrind counts for {op} in {out_dir}")


def inclusive(path):
    """Inclusive instructions per function name (the largest of its file:function entries)."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", "--auto=no", str(path)],
                          capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*?)(?: \[.*\])?$", line)
        if not m:
            continue
        # "file:function": the first single colon (functions are paths with `::`)
        parts = re.split(r"(?<!:):(?!:)", m.group(2), maxsplit=1)
        name = parts[-1]
        costs[name] = max(costs.get(name, 0), int(m.group(1).replace(",", "")))
    return costs


many, one = inclusive(out_dir / f"callgrind.{ADMIT}.11"), inclusive(out_dir / f"callgrind.{ADMIT}.1")


def cost(name):
    return (many.get(name, 0) - one.get(name, 0)) / 10


F = {
    "admit": "pay402::x402::server::admission::admit",
    "recover": "pay402::evm::signature::recover_address",
    "from_header": "pay402::x402::payment_payload::PaymentPayload::from_header",
    "base64": "pay402::base64::decode_public_into",
    "json": "pay402::json::value::RawValue::parse_with",
    "verify_against": "pay402::x402::server::admission::verify_against",
    "verify": "pay402::x402::verifier::Verifier::verify_prepared",
    "accepted": "pay402::x402::scheme::accepted_matches",
    "payload": "pay402::x402::scheme::exact_eip3009::payload::ExactEvmPayload::from_object",
    "struct_hash": "pay402::evm::transfer_with_authorization::TransferWithAuthorization::struct_hash",
    "digest": "pay402::evm::eip712::typed_data_digest",
    "check": "pay402::x402::scheme::check_eoa_signature",
}
admit_total = per_op[ADMIT]
recover = per_op[RECOVER]
parts = [
    ("k256 recovery and the address (`recover_address`, the same work as the bare recover)", cost(F["recover"])),
    ("header base64 (`base64::decode_public_into`)", cost(F["base64"])),
    ("header JSON validation (`RawValue::parse_with`: UTF-8, grammar, duplicate keys)", cost(F["json"])),
    ("header fields (`PaymentPayload::from_header` less base64 and validation: members, `accepted`, `resource`)",
     cost(F["from_header"]) - cost(F["base64"]) - cost(F["json"])),
    ("the offer's requirements read back (`verify_against` less `verify_prepared`)",
     cost(F["verify_against"]) - cost(F["verify"])),
    ("`accepted` deep-equal with the offer (`accepted_matches`)", cost(F["accepted"])),
    ("EIP-3009 payload decode (`ExactEvmPayload::from_object`: addresses, amounts, nonce, signature hex)",
     cost(F["payload"])),
    ("EIP-712 digest with the precomputed domain separator (struct hash + digest: 3 Keccak-f)",
     cost(F["struct_hash"]) + cost(F["digest"])),
    ("signature hex decode and signer comparison (`check_eoa_signature` less the recovery)",
     cost(F["check"]) - cost(F["recover"])),
]
known = sum(v for _, v in parts)
parts.append(("the rest: header name, offer match, payload kind, checks, replay key, `Admission`", admit_total - known))

ratio = admit_total / recover
verify_ratio = per_op[VERIFY] / recover if VERIFY in per_op else None
RESPACED = ADMIT + ".respaced"
rows = [f"| `{op}` | {per_op[op]:,.0f} | {per_op[op] / recover:.3f} |"
        for op in (RECOVER, VERIFY, ADMIT, RESPACED) if op in per_op]
respaced_note = ""
if RESPACED in per_op:
    r = per_op[RESPACED] / recover
    respaced_note = (f"\n\nThe spec's header carries `accepted` as the offer's own text byte for byte (x402 clients echo the "
                     f"`accepts` entry), which the deep-equal recognizes at once. `{RESPACED}` is the same payment with "
                     f"one space added inside `accepted`: the full comparison costs {per_op[RESPACED] - admit_total:,.0f} "
                     f"more, {r:.3f} × (target **{'met' if r <= TARGET else 'not met'}** for that form).")
budget = recover * (TARGET - 1)
overhead = admit_total - recover
section = f"""<!-- admission:begin (written by tests/bench/admission.py from the callgrind runs of tests/bench/run.sh) -->
### Server admission with prepared offers (callgrind, instructions per call)

`x402::server::admit` of the v2 `PAYMENT-SIGNATURE` example above (the same signature and digest as
the bare recover) against a prepared `exact` EIP-3009 offer (`OfferSet`, EIP-712 domain separator
precomputed): base64, JSON validation and decoding, offer match, EIP-712 digest, k256 recovery,
the checks, the replay key. Target: ≤ {TARGET:.2f} × the bare k256 recovery.

| operation | instructions per op | × bare recover |
|---|---:|---:|
{chr(10).join(rows)}

**{"met" if ratio <= TARGET else "not met"}**: {ratio:.3f} × (the earlier full verify of the same header:
1.242 ×{f", now {verify_ratio:.3f} ×" if verify_ratio else ""}). The target leaves {budget:,.0f} instructions
for everything but the recovery; admission spends {overhead:,.0f}.{respaced_note}

Where one admission's instructions go (callgrind_annotate, inclusive, difference of 11 and 1 calls):

| part | instructions | share |
|---|---:|---:|
{chr(10).join(f"| {label} | {value:,.0f} | {value / admit_total * 100:.1f} % |" for label, value in parts)}
| **total** | **{admit_total:,.0f}** | {ratio * 100:.1f} % of recover |
<!-- admission:end -->"""

text = report_path.read_text(encoding="utf-8") if report_path.exists() else "# pay402 benchmarks\n"
old = re.compile(r"<!-- admission:begin[^>]*-->.*?<!-- admission:end -->", re.S)
if old.search(text):
    text = old.sub(lambda _: section, text, count=1)
elif "\n## Other findings" in text:  # first run: next to the earlier verify/recover analysis
    text = text.replace("\n## Other findings", "\n" + section + "\n\n## Other findings", 1)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
report_path.write_text(text, encoding="utf-8")
print(section)
