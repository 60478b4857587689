// Generates tests/conformance/vectors/svm-cosign.peers.json: the facilitator's fee-payer
// co-signature of the client transactions of x402-verify-svm.peers.json, made by @solana/kit
// (partiallySignTransaction with the fee payer's key pair) and cross-checked with tweetnacl.
//   node gen-cosign.mjs <out dir>
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import {
  createKeyPairFromPrivateKeyBytes, getAddressFromPublicKey, getBase64EncodedWireTransaction, getBase64Encoder,
  getSignatureFromTransaction, getTransactionDecoder, partiallySignTransaction,
} from "@solana/kit";
import nacl from "tweetnacl";

const seed = (label) => new Uint8Array(createHash("sha256").update(`pay402 svm ${label}`).digest());
const feePayerSeed = seed("fee payer");
const feePayerKeys = await createKeyPairFromPrivateKeyBytes(feePayerSeed);
const naclKeys = nacl.sign.keyPair.fromSeed(feePayerSeed);
const source = JSON.parse(readFileSync(new URL("../../vectors/x402-verify-svm.peers.json", import.meta.url), "utf8"));

const cases = [];
const seen = new Set();
for (const c of source.cases) {
  // Co-signing follows the offline checks: the transactions they accept, and two edges (a
  // fee payer other than ours; a slot 0 the client already filled, which is replaced).
  const edge = ["transaction's fee payer is not extra.feePayer", "fee payer already signed"].includes(c.name);
  if (c.op !== "x402.verify" || !(c.expect.ok || edge)) continue;
  const payload = JSON.parse(Buffer.from(c.input.payment, "base64").toString("utf8"));
  const wire = payload.payload?.transaction;
  if (typeof wire !== "string" || seen.has(wire)) continue;
  seen.add(wire);
  let tx;
  try {
    tx = getTransactionDecoder().decode(getBase64Encoder().encode(wire));
  } catch {
    continue; // a malformed transaction of the verify vectors: not a co-signing input
  }
  const input = { transaction: wire, fee_payer_seed_hex: Buffer.from(feePayerSeed).toString("hex") };
  let signed;
  try {
    signed = await partiallySignTransaction([feePayerKeys], tx);
  } catch (e) {
    // Kit refuses a key that is not among the signers: the fee payer is another key.
    cases.push({ name: `${c.name}: not the fee payer's transaction`, op: "svm.cosign", input, expect: { error: "invalid_exact_svm_fee_payer_mismatch" } });
    continue;
  }
  // The fee payer is account key 0 (the first signer) in every co-signing input.
  const feePayerAddress = Object.keys(signed.signatures)[0];
  if (feePayerAddress !== await getAddressFromPublicKey(feePayerKeys.publicKey)) continue;
  const sig = signed.signatures[feePayerAddress];
  if (!sig || !nacl.sign.detached.verify(new Uint8Array(tx.messageBytes), new Uint8Array(sig), naclKeys.publicKey)) continue;
  if (Buffer.compare(Buffer.from(nacl.sign.detached(new Uint8Array(tx.messageBytes), naclKeys.secretKey)), Buffer.from(sig)) !== 0) {
    throw new Error(`${c.name}: kit and tweetnacl disagree`);
  }
  cases.push({
    name: `${c.name}: co-signed`,
    op: "svm.cosign",
    input,
    expect: { ok: { transaction: getBase64EncodedWireTransaction(signed), signature: getSignatureFromTransaction(signed) } },
  });
}
const doc = {
  suite: "svm-cosign-peers",
  source: "@solana/kit 8.4.0 partiallySignTransaction with the fee payer's key pair (seed sha256 \"pay402 svm fee payer\"), getBase64EncodedWireTransaction, getSignatureFromTransaction; every signature checked with tweetnacl 1.0.3; client transactions from x402-verify-svm.peers.json",
  cases,
};
writeFileSync(`${process.argv[2]}/svm-cosign.peers.json`, JSON.stringify(doc, null, 2) + "\n");
console.log(`svm-cosign.peers.json: ${cases.length} cases`);
