// Generates tests/conformance/vectors/onchain-proof-svm.peers.json: Solana payments proven by a transaction
// signature (`onchain.svm.verify`, `onchain.payper402.verify`).
//
// Each case is a `getTransaction` result with `encoding: "jsonParsed"` in the shape the Solana RPC documents
// (https://solana.com/docs/rpc/http/gettransaction; parsed SPL Token `transferChecked` and System `transfer`
// instructions as the RPC's transaction-status parsers write them: `info` {source, destination, mint,
// authority, tokenAmount {amount, decimals, uiAmount, uiAmountString}} and {source, destination, lamports};
// account keys as {pubkey, signer, source, writable}). Addresses come from @solana/kit's address codec over
// deterministic seeds, associated token accounts from @solana-program/token's findAssociatedTokenPda, and
// signatures are base58 of 64 deterministic bytes (@solana/kit's base58 codec). The Solana Pay reference is
// a read-only, non-signer account key (https://docs.solanapay.com/spec, "reference"). Expected verdicts follow
// tests/conformance/vectors/README.md "On-chain proofs"; the amount is the sum of what the generator put
// into the payee's account. Usage: node onchain-proof.mjs OUT_DIR
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { address, getAddressDecoder, getBase58Decoder } from "@solana/kit";
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from "@solana-program/token";

const out = process.argv[2];
const bytes = (label, n = 32) => new Uint8Array(createHash("sha512").update(`pay402 onchain proof ${label}`).digest()).slice(0, n);
const key = (label) => getAddressDecoder().decode(bytes(label));
const sig = (label) => getBase58Decoder().decode(bytes(`signature ${label}`, 64));
const ata = async (owner, mint) => (await findAssociatedTokenPda({ owner, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS }))[0];

const TOKEN_2022 = address("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
const SYSTEM = address("11111111111111111111111111111111");
const COMPUTE_BUDGET = address("ComputeBudget111111111111111111111111111111");
const MEMO = address("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");
const USDC = address("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
const OTHER_MINT = key("other mint");
const PAYEE = key("payee");
const PAYER = key("payer");
const SOMEONE = key("someone");
const REFERENCE = key("reference");
const NOW = 1_760_000_000;

const payeeAta = await ata(PAYEE, USDC);
const payerAta = await ata(PAYER, USDC);
const someoneAta = await ata(SOMEONE, USDC);
const payeeOtherAta = await ata(PAYEE, OTHER_MINT);
const payerOtherAta = await ata(PAYER, OTHER_MINT);

const transferChecked = ({ source = payerAta, destination = payeeAta, mint = USDC, authority = PAYER, amount,
  programId = TOKEN_PROGRAM_ADDRESS }) => ({
  parsed: {
    info: { authority, destination, mint, source,
      tokenAmount: { amount: String(amount), decimals: 6, uiAmount: Number(amount) / 1e6, uiAmountString: String(Number(amount) / 1e6) } },
    type: "transferChecked",
  },
  program: programId === TOKEN_PROGRAM_ADDRESS ? "spl-token" : "spl-token-2022", programId, stackHeight: null,
});
const plainTransfer = ({ amount }) => ({
  parsed: { info: { amount: String(amount), authority: PAYER, destination: payeeAta, source: payerAta }, type: "transfer" },
  program: "spl-token", programId: TOKEN_PROGRAM_ADDRESS, stackHeight: null,
});
const systemTransfer = ({ destination = PAYEE, lamports }) => ({
  parsed: { info: { destination, lamports, source: PAYER }, type: "transfer" }, program: "system", programId: SYSTEM,
  stackHeight: null,
});
const computeLimit = { accounts: [], data: "K1FDJ7", programId: COMPUTE_BUDGET, stackHeight: null };
const memo = { parsed: "order 42", program: "spl-memo", programId: MEMO, stackHeight: null };

function result({ signature, instructions, inner = [], err = null, blockTime = NOW - 30, reference = null, keys = null }) {
  const accountKeys = keys ?? [
    { pubkey: PAYER, signer: true, source: "transaction", writable: true },
    { pubkey: payerAta, signer: false, source: "transaction", writable: true },
    { pubkey: payeeAta, signer: false, source: "transaction", writable: true },
    { pubkey: USDC, signer: false, source: "transaction", writable: false },
    ...(reference ? [{ pubkey: reference.key, signer: reference.signer ?? false, source: "transaction", writable: reference.writable ?? false }] : []),
    { pubkey: TOKEN_PROGRAM_ADDRESS, signer: false, source: "transaction", writable: false },
  ];
  return {
    blockTime,
    meta: {
      computeUnitsConsumed: 6_200, err, fee: 5_000,
      innerInstructions: inner.length ? [{ index: 0, instructions: inner }] : [],
      logMessages: [], postBalances: [], postTokenBalances: [], preBalances: [], preTokenBalances: [], rewards: [],
      status: err === null ? { Ok: null } : { Err: err },
    },
    slot: 380_000_123,
    transaction: { message: { accountKeys, instructions, recentBlockhash: key("blockhash") }, signatures: [signature] },
    version: "legacy",
  };
}

const cases = [];
const ok = (signature, amount, payer = PAYER) => ({ ok: { tx_key: `svm:${signature}`, payer, amount: String(amount) } });
const err = (code) => ({ error: code });
let n = 0;
function svm(name, build, { asset = { mint: USDC, token_program: TOKEN_PROGRAM_ADDRESS }, min = 1_000n, reference, maxAge = 600,
  minCommitment = "confirmed", fetchedAt = "confirmed", claimed, resultJson } = {}, expect) {
  const signature = sig(`case ${++n}`);
  const r = build(signature);
  cases.push({
    name, op: "onchain.svm.verify",
    input: {
      signature: claimed ?? signature, asset, pay_to: PAYEE, min_amount: String(min),
      ...(reference ? { reference } : {}), ...(maxAge === null ? {} : { max_age_secs: maxAge }),
      min_commitment: minCommitment, fetched_at: fetchedAt, now: NOW,
      result_json: resultJson ?? JSON.stringify(r),
    },
    expect: typeof expect === "function" ? expect(signature) : expect,
  });
}

svm("transferChecked of the price into the payee's associated token account",
  (s) => result({ signature: s, instructions: [computeLimit, transferChecked({ amount: 1_000n })] }), {}, (s) => ok(s, 1_000n));
svm("split between a top-level and an inner transferChecked is summed",
  (s) => result({ signature: s, instructions: [transferChecked({ amount: 300n })], inner: [transferChecked({ amount: 700n })] }),
  {}, (s) => ok(s, 1_000n));
svm("a transfer to someone else beside the payment does not count",
  (s) => result({ signature: s, instructions: [transferChecked({ destination: someoneAta, amount: 5_000n }), memo,
    transferChecked({ amount: 1_000n })] }), {}, (s) => ok(s, 1_000n));
svm("failed transaction",
  (s) => result({ signature: s, instructions: [transferChecked({ amount: 1_000n })], err: { InstructionError: [0, { Custom: 1 }] } }),
  {}, err("transaction_reverted"));
svm("wrong mint", (s) => result({ signature: s, instructions: [transferChecked({ mint: OTHER_MINT, source: payerOtherAta,
  destination: payeeOtherAta, amount: 1_000n })] }), {}, err("wrong_asset"));
svm("the right mint under another token program", (s) => result({ signature: s,
  instructions: [transferChecked({ programId: TOKEN_2022, amount: 1_000n })] }), {}, err("wrong_asset"));
svm("a plain Transfer names no mint and does not count", (s) => result({ signature: s, instructions: [plainTransfer({ amount: 1_000n })] }),
  {}, err("wrong_asset"));
svm("wrong payee", (s) => result({ signature: s, instructions: [transferChecked({ destination: someoneAta, amount: 1_000n })] }),
  {}, err("wrong_payee"));
svm("to the payee's wallet itself, not its token account", (s) => result({ signature: s,
  instructions: [transferChecked({ destination: PAYEE, amount: 1_000n })] }), {}, err("wrong_payee"));
svm("underpaid", (s) => result({ signature: s, instructions: [transferChecked({ amount: 999n })] }), {}, err("amount_too_low"));
svm("reference present, read-only and not a signer", (s) => result({ signature: s, instructions: [transferChecked({ amount: 1_000n })],
  reference: { key: REFERENCE } }), { reference: REFERENCE }, (s) => ok(s, 1_000n));
svm("reference missing", (s) => result({ signature: s, instructions: [transferChecked({ amount: 1_000n })] }),
  { reference: REFERENCE }, err("reference_missing"));
svm("reference present but writable", (s) => result({ signature: s, instructions: [transferChecked({ amount: 1_000n })],
  reference: { key: REFERENCE, writable: true } }), { reference: REFERENCE }, err("reference_missing"));
svm("underpaid beats reference missing", (s) => result({ signature: s, instructions: [transferChecked({ amount: 10n })] }),
  { reference: REFERENCE }, err("amount_too_low"));
svm("too old", (s) => result({ signature: s, instructions: [transferChecked({ amount: 1_000n })], blockTime: NOW - 601 }),
  {}, err("transaction_too_old"));
svm("no block time with a maximum age", (s) => result({ signature: s, instructions: [transferChecked({ amount: 1_000n })], blockTime: null }),
  {}, err("block_time_unknown"));
svm("no block time and no maximum age", (s) => result({ signature: s, instructions: [transferChecked({ amount: 1_000n })], blockTime: null }),
  { maxAge: null }, (s) => ok(s, 1_000n));
svm("confirmed when finalized is required", (s) => result({ signature: s, instructions: [transferChecked({ amount: 1_000n })] }),
  { minCommitment: "finalized" }, err("transaction_not_final"));
svm("finalized when finalized is required", (s) => result({ signature: s, instructions: [transferChecked({ amount: 1_000n })] }),
  { minCommitment: "finalized", fetchedAt: "finalized" }, (s) => ok(s, 1_000n));
svm("result null: unknown or not yet at that commitment", (s) => null, { resultJson: "null" }, err("transaction_not_found"));
svm("result for another signature", (s) => result({ signature: s, instructions: [transferChecked({ amount: 1_000n })] }),
  { claimed: sig("another") }, err("transaction_mismatch"));
svm("SOL transfer to the payee", (s) => result({ signature: s, instructions: [systemTransfer({ lamports: 5_000_000 })] }),
  { asset: "native", min: 5_000_000n }, (s) => ok(s, 5_000_000n));
svm("SOL transfer to someone else", (s) => result({ signature: s, instructions: [systemTransfer({ destination: SOMEONE, lamports: 5_000_000 })] }),
  { asset: "native", min: 5_000_000n }, err("wrong_payee"));
svm("malformed JSON", (s) => null, { resultJson: '{"blockTime":1,"meta":' }, err("invalid_rpc_result"));
svm("meta missing", (s) => { const r = result({ signature: s, instructions: [transferChecked({ amount: 1_000n })] }); delete r.meta; return r; },
  {}, err("invalid_rpc_result"));
svm("token amount not a decimal string", (s) => {
  const r = result({ signature: s, instructions: [transferChecked({ amount: 1_000n })] });
  r.transaction.message.instructions[0].parsed.info.tokenAmount.amount = "1e3"; return r;
}, {}, err("invalid_rpc_result"));

// PayPer402 (https://github.com/Russioo/PayPer402): the challenge's amount is the price in USDC.
function payper(name, header, build, { signature: claimed, fetchedAt = "confirmed" } = {}, expect) {
  const signature = sig(`case ${++n}`);
  cases.push({
    name, op: "onchain.payper402.verify",
    input: {
      challenge: header, decimals: 6, signature: claimed ?? signature, mint: USDC, token_program: TOKEN_PROGRAM_ADDRESS,
      pay_to: PAYEE, max_age_secs: 600, min_commitment: "confirmed", fetched_at: fetchedAt, now: NOW,
      result_json: JSON.stringify(build(signature)),
    },
    expect: typeof expect === "function" ? expect(signature) : expect,
  });
}
const CHALLENGE = 'Bearer realm="PayPer402", amount="0.042", currency="USDC", network="Solana"';
payper("PayPer402: paid the challenge's amount", CHALLENGE,
  (s) => result({ signature: s, instructions: [transferChecked({ amount: 42_000n })] }), {}, (s) => ok(s, 42_000n));
payper("PayPer402: paid less than the challenge's amount", CHALLENGE,
  (s) => result({ signature: s, instructions: [transferChecked({ amount: 41_999n })] }), {}, err("amount_too_low"));
payper("PayPer402: a successful transaction that pays someone else", CHALLENGE,
  (s) => result({ signature: s, instructions: [transferChecked({ destination: someoneAta, amount: 42_000n })] }), {}, err("wrong_payee"));
payper("PayPer402: a challenge for another network", 'Bearer realm="PayPer402", amount="0.042", currency="USDC", network="Base"',
  (s) => result({ signature: s, instructions: [transferChecked({ amount: 42_000n })] }), {}, err("unsupported_network"));
payper("PayPer402: a signature that is not base58", CHALLENGE,
  (s) => result({ signature: s, instructions: [transferChecked({ amount: 42_000n })] }), { signature: "0OIl" }, err("invalid_transaction_signature"));

const file = {
  suite: "onchain-proof-svm",
  source: "getTransaction jsonParsed results in the Solana RPC's documented shape (https://solana.com/docs/rpc/http/gettransaction) with addresses from @solana/kit 8.4.0, associated token accounts from @solana-program/token 0.16.1 findAssociatedTokenPda and base58 signatures from @solana/kit's codec; Solana Pay reference per https://docs.solanapay.com/spec; expected verdicts per tests/conformance/vectors/README.md \"On-chain proofs\"",
  cases,
};
writeFileSync(`${out}/onchain-proof-svm.peers.json`, JSON.stringify(file, null, 2) + "\n");
console.log(`wrote ${out}/onchain-proof-svm.peers.json (${cases.length} cases)`);
