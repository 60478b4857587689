#!/usr/bin/env python3
"""Writes tests/conformance/vectors/l402-spec.json: the L402 values of the public sources, copied from their
text (aperture's and the L402 specification's header and credential forms, vectors A and B on aperture's
auth/authenticator_test.go inputs, the Fewsats triple of the fewsats-python README, the L402
specification's example invoice).
Usage: l402_spec_vectors.py OUT_DIR"""
import json
import sys

# vector B (aperture's `authenticator_test.go` inputs)
B_ROOT = bytes(range(32)).hex()
B_PREIMAGE = "49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39"
B_HASH = "60aae3f3299441b06b61b5aaa4db89c4b5c8627de0cc2e5535882d8f42175265"
B_TOKEN_ID = "01" * 32
B_MAC = ("AgEEbHNhdAJCAABgquPzKZRBsGthtaqk24nEtchifeDMLlU1iC2PQhdSZQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAAIO"
         "c2VydmljZXM9c3ZjOjAAAhFzdmNfY2FwYWJpbGl0aWVzPQACGnN2Y192YWxpZF91bnRpbD0xNzAwMDAwMDAwAAAGIEPcqILbajwoNqZI"
         "ZvcAQ4MCXctl1W2CHbduFXGCyiS5")
B_SIG = "43dca882db6a3c2836a64866f7004383025dcb65d56d821db76e157182ca24b9"
# vector A (aperture's `authenticator_test.go` inputs) (identifier "AA==", caveat preimage=…)
A_MAC = ("AgEIYXBlcnR1cmUCBEFBPT0AAklwcmVpbWFnZT00OTM0OWRmZWE0YWJlZDNjZDE0ZjZkMzU2YWZhODNkZTk3ODdiNjA5ZjA4OGM4ZGYw"
         "OWJhY2M3YjRiZDIxYjM5AAAGIKMp8NcUmtVBYudEjYaIJemlCNTelfuG1dAGAAJJPKa1")
A_ROOT = b"aabbccddeeff00112233445566778899".hex()
# the example invoice of the L402 protocol specification
INVOICE = ("lnbc1500n1pw5kjhmpp5fu6xhthlt2vucmzkx6c7wtlh2r625r30cyjsfqhu8rsx4xpz5lwqdpa2fjkzep6yptksct5yp5hxgrrv96hx6tw"
           "vusycn3qv9jx7ur5d9hkugr5dusx6cqzpgxqr23s79ruapxc4j5uskt4htly2salw4drq979d7rcela9wz02elhypmdzmzlnxuknpgfyfm8"
           "6pntt8vvkvffma5qc9n50h4mvqhngadqy3ngqjcym5a")
# the Fewsats triple (fewsats-python README)
F_MAC = ("AgELZmV3c2F0cy5jb20CQgAADkZv2VQjgOG+iwoFB5CXg5yInkncy5xEGQZKrkphETmU9+MjeNM4bsj1j5l5KKvildd2pHdtrW+ChXQO"
         "Q/fZzgACLGZpbGVfaWQ9MmU1NGFjMjktNTk0NS00YjVmLTkzZGItOTk4YTUzNWE1YTQ5AAIfZXhwaXJlc19hdD0yMDI1LTA4LTIzVDE0"
         "OjQ3OjI1WgAABiBIoB5sUXEXijxuyL2cjn0WIgLpOCtt8UcGaGn9N/8n0Q==")
F_PREIMAGE = "b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628"
F_HASH = "0e466fd9542380e1be8b0a05079097839c889e49dccb9c4419064aae4a611139"
F_TOKEN_ID = "94f7e32378d3386ec8f58f997928abe295d776a4776dad6f8285740e43f7d9ce"
F_INVOICE = ("lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hxegcqzzsxqyz5vqsp5"
             "4ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqxhkvrav3d3wv83yxn45yrdywxu2mnyh4p7"
             "ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdjcwvezkt6cqtttnzj")
PLACEHOLDER = "AGIAJEemVQUTEyNCR0exk7ek90Cg=="


def url_safe_unpadded(b64: str) -> str:
    return b64.replace("+", "-").replace("/", "_").rstrip("=")


def case(name, op, input_, expect):
    return {"name": name, "op": op, "input": input_, "expect": expect}


def ch(scheme, mac, inv):
    return {"scheme": scheme, "macaroon": mac, "invoice": inv}


def main(out_dir: str) -> None:
    aperture_lsat = f'LSAT macaroon="{B_MAC}", invoice="{INVOICE}"'
    aperture_l402 = f'L402 macaroon="{B_MAC}", invoice="{INVOICE}"'
    payment = 'Payment id="abc", realm="api", method="lightning", intent="charge", request="e30", expires="2026-01-01T00:00:00Z"'
    cases = [
        case("aperture's two WWW-Authenticate fields, LSAT then L402", "l402.challenge.parse",
             {"headers": [aperture_lsat, aperture_l402]},
             {"ok": {"challenges": [ch("LSAT", B_MAC, INVOICE), ch("L402", B_MAC, INVOICE)]}}),
        case("comma-folded LSAT, L402 and a trailing Payment challenge", "l402.challenge.parse",
             {"headers": [f"{aperture_lsat}, {aperture_l402}, {payment}"]},
             {"ok": {"challenges": [ch("LSAT", B_MAC, INVOICE), ch("L402", B_MAC, INVOICE)]}}),
        case("a Payment challenge first is skipped", "l402.challenge.parse",
             {"headers": [f"{payment}, {aperture_l402}"]},
             {"ok": {"challenges": [ch("L402", B_MAC, INVOICE)]}}),
        case("l402_middleware's unquoted form", "l402.challenge.parse",
             {"headers": [f"L402 macaroon={F_MAC}, invoice={F_INVOICE}"]},
             {"ok": {"challenges": [ch("L402", F_MAC, F_INVOICE)]}}),
        case("the 2026-03 revision: version=\"0\", token=", "l402.challenge.parse",
             {"headers": [f'L402 version="0", token="{B_MAC}", invoice="{INVOICE}"']},
             {"ok": {"challenges": [ch("L402", B_MAC, INVOICE)]}}),
        case("reversed parameter order", "l402.challenge.parse",
             {"headers": [f'L402 invoice="{INVOICE}", macaroon="{B_MAC}"']},
             {"ok": {"challenges": [ch("L402", B_MAC, INVOICE)]}}),
        case("scheme is case-insensitive on parse, reported canonically", "l402.challenge.parse",
             {"headers": [f'l402 macaroon="{B_MAC}", invoice="{INVOICE}"', f'lsat macaroon="{B_MAC}", invoice="{INVOICE}"']},
             {"ok": {"challenges": [ch("L402", B_MAC, INVOICE), ch("LSAT", B_MAC, INVOICE)]}}),
        case("Fewsats URL-safe macaroon is returned as sent", "l402.challenge.parse",
             {"headers": [f'L402 macaroon="{url_safe_unpadded(F_MAC)}", invoice="{F_INVOICE}"']},
             {"ok": {"challenges": [ch("L402", url_safe_unpadded(F_MAC), F_INVOICE)]}}),
        case("only other schemes: no L402 challenge", "l402.challenge.parse",
             {"headers": [payment, 'Bearer realm="x"']}, {"ok": {"challenges": []}}),
        case("L402 challenge without macaroon=", "l402.challenge.parse",
             {"headers": [f'L402 invoice="{INVOICE}"']}, {"error": "missing_macaroon"}),
        case("L402 challenge without invoice=", "l402.challenge.parse",
             {"headers": [f'L402 macaroon="{B_MAC}"']}, {"error": "missing_invoice"}),
        case("unterminated quoted-string", "l402.challenge.parse",
             {"headers": [f'L402 macaroon="{B_MAC}", invoice="{INVOICE}']}, {"error": "auth_unterminated_quoted_string"}),

        case("encode: aperture's two headers for vector B", "l402.challenge.encode",
             {"macaroon": B_MAC, "invoice": INVOICE}, {"ok": {"headers": [aperture_lsat, aperture_l402]}}),
        case("encode: URL-safe unpadded input is emitted standard and padded", "l402.challenge.encode",
             {"macaroon": url_safe_unpadded(F_MAC), "invoice": F_INVOICE},
             {"ok": {"headers": [f'LSAT macaroon="{F_MAC}", invoice="{F_INVOICE}"', f'L402 macaroon="{F_MAC}", invoice="{F_INVOICE}"']}}),

        case("vector B credential", "l402.authorization.parse",
             {"header": f"L402 {B_MAC}:{B_PREIMAGE}"},
             {"ok": {"scheme": "L402", "macaroons": [B_MAC], "preimage_hex": B_PREIMAGE}}),
        case("LSAT credential", "l402.authorization.parse",
             {"header": f"LSAT {B_MAC}:{B_PREIMAGE}"},
             {"ok": {"scheme": "LSAT", "macaroons": [B_MAC], "preimage_hex": B_PREIMAGE}}),
        case("uppercase preimage accepted, emitted lowercase", "l402.authorization.parse",
             {"header": f"L402 {B_MAC}:{B_PREIMAGE.upper()}"},
             {"ok": {"scheme": "L402", "macaroons": [B_MAC], "preimage_hex": B_PREIMAGE}}),
        case("URL-safe unpadded macaroon emitted standard padded (Fewsats triple)", "l402.authorization.parse",
             {"header": f"L402 {url_safe_unpadded(F_MAC)}:{F_PREIMAGE}"},
             {"ok": {"scheme": "L402", "macaroons": [F_MAC], "preimage_hex": F_PREIMAGE}}),
        case("comma-separated macaroons", "l402.authorization.parse",
             {"header": f"L402 {B_MAC},{A_MAC}:{B_PREIMAGE}"},
             {"ok": {"scheme": "L402", "macaroons": [B_MAC, A_MAC], "preimage_hex": B_PREIMAGE}}),
        case("preimage of 63 hex digits", "l402.authorization.parse",
             {"header": f"L402 {B_MAC}:{B_PREIMAGE[1:]}"}, {"error": "invalid_credential"}),
        case("mixed base64 alphabets", "l402.authorization.parse",
             {"header": f"L402 {F_MAC.replace('+', '-', 1)}:{F_PREIMAGE}"}, {"error": "invalid_credential"}),
        case("the L402 spec's placeholder macaroon is not a macaroon", "l402.authorization.parse",
             {"header": f"L402 {PLACEHOLDER}:{B_PREIMAGE}"}, {"error": "invalid_credential"}),
        case("no colon", "l402.authorization.parse",
             {"header": f"L402 {B_MAC}"}, {"error": "invalid_credential"}),
        case("other scheme", "l402.authorization.parse",
             {"header": f"Bearer {B_MAC}:{B_PREIMAGE}"}, {"error": "invalid_credential"}),

        case("vector B mint", "l402.mint",
             {"root_key_hex": B_ROOT, "payment_hash_hex": B_HASH, "token_id_hex": B_TOKEN_ID, "location": "lsat",
              "caveats": ["services=svc:0", "svc_capabilities=", "svc_valid_until=1700000000"]},
             {"ok": {"token": B_MAC, "signature_hex": B_SIG}}),

        case("vector B verifies for svc before 1700000000", "l402.verify",
             {"authorization": f"L402 {B_MAC}:{B_PREIMAGE}", "root_key_hex": B_ROOT, "now": 1699999999, "service": "svc"},
             {"ok": {"payment_hash_hex": B_HASH, "token_id_hex": B_TOKEN_ID}}),
        case("vector B is expired at 1700000000", "l402.verify",
             {"authorization": f"L402 {B_MAC}:{B_PREIMAGE}", "root_key_hex": B_ROOT, "now": 1700000000, "service": "svc"},
             {"error": "token_expired"}),
        case("vector B does not allow another service", "l402.verify",
             {"authorization": f"L402 {B_MAC}:{B_PREIMAGE}", "root_key_hex": B_ROOT, "now": 1699999999, "service": "other"},
             {"error": "service_not_allowed"}),
        case("vector B: empty svc_capabilities allows no capability", "l402.verify",
             {"authorization": f"L402 {B_MAC}:{B_PREIMAGE}", "root_key_hex": B_ROOT, "now": 1699999999, "service": "svc",
              "capability": "read"},
             {"error": "capability_not_allowed"}),
        case("vector B with the Fewsats preimage", "l402.verify",
             {"authorization": f"L402 {B_MAC}:{F_PREIMAGE}", "root_key_hex": B_ROOT, "now": 1699999999, "service": "svc"},
             {"error": "invalid_preimage"}),
        case("vector B under another root key", "l402.verify",
             {"authorization": f"L402 {B_MAC}:{B_PREIMAGE}", "root_key_hex": "00" * 32, "now": 1699999999, "service": "svc"},
             {"error": "signature_mismatch"}),
        case("vector B sent URL-safe and as LSAT", "l402.verify",
             {"authorization": f"LSAT {url_safe_unpadded(B_MAC)}:{B_PREIMAGE}", "root_key_hex": B_ROOT, "now": 1699999999,
              "service": "svc"},
             {"ok": {"payment_hash_hex": B_HASH, "token_id_hex": B_TOKEN_ID}}),
        case("vector A: identifier \"AA==\" has version 0x4141", "l402.verify",
             {"authorization": f"L402 {A_MAC}:{B_PREIMAGE}", "root_key_hex": A_ROOT, "now": 0, "service": "svc"},
             {"error": "unknown_identifier_version"}),
        case("Fewsats triple: preimage matches, root key unknown", "l402.verify",
             {"authorization": f"L402 {F_MAC}:{F_PREIMAGE}", "root_key_hex": "00" * 32, "now": 1724856445, "service": "svc"},
             {"error": "signature_mismatch"}),
        case("Fewsats triple with vector B's preimage", "l402.verify",
             {"authorization": f"L402 {F_MAC}:{B_PREIMAGE}", "root_key_hex": "00" * 32, "now": 1724856445, "service": "svc"},
             {"error": "invalid_preimage"}),
    ]
    doc = {
        "suite": "l402-spec",
        "source": "header forms of the L402 protocol specification and aperture, vectors A and B on aperture's "
                  "auth/authenticator_test.go inputs (outputs computed), the Fewsats triple (fewsats-python README), "
                  "the L402 specification's example invoice; via tests/conformance/peers/aperture/spec/l402_spec_vectors.py",
        "cases": cases,
    }
    with open(f"{out_dir}/l402-spec.json", "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
