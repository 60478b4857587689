// viem → evm-signature-route.viem.json: how a payer's signature is checked once its code is known
// (`evm.signature.route`), as the x402 reference facilitator routes it
// (typescript/packages/mechanisms/evm/src/shared/verifySignature.ts and shared/erc7702.ts of
// https://github.com/coinbase/x402): the ERC-6492 wrapper is parsed with viem's
// parseErc6492Signature (zero factory = no deployment information); code present → EIP-1271 with
// the inner signature (an EIP-7702 designator, exactly 23 bytes `ef0100 ‖ address`, reported as
// such, same route); no code and deployment information → counterfactual, only with the factory in
// the allow-list (case-insensitive; `eip6492_factory_not_allowed`); no code otherwise → ECDSA,
// which needs at most 65 bytes (`invalid_exact_evm_payload_undeployed_smart_wallet`). Wrappers are
// built with viem serializeErc6492Signature; a wrapper viem cannot parse is `invalid_payload`.
import { getAddress, isErc6492Signature, parseErc6492Signature, serializeErc6492Signature, zeroAddress } from "viem";
import { Det, writeVectors, peerVersion } from "./lib/det.mjs";

const SEED = "pay402/peers/viem/evm-signature-route/v1";
const det = new Det(SEED);
const MAGIC = "6492".repeat(16);

function route(signature, code, allowed) {
  let factory = zeroAddress;
  let data = "0x";
  let inner = signature;
  if (isErc6492Signature(signature)) {
    try {
      ({ address: factory, data, signature: inner } = parseErc6492Signature(signature));
    } catch {
      return { error: "invalid_payload" };
    }
  }
  const hasDeploymentInfo = factory !== undefined && factory.toLowerCase() !== zeroAddress;
  if (code !== "0x") {
    const delegation = code.length === 2 + 46 && code.toLowerCase().startsWith("0xef0100");
    return { ok: delegation
      ? { route: "eip7702_eip1271", signature: inner.toLowerCase(), delegate: "0x" + code.slice(8).toLowerCase() }
      : { route: "eip1271", signature: inner.toLowerCase() } };
  }
  if (hasDeploymentInfo) {
    if (!allowed.some((a) => a.toLowerCase() === factory.toLowerCase())) return { error: "eip6492_factory_not_allowed" };
    return { ok: { route: "erc6492_counterfactual", signature: inner.toLowerCase(), factory: factory.toLowerCase(),
      factory_calldata: data.toLowerCase() } };
  }
  if ((inner.length - 2) / 2 > 65) return { error: "invalid_exact_evm_payload_undeployed_smart_wallet" };
  return { ok: { route: "ecdsa", signature: inner.toLowerCase() } };
}

const cases = [];
function add(name, signature, code, allowed) {
  cases.push({ name, op: "evm.signature.route", input: { signature, code, allowed_factories: allowed },
    expect: route(signature, code, allowed) });
}

for (let k = 0; k < 6; k++) {
  const eoa = det.hex(k, "eoa", 65);
  const long = det.hex(k, "long", 66 + det.below(k, "long/n", 300));
  const factory = getAddress(det.hex(k, "factory", 20));
  const other = getAddress(det.hex(k, "other", 20));
  const fdata = det.hex(k, "fdata", det.below(k, "fdata/n", 200));
  const contract = det.hex(k, "code", 1 + det.below(k, "code/n", 100));
  const delegation = "0xef0100" + det.hex(k, "delegate", 20).slice(2);
  add(`#${k} EOA signature, no code`, eoa, "0x", []);
  add(`#${k} EOA signature, contract code`, eoa, contract, []);
  add(`#${k} EOA signature, EIP-7702 delegated EOA`, eoa, delegation, []);
  add(`#${k} EOA signature, 22-byte code starting ef0100 (not a designator)`, eoa, delegation.slice(0, -2), []);
  add(`#${k} EOA signature, 24-byte code starting ef0100 (not a designator)`, eoa, delegation + "00", []);
  add(`#${k} ${(long.length - 2) / 2}-byte signature, no code, not wrapped`, long, "0x", [factory]);
  add(`#${k} ${(long.length - 2) / 2}-byte signature, contract code`, long, contract, []);
  for (const [label, inner] of [["EOA", eoa], ["long", long]]) {
    const wrapped = serializeErc6492Signature({ address: factory, data: fdata, signature: inner });
    add(`#${k} ERC-6492 (${label} inner), no code, factory allowed`, wrapped, "0x", [other, factory]);
    add(`#${k} ERC-6492 (${label} inner), no code, factory allowed in lower case`, wrapped, "0x", [factory.toLowerCase()]);
    add(`#${k} ERC-6492 (${label} inner), no code, empty allow-list`, wrapped, "0x", []);
    add(`#${k} ERC-6492 (${label} inner), no code, another factory allowed`, wrapped, "0x", [other]);
    add(`#${k} ERC-6492 (${label} inner), deployed`, wrapped, contract, []);
    add(`#${k} ERC-6492 (${label} inner), EIP-7702 delegated`, wrapped, delegation, []);
    const zero = serializeErc6492Signature({ address: zeroAddress, data: fdata, signature: inner });
    add(`#${k} ERC-6492 zero factory (${label} inner), no code`, zero, "0x", [zeroAddress]);
  }
  add(`#${k} magic after a truncated head`, det.hex(k, "short", det.below(k, "short/n", 95)) + MAGIC, "0x", []);
}

writeVectors("evm-signature-route.viem.json", "evm-signature-route-viem",
  `viem ${peerVersion("viem")}: parseErc6492Signature / serializeErc6492Signature and the x402 reference's ` +
  `code routing (verifySignature.ts, erc7702.ts); inputs from sha256 seed "${SEED}"`, cases);
