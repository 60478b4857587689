#!/usr/bin/env python3
"""server-terms.json: sellers' payment options and the PaymentRequirements they must become.

Every expected value below is a literal typed by hand from public sources, never computed by pay402:
the x402 v2 specification's PaymentRequirements example (§5.1.2, USDC on Base Sepolia, 6 decimals,
extra {name: "USDC", version: "2"}, $0.01 = 10000, maxTimeoutSeconds 60), the scheme specifications'
`extra` fields, the CAIP-2 ids of §11.1 and the reference SDKs' default-asset tables.

    python3 tests/conformance/peers/gen/server_terms.py > tests/conformance/vectors/server-terms.json
"""
# Standard library only.
import json
PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
USDC_BS = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
FAC = "0x4020a4f3b7b90cca423b9fabcc0ce57c6c240002"
MINT = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"
FEE = "J1cezW528jhuvQ5HqUVmLhVFre2PXkE6374HKgtCko5y"
SOL_TO = "AKSQxLCef2dEpkNCBccBzHxnL5NNBJNc3BeTMh5hp2P2"
def base(**kw):
    o = {"scheme": "exact", "network": "base-sepolia", "price": "$0.01", "pay_to": PAY_TO}
    for k, v in kw.items():
        if v is None: o.pop(k, None)
        else: o[k] = v
    return o
def req(**kw):
    r = {"scheme": "exact", "network": "eip155:84532", "amount": "10000", "asset": USDC_BS, "payTo": PAY_TO,
         "maxTimeoutSeconds": 60, "extra": {"name": "USDC", "version": "2"}}
    r.update(kw)
    return r
ok = [
 ("the v2 spec's example: $0.01 of the Base Sepolia default asset (USDC, 6 decimals, domain USDC/2), 60 s default", base(), req()),
 ("a display price without $", base(price="0.01"), req()),
 ("trailing zeros below the unit are exact", base(price="0.010000000"), req()),
 ("an atomic amount and a CAIP-2 network", base(price=None, amount="10000", network="eip155:84532"), req()),
 ("Base mainnet's default asset signs as USD Coin", base(network="base", price="$1"),
  req(network="eip155:8453", amount="1000000", asset="0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", extra={"name": "USD Coin", "version": "2"})),
 ("Polygon's default asset", base(network="eip155:137", price="0.5"),
  req(network="eip155:137", amount="500000", asset="0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", extra={"name": "USD Coin", "version": "2"})),
 ("the default asset named in lower case still gives its domain; the asset is written as given",
  base(asset=USDC_BS.lower()), req(asset=USDC_BS.lower())),
 ("a given EIP-712 name wins over the default's", base(eip712_name="USD Coin"), req(extra={"name": "USD Coin", "version": "2"})),
 ("exact with Permit2", base(transfer_method="permit2"), req(extra={"assetTransferMethod": "permit2"})),
 ("a default asset moved by Permit2: MegaUSD, 18 decimals", base(network="eip155:4326"),
  req(network="eip155:4326", amount="10000000000000000", asset="0xFAfDdbb3FC7688494971a79cc65DCa3EF82079E7", extra={"assetTransferMethod": "permit2"})),
 ("upto: Permit2 bound to the facilitator, the price is the maximum", base(scheme="upto", facilitator=FAC, price="$0.05", max_timeout_seconds=300),
  req(scheme="upto", amount="50000", maxTimeoutSeconds=300, extra={"facilitatorAddress": FAC})),
 ("a custom EIP-3009 token with decimals and domain", base(asset="0x0000000000000000000000000000000000000001", decimals=18, eip712_name="Token", eip712_version="1", price="1.5"),
  req(asset="0x0000000000000000000000000000000000000001", amount="1500000000000000000", extra={"name": "Token", "version": "1"})),
 ("a custom Permit2 token priced in atomic units needs no decimals", base(asset="0x0000000000000000000000000000000000000001", transfer_method="permit2", price=None, amount="7"),
  req(asset="0x0000000000000000000000000000000000000001", amount="7", extra={"assetTransferMethod": "permit2"})),
 ("a lifetime given", base(max_timeout_seconds=120), req(maxTimeoutSeconds=120)),
 ("Solana exact: mint, decimals, fee payer", base(network="solana-devnet", asset=MINT, decimals=6, fee_payer=FEE, pay_to=SOL_TO),
  req(network="solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", asset=MINT, payTo=SOL_TO, extra={"feePayer": FEE})),
 ("no scheme is exact", base(scheme=None), req()),
 ("parameters of another scheme are ignored", base(fee_payer=FEE, facilitator=FAC), req()),
]
err = [
 ("a scheme x402 does not define", base(scheme="stream"), "unsupported_scheme"),
 ("no network", base(network=None), "missing_network"),
 ("an unknown network", base(network="base-goerli"), "unknown_network"),
 ("an unknown transfer method", base(transfer_method="magic"), "invalid_transfer_method"),
 ("upto with EIP-3009", base(scheme="upto", facilitator=FAC, transfer_method="eip3009"), "invalid_transfer_method"),
 ("no asset on a chain without a default", base(network="eip155:999999"), "missing_asset"),
 ("a custom EIP-3009 token without its EIP-712 domain", base(asset="0x0000000000000000000000000000000000000001", decimals=6), "missing_asset"),
 ("a display price of a custom token without decimals", base(asset="0x0000000000000000000000000000000000000001", transfer_method="permit2"), "missing_asset"),
 ("an asset that is not an address", base(asset="0x1234"), "invalid_asset"),
 ("upto without its facilitator", base(scheme="upto"), "missing_facilitator"),
 ("Solana without its mint", base(network="solana-devnet", decimals=6, fee_payer=FEE, pay_to=SOL_TO), "missing_asset"),
 ("Solana without its fee payer", base(network="solana-devnet", asset=MINT, decimals=6, pay_to=SOL_TO), "missing_fee_payer"),
 ("upto on Solana", base(scheme="upto", network="solana-devnet", asset=MINT, decimals=6, fee_payer=FEE, facilitator=FAC, pay_to=SOL_TO), "unsupported_scheme"),
 ("no payTo", base(pay_to=None), "missing_pay_to"),
 ("a payTo that is not an address", base(pay_to="0x1234"), "invalid_pay_to"),
 ("a negative price", base(price="-1"), "invalid_price"),
 ("an exponent", base(price="1e-2"), "invalid_price"),
 ("a space after $", base(price="$ 0.01"), "invalid_price"),
 ("a trailing $", base(price="0.01$"), "invalid_price"),
 ("two $", base(price="$$0.01"), "invalid_price"),
 ("digit grouping", base(price="1,000"), "invalid_price"),
 ("words", base(price="ten"), "invalid_price"),
 ("no integer part", base(price=".5"), "invalid_price"),
 ("a sub-unit price is refused, not rounded", base(price="$0.0000001"), "sub_unit_amount"),
 ("a zero display price", base(price="$0"), "zero_price"),
 ("zero atomic units", base(price=None, amount="0"), "zero_price"),
 ("maxTimeoutSeconds 0", base(max_timeout_seconds=0), "invalid_max_timeout_seconds"),
]
cases = [{"name": n, "op": "x402.offer_terms", "input": {"option": o}, "expect": {"ok": {"requirements": r}}} for n, o, r in ok]
cases += [{"name": n, "op": "x402.offer_terms", "input": {"option": o}, "expect": {"error": c}} for n, o, c in err]
doc = {"suite": "server-terms",
       "source": "expected requirements written by hand from the x402 v2 specification's PaymentRequirements example (https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md §5.1.2: USDC on Base Sepolia, 6 decimals, extra {name USDC, version 2}, $0.01 = 10000, maxTimeoutSeconds 60), the scheme specifications' extra fields (exact EVM assetTransferMethod, upto facilitatorAddress, exact SVM feePayer), the CAIP-2 ids of §11.1, and the reference SDKs' default-asset tables (Base and Polygon USDC 'USD Coin', MegaUSD Permit2 with 18 decimals); codes from tests/conformance/vectors/README.md",
       "cases": cases}
print(json.dumps(doc, indent=1, ensure_ascii=False))
