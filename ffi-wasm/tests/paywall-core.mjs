// The paywall page's wasm (ffi-wasm/paywall, built into target/npm/pay402/paywall/web by
// ffi-wasm/build.sh) driven through its twelve exports in Node, every expected value from a peer:
//   - the 402 and the receipt are encoded by @x402/core; offers' chain ids, decimals and amounts
//     by viem (numberToHex, formatUnits); the ERC-20 balanceOf call by viem's encodeFunctionData;
//   - evmTypedData hashes as viem's hashTypedData of the authorization built here from the x402
//     `exact` EVM scheme (validAfter = now − 600, validBefore = now + maxTimeoutSeconds); a viem
//     account signs it, evmPaymentHeader wraps the signature, recoverTypedDataAddress finds the
//     account, pay402's own verifier (the main package's x402Verify) admits the header and
//     @x402/core decodes it; v 0/1 gives the same header, a high-s signature is refused;
//   - svmUnsignedTransfer equals @solana/kit's compiled transaction of the reference client's
//     instructions (@solana-program/*), unsigned; kit signs it for the payer, and the header of
//     svmPaymentHeader is admitted by x402Verify; svmMint reads @solana-program/token's encoded
//     mint;
//   - l402Authorization equals aperture's `Authorization` values
//     (tests/conformance/vectors/l402-peers.aperture.json);
//   - readRefusal reads what pay402's server answers a refused payment (x402Middleware).
// Usage: [PAY402_ROOT=<repository>] node ffi-wasm/tests/paywall-core.mjs <paywall web dir> [<main package dir>]
//   (the main package defaults to `pay402` as installed beside the script, as in ffi-wasm/tests/run.sh)
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  encodeFunctionData, erc20Abi, formatUnits, hashTypedData, numberToHex, parseSignature,
  recoverTypedDataAddress, serializeSignature,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { decodePaymentSignatureHeader, encodePaymentRequiredHeader, encodePaymentResponseHeader } from "@x402/core/http";
import {
  address, appendTransactionMessageInstructions, compileTransaction, createKeyPairFromPrivateKeyBytes,
  createKeyPairSignerFromPrivateKeyBytes, createTransactionMessage, getAddressDecoder, getTransactionDecoder,
  getTransactionEncoder, partiallySignTransaction, pipe, setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
} from "@solana/kit";
import { getSetComputeUnitLimitInstruction, getSetComputeUnitPriceInstruction } from "@solana-program/compute-budget";
import {
  AccountState, findAssociatedTokenPda, getMintEncoder, getTokenEncoder, getTransferCheckedInstruction, TOKEN_PROGRAM_ADDRESS,
} from "@solana-program/token";

const [webDir, mainDir] = process.argv.slice(2);
if (!webDir) {
  console.error("usage: node paywall-core.mjs <paywall web dir> [<main package dir>]");
  process.exit(2);
}
// the repository (the page's core.mjs, the vectors): PAY402_ROOT when run from a copy
const ROOT = process.env.PAY402_ROOT ?? resolve(new URL("../..", import.meta.url).pathname);
const glue = await import(pathToFileURL(join(resolve(webDir), "paywall.js")).href);
glue.initSync({ module: readFileSync(join(resolve(webDir), "paywall_bg.wasm")) });
const main = await import(mainDir ? pathToFileURL(join(resolve(mainDir), "index.mjs")).href : "pay402");

let passed = 0, failed = 0;
async function t(name, fn) {
  try { await fn(); passed++; console.log(`ok   ${name}`); }
  catch (e) { failed++; console.log(`FAIL ${name}: ${e?.stack ?? e}`); }
}
const throwsCode = (fn, code) => {
  try { fn(); } catch (e) { assert.equal(e.code, code, `code of ${e.message}`); return e; }
  throw new Error(`did not throw (${code} expected)`);
};

await t("the module exports the twelve functions the page wraps (ffi-wasm/page/src/core.mjs)", async () => {
  const { CORE_EXPORTS, wrapCore } = await import(pathToFileURL(join(ROOT, "ffi-wasm/page/src/core.mjs")).href);
  for (const name of CORE_EXPORTS) assert.equal(typeof glue[name], "function", name);
  wrapCore(glue);
});

// ---- the 402 ----
const USDC_BASE_SEPOLIA = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const evmOffer = { scheme: "exact", network: "eip155:84532", amount: "10000", asset: USDC_BASE_SEPOLIA, payTo: PAY_TO,
  maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } };
const seed = (label) => new Uint8Array(createHash("sha256").update(`pay402 paywall ${label}`).digest());
const key = (label) => getAddressDecoder().decode(seed(label));
const USDC_DEVNET = address("4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU");
const DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const feePayer = key("fee payer");
const svmPayTo = key("pay to");
const svmOffer = { scheme: "exact", network: DEVNET, amount: "1234567", asset: USDC_DEVNET, payTo: svmPayTo,
  maxTimeoutSeconds: 60, extra: { feePayer } };
const otherToken = "0x1111111111111111111111111111111111111111";
const permit2Offer = { ...evmOffer, asset: otherToken, amount: "2500000000000000000", extra: { assetTransferMethod: "permit2" } };
const deferred = { ...evmOffer, scheme: "deferred" };
const required = encodePaymentRequiredHeader({
  x402Version: 2, resource: { url: "https://shop.example/article", description: "An article" },
  accepts: [evmOffer, svmOffer, permit2Offer, deferred],
});

// The payee's associated token accounts as the server lists them (@solana-program/token's derivation).
const TOKEN_2022 = address("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
const ataOf = async (owner, tokenProgram = TOKEN_PROGRAM_ADDRESS) => (await findAssociatedTokenPda({ owner, mint: USDC_DEVNET, tokenProgram }))[0];
const svmPayToList = [{ index: 1, token: await ataOf(svmPayTo), token2022: await ataOf(svmPayTo, TOKEN_2022) }];

await t("offers: one per accepts entry; kinds, chain ids (viem numberToHex), wallet chain, amounts (viem formatUnits)", () => {
  const offers = JSON.parse(glue.offers(JSON.stringify({ v: 1, resource: { url: "/article" }, paymentRequired: required, svmPayTo: svmPayToList,
    display: [{ decimals: 6, symbol: "USDC" }, { decimals: 6, symbol: "USDC" }, { decimals: 18, symbol: "TKN" }] })));
  assert.equal(offers.length, 4);
  assert.deepEqual(offers[0], { index: 0, kind: "evm_eip3009", chainIdHex: numberToHex(84532), network: "eip155:84532",
    amount: "10000", amountDisplay: formatUnits(10000n, 6), symbol: "USDC", asset: USDC_BASE_SEPOLIA, payTo: PAY_TO });
  assert.deepEqual(offers[1], { index: 1, kind: "svm_exact", walletChain: "solana:devnet",
    payToTokenAccounts: { [TOKEN_PROGRAM_ADDRESS]: svmPayToList[0].token, [TOKEN_2022]: svmPayToList[0].token2022 }, network: DEVNET,
    amount: "1234567", amountDisplay: formatUnits(1234567n, 6), symbol: "USDC", asset: USDC_DEVNET, payTo: svmPayTo });
  assert.deepEqual(offers[2], { index: 2, kind: "unpayable", reason: "permit2_not_supported", network: "eip155:84532",
    amount: permit2Offer.amount, amountDisplay: formatUnits(2500000000000000000n, 18), symbol: "TKN", asset: otherToken, payTo: PAY_TO });
  assert.equal(offers[3].kind, "unpayable");
  assert.equal(offers[3].reason, "unsupported_scheme");
  assert.equal(offers[3].amountDisplay, "10000", "unpayable without a display hint: atomic units");
  // without display hints: the chains' default assets (USDC on both), else atomic units
  const plain = JSON.parse(glue.offers(JSON.stringify({ v: 1, resource: { url: "/article" }, paymentRequired: required, svmPayTo: svmPayToList })));
  assert.deepEqual(plain.slice(0, 2), offers.slice(0, 2));
  assert.equal(plain[2].amountDisplay, "2500000000000000000");
  assert.equal(plain[2].symbol, "");
  // a Solana offer without the payee's token accounts cannot be paid from the page
  const bare = JSON.parse(glue.offers(JSON.stringify({ v: 1, resource: { url: "/article" }, paymentRequired: required })));
  assert.equal(bare[1].kind, "unpayable");
  assert.equal(bare[1].reason, "page_pay_to_account_missing");
  assert.equal(glue.offers(JSON.stringify({ v: 1, resource: { url: "/x" } })), "[]");
  const detail = (fn, code) => assert.equal(throwsCode(fn, "page_data_invalid").detailCode, code);
  detail(() => glue.offers("{"), "json_unexpected_end");
  detail(() => glue.offers(JSON.stringify({ paymentRequired: required })), "page_data_version");
  detail(() => glue.offers(JSON.stringify({ v: 1, paymentRequired: "not base64!" })), "base64_invalid_character");
  detail(() => glue.offers(JSON.stringify({ v: 1, paymentRequired: required, display: [{}] })), "page_display_invalid");
});

// The core's vectors of the page's paying-side decisions (tests/conformance/vectors/page.json; the
// Rust runner runs them too; expected values typed from the specs, see the file's `source`).
await t("page.json's page.offers, page.balance_covers, page.erc20_balance_call and page.svm_mint cases", () => {
  const { cases } = JSON.parse(readFileSync(join(ROOT, "tests/conformance/vectors/page.json"), "utf8"));
  const run = {
    "page.offers": (i) => ({ offers: JSON.parse(glue.offers(JSON.stringify(i.pageData))) }),
    "page.balance_covers": (i) => ({ covers: glue.balanceCovers(i.result, i.amount) }),
    "page.erc20_balance_call": (i) => ({ data: JSON.parse(glue.evmBalanceCall(USDC_BASE_SEPOLIA, i.owner)).data }),
    "page.svm_mint": (i) => ({ decimals: JSON.parse(glue.svmMint(i.data, i.owner)).decimals }),
  };
  let n = 0;
  for (const c of cases.filter((c) => run[c.op])) {
    n++;
    if (c.expect.ok) assert.deepEqual(run[c.op](c.input), c.expect.ok, c.name);
    else assert.equal(throwsCode(() => run[c.op](c.input), c.expect.error).code, c.expect.error, c.name);
  }
  assert.ok(n >= 30, `${n} cases`);
  console.log(`     ${n} page.json cases`);
});

// ---- EVM ----
const account = privateKeyToAccount(`0x${"11".repeat(32)}`);
const now = 1_740_672_089;
const nonce = `0x${"ab".repeat(32)}`;
const expectedTyped = {
  types: {
    TransferWithAuthorization: [
      { name: "from", type: "address" }, { name: "to", type: "address" }, { name: "value", type: "uint256" },
      { name: "validAfter", type: "uint256" }, { name: "validBefore", type: "uint256" }, { name: "nonce", type: "bytes32" },
    ],
  },
  primaryType: "TransferWithAuthorization",
  domain: { name: "USDC", version: "2", chainId: 84532, verifyingContract: USDC_BASE_SEPOLIA },
  message: { from: account.address, to: PAY_TO, value: 10000n, validAfter: BigInt(now - 600), validBefore: BigInt(now + 60), nonce },
};

let signature;
let header;
await t("evmTypedData hashes as viem's hashTypedData of the scheme's authorization", async () => {
  const ours = JSON.parse(glue.evmTypedData(required, 0, account.address, now, nonce));
  assert.equal(ours.primaryType, "TransferWithAuthorization");
  assert.equal(hashTypedData(ours), hashTypedData(expectedTyped));
  throwsCode(() => glue.evmTypedData(required, 2, account.address, now, nonce), "permit2_not_supported");
  throwsCode(() => glue.evmTypedData(required, 9, account.address, now, nonce), "accept_index_out_of_range");
  throwsCode(() => glue.evmTypedData(required, 0, account.address, 1.5, nonce), "invalid_argument");
  throwsCode(() => glue.evmTypedData(required, 0, account.address, now, "0x1234"), "invalid_argument");
});

await t("evmPaymentHeader: a viem signature → recovers the account, admitted by pay402's verifier, decoded by @x402/core", async () => {
  signature = await account.signTypedData(expectedTyped);
  header = JSON.parse(glue.evmPaymentHeader(required, 0, account.address, now, nonce, signature));
  assert.equal(header.name, "PAYMENT-SIGNATURE");
  const ours = JSON.parse(glue.evmTypedData(required, 0, account.address, now, nonce));
  assert.equal(await recoverTypedDataAddress({ ...ours, signature }), account.address);
  const verified = main.x402Verify(evmOffer, header.value, now);
  assert.equal(verified.payer, account.address);
  assert.equal(verified.amount, 10000n);
  const decoded = decodePaymentSignatureHeader(header.value);
  assert.equal(decoded.x402Version, 2);
  assert.equal(decoded.payload.signature, signature);
  assert.deepEqual(decoded.accepted, evmOffer);
  assert.equal(decoded.payload.authorization.from, account.address);
  assert.equal(decoded.payload.authorization.validBefore, String(now + 60));
});

await t("evmPaymentHeader: v 0/1 gives the same header; high s, other v and an empty signature are refused", () => {
  const { r, s, yParity } = parseSignature(signature);
  const v01 = `${signature.slice(0, 130)}${yParity === 0 ? "00" : "01"}`;
  assert.equal(JSON.parse(glue.evmPaymentHeader(required, 0, account.address, now, nonce, v01)).value, header.value);
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const highS = serializeSignature({ r, s: numberToHex(n - BigInt(s), { size: 32 }), yParity: 1 - yParity });
  throwsCode(() => glue.evmPaymentHeader(required, 0, account.address, now, nonce, highS), "signature_high_s");
  throwsCode(() => glue.evmPaymentHeader(required, 0, account.address, now, nonce, `${signature.slice(0, 130)}1d`), "signature_v");
  throwsCode(() => glue.evmPaymentHeader(required, 0, account.address, now, nonce, "0x"), "signature_length");
  throwsCode(() => glue.evmPaymentHeader(required, 0, account.address, now, nonce, "0xzz"), "invalid_argument");
  // another payer's signature is carried (no recovery in the page) and refused by the server
  const other = JSON.parse(glue.evmPaymentHeader(required, 0, privateKeyToAccount(`0x${"22".repeat(32)}`).address, now, nonce, signature));
  assert.throws(() => main.x402Verify(evmOffer, other.value, now), (e) => e.code === "invalid_exact_evm_signature" || /signature/.test(e.code));
});

await t("evmPaymentHeader: a smart wallet's long signature is carried verbatim (the server decides)", () => {
  const long = `0x${"64".repeat(300)}`;
  const h = JSON.parse(glue.evmPaymentHeader(required, 0, account.address, now, nonce, long));
  assert.equal(decodePaymentSignatureHeader(h.value).payload.signature, long);
});

await t("evmBalanceCall equals viem's balanceOf call; balanceCovers compares uint256 results", () => {
  const call = JSON.parse(glue.evmBalanceCall(USDC_BASE_SEPOLIA, account.address));
  assert.equal(call.to, USDC_BASE_SEPOLIA.toLowerCase());
  assert.equal(call.data, encodeFunctionData({ abi: erc20Abi, functionName: "balanceOf", args: [account.address] }));
  assert.equal(glue.balanceCovers(numberToHex(10000n, { size: 32 }), "10000"), true);
  assert.equal(glue.balanceCovers(numberToHex(9999n, { size: 32 }), "10000"), false);
  assert.equal(glue.balanceCovers(numberToHex(2n ** 255n, { size: 32 }), "10000"), true);
  throwsCode(() => glue.balanceCovers("0x", "1"), "rpc_answer_invalid");
});

// ---- Solana ----
const payerSigner = await createKeyPairSignerFromPrivateKeyBytes(seed("payer"));
const payerKeys = await createKeyPairFromPrivateKeyBytes(seed("payer"));
const blockhash = key("blockhash");
const memoBytes = seed("memo").subarray(0, 16);
const memoHex = Buffer.from(memoBytes).toString("hex");
const MEMO = address("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");

/** The reference client's transaction compiled by @solana/kit, unsigned. */
async function kitUnsigned() {
  const ata = async (owner) => (await findAssociatedTokenPda({ owner, mint: USDC_DEVNET, tokenProgram: TOKEN_PROGRAM_ADDRESS }))[0];
  const instructions = [
    getSetComputeUnitLimitInstruction({ units: 20000 }),
    getSetComputeUnitPriceInstruction({ microLamports: 1n }),
    getTransferCheckedInstruction({ source: await ata(payerSigner.address), mint: USDC_DEVNET, destination: await ata(svmPayTo),
      authority: payerSigner, amount: 1234567n, decimals: 6 }),
    // SPL Memo v2 without signers: the memo text (the hex of the 16 random bytes) as data
    { programAddress: MEMO, accounts: [], data: new TextEncoder().encode(memoHex) },
  ];
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash, lastValidBlockHeight: 1000n }, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  return compileTransaction(message);
}

// the payer's account (as svmSourceAccount picks it from the RPC's list) and the payee's, both the
// associated ones of SPL Token, as the reference client derives them
const SOURCE = await ataOf(payerSigner.address);
const DESTINATION = svmPayToList[0].token;

await t("svmSourceAccount picks the payer's token account holding the price (@solana-program/token's encoded accounts)", () => {
  const account = (owner, amount, state = AccountState.Initialized, mint = USDC_DEVNET) => Buffer.from(getTokenEncoder().encode({
    mint, owner, amount, delegate: null, state, isNative: null, delegatedAmount: 0n, closeAuthority: null })).toString("base64");
  const entry = (pubkey, data, owner = TOKEN_PROGRAM_ADDRESS) => ({ pubkey, account: { data: [data, "base64"], owner, lamports: 2039280, executable: false, rentEpoch: 0 } });
  const other = key("other account");
  const list = [
    entry(key("frozen"), account(payerSigner.address, 10n ** 9n, AccountState.Frozen)),
    entry(key("someone else's"), account(feePayer, 10n ** 9n)),
    entry(key("another mint"), account(payerSigner.address, 10n ** 9n, AccountState.Initialized, feePayer)),
    entry(key("not a token program"), account(payerSigner.address, 10n ** 9n), feePayer),
    entry(other, account(payerSigner.address, 1000n)),
    entry(SOURCE, account(payerSigner.address, 1234567n)),
  ];
  assert.equal(glue.svmSourceAccount(payerSigner.address, USDC_DEVNET, "1234567", JSON.stringify(list)), SOURCE);
  assert.equal(glue.svmSourceAccount(payerSigner.address, USDC_DEVNET, "1000", JSON.stringify(list)), other);
  throwsCode(() => glue.svmSourceAccount(payerSigner.address, USDC_DEVNET, "1234568", JSON.stringify(list)), "insufficient_balance");
  throwsCode(() => glue.svmSourceAccount(payerSigner.address, USDC_DEVNET, "1", JSON.stringify(list.slice(0, 4))), "token_account_missing");
  throwsCode(() => glue.svmSourceAccount(payerSigner.address, USDC_DEVNET, "1", "[]"), "token_account_missing");
  throwsCode(() => glue.svmSourceAccount(payerSigner.address, USDC_DEVNET, "1", "null"), "rpc_answer_invalid");
});

let unsigned;
await t("svmUnsignedTransfer equals @solana/kit's compiled reference transaction, unsigned", async () => {
  unsigned = glue.svmUnsignedTransfer(required, 1, payerSigner.address, SOURCE, DESTINATION, blockhash, 6, TOKEN_PROGRAM_ADDRESS, memoHex);
  assert.ok(unsigned instanceof Uint8Array);
  const expected = new Uint8Array(getTransactionEncoder().encode(await kitUnsigned()));
  assert.equal(Buffer.from(unsigned).toString("hex"), Buffer.from(expected).toString("hex"));
  const decoded = getTransactionDecoder().decode(unsigned);
  assert.deepEqual(Object.keys(decoded.signatures), [feePayer, payerSigner.address]);
  for (const sig of Object.values(decoded.signatures)) assert.ok(sig === null || sig.every((b) => b === 0), "unsigned");
  throwsCode(() => glue.svmUnsignedTransfer(required, 0, payerSigner.address, SOURCE, DESTINATION, blockhash, 6, TOKEN_PROGRAM_ADDRESS, memoHex), "unsupported_network");
  throwsCode(() => glue.svmUnsignedTransfer(required, 1, feePayer, SOURCE, DESTINATION, blockhash, 6, TOKEN_PROGRAM_ADDRESS, memoHex), "payer_is_fee_payer");
  throwsCode(() => glue.svmUnsignedTransfer(required, 1, payerSigner.address, SOURCE, DESTINATION, blockhash, 6, feePayer, memoHex), "unsupported_token_program");
  throwsCode(() => glue.svmUnsignedTransfer(required, 1, payerSigner.address, SOURCE, DESTINATION, blockhash, 6, TOKEN_PROGRAM_ADDRESS, "abcd"), "invalid_argument");
});

await t("svmPaymentHeader: signed by @solana/kit for the payer → admitted by pay402's verifier, decoded by @x402/core", async () => {
  const signed = await partiallySignTransaction([payerKeys], getTransactionDecoder().decode(unsigned));
  const wire = new Uint8Array(getTransactionEncoder().encode(signed));
  const h = JSON.parse(glue.svmPaymentHeader(required, 1, wire));
  assert.equal(h.name, "PAYMENT-SIGNATURE");
  const v = main.x402Verify(svmOffer, h.value, 0);
  assert.equal(v.kind, "exact_svm");
  assert.equal(v.payer, payerSigner.address);
  assert.equal(v.amount, 1234567n);
  const decoded = decodePaymentSignatureHeader(h.value);
  assert.equal(decoded.payload.transaction, Buffer.from(wire).toString("base64"));
  assert.deepEqual(decoded.accepted, svmOffer);
  throwsCode(() => glue.svmPaymentHeader(required, 1, new Uint8Array([1, 2, 3])), "transaction_truncated");
});

await t("svmMint reads @solana-program/token's encoded mint; refuses other owners and uninitialized data", () => {
  const data = Buffer.from(getMintEncoder().encode({ mintAuthority: null, supply: 10n ** 12n, decimals: 9, isInitialized: true, freezeAuthority: null })).toString("base64");
  assert.deepEqual(JSON.parse(glue.svmMint(data, TOKEN_PROGRAM_ADDRESS)), { decimals: 9, tokenProgram: TOKEN_PROGRAM_ADDRESS });
  throwsCode(() => glue.svmMint(data, feePayer), "unsupported_token_program");
  const blank = Buffer.from(getMintEncoder().encode({ mintAuthority: null, supply: 0n, decimals: 9, isInitialized: false, freezeAuthority: null })).toString("base64");
  throwsCode(() => glue.svmMint(blank, TOKEN_PROGRAM_ADDRESS), "mint_invalid");
  throwsCode(() => glue.svmMint(Buffer.alloc(10).toString("base64"), TOKEN_PROGRAM_ADDRESS), "mint_invalid");
});

// ---- L402 ----
await t("l402Authorization equals aperture's Authorization values (l402-peers.aperture.json)", () => {
  const vectors = JSON.parse(readFileSync(join(ROOT, "tests/conformance/vectors/l402-peers.aperture.json"), "utf8"));
  const rows = vectors.cases.filter((v) => v.op === "l402.authorization.parse" && v.expect.ok?.scheme === "L402" && v.expect.ok.macaroons.length === 1);
  assert.ok(rows.length >= 1, "aperture rows");
  for (const v of rows) {
    assert.equal(glue.l402Authorization(v.expect.ok.macaroons[0], v.expect.ok.preimage_hex), v.input.header, v.name);
  }
  throwsCode(() => glue.l402Authorization(rows[0].expect.ok.macaroons[0], "00"), "invalid_argument");
});

// ---- the answers ----
await t("readRefusal reads pay402's server refusing a paid request (x402Middleware): the server's code and message", async () => {
  const mw = main.x402Middleware([evmOffer]);
  const res = { headers: {}, setHeader(k, v) { this.headers[k] = v; }, end(b) { this.body = b; } };
  // a payment that expired: signed at `now` (2025), presented now
  await mw({ headers: { "payment-signature": header.value } }, res, () => { throw new Error("served"); });
  assert.equal(res.statusCode, 402);
  const body = typeof res.body === "string" ? res.body : Buffer.from(res.body ?? "").toString();
  const problem = JSON.parse(body);
  const refusal = JSON.parse(glue.readRefusal(402, JSON.stringify(Object.entries(res.headers)), body));
  assert.equal(refusal.code, problem.error);
  assert.equal(refusal.detailCode, problem.errorDetail ?? null);
  assert.equal(refusal.message, problem.errorMessage);
  assert.ok(refusal.message.length > 0, "the server's sentence");
  // a plain 402 without a body: the header's error, else payment_refused
  assert.equal(JSON.parse(glue.readRefusal(402, "[]", "")).code, "payment_refused");
  assert.equal(JSON.parse(glue.readRefusal(503, "[]", "")).code, "undetermined");
  throwsCode(() => glue.readRefusal(402, "{}", ""), "invalid_argument");
});

await t("readReceipt decodes @x402/core's PAYMENT-RESPONSE", () => {
  const receipt = { success: true, transaction: "0xabc", network: "eip155:84532", payer: account.address };
  const decoded = JSON.parse(glue.readReceipt(encodePaymentResponseHeader(receipt)));
  assert.equal(decoded.success, true);
  assert.equal(decoded.transaction, receipt.transaction);
  assert.equal(decoded.network, receipt.network);
  assert.equal(decoded.payer, receipt.payer);
  throwsCode(() => glue.readReceipt("%%%"), "base64_invalid_character");
});

console.log(`paywall core: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
