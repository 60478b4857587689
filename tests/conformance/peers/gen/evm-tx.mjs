// viem → evm-tx-sign.viem.json: signed EIP-1559 (type-2) transactions.
//
// Expected values are whatever viem computes: raw = serializeTransaction(tx, sign({hash:
// keccak256(serializeTransaction(tx)), privateKey})), hash = keccak256(raw), from =
// privateKeyToAccount(key).address. Cases where viem refuses the transaction (tip above the fee
// cap) are error cases. The two published ethereumjs vectors (packages/tx/test/json/eip1559.json,
// entries 0 and 1) are checked here against viem's bytes before they are written.
import { serializeTransaction, keccak256, getAddress } from "viem";
import { privateKeyToAccount, sign } from "viem/accounts";
import { Det, writeVectors, peerVersion, U256_MAX } from "./lib/det.mjs";

const VIEM = `viem ${peerVersion("viem")}`;
const SEED = "pay402/peers/viem/evm-tx/v1";
const det = new Det(SEED);
const U64_MAX = (1n << 64n) - 1n;

async function signed(tx, pk) {
  const viemTx = {
    type: "eip1559",
    chainId: tx.chainId,
    nonce: Number(tx.nonce),
    maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas),
    maxFeePerGas: BigInt(tx.maxFeePerGas),
    gas: BigInt(tx.gas),
    to: tx.to,
    value: BigInt(tx.value),
    data: tx.data,
  };
  if (tx.accessList) viemTx.accessList = tx.accessList;
  const unsigned = serializeTransaction(viemTx);
  const signature = await sign({ hash: keccak256(unsigned), privateKey: "0x" + pk });
  const raw = serializeTransaction(viemTx, signature);
  return { raw, hash: keccak256(raw), from: privateKeyToAccount("0x" + pk).address };
}

const cases = [];
async function add(name, tx, pk) {
  let expect;
  try {
    expect = { ok: await signed(tx, pk) };
  } catch (e) {
    if (e?.name !== "TipAboveFeeCapError") throw e;
    expect = { error: "tip_above_fee_cap" };
  }
  cases.push({ name, op: "evm.tx.sign", input: { tx, private_key_hex: pk }, expect });
  return expect;
}

// --- the published ethereumjs vectors ---
const EJS_KEY = "8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63";
const EJS_TO = "0x000000000000000000000000000000000000aaaa";
const EJS = [
  ["819", "75853", "121212", "35552", "43203529",
    "0x02f870821e8e8203338301284d8301d97c828ae094000000000000000000000000000000000000aaaa8402933bc980c080a0d067f2167008c59219652f91cbf8788dbca5f771f6e91e2b7657e85b78b472e0a01d305af9fe81fdba43f0dfcd400ed24dcace0a7e30d4e85701dcaaf484cd079e"],
  ["353", "38850", "136295", "32593", "61901619",
    "0x02f86f821e8e8201618297c283021467827f5194000000000000000000000000000000000000aaaa8403b08b3380c001a004205678f13fc1d7b10feea6513dfa76e24418b6e08097d95c6f93a3b64e536da01d45ad61bfece43862de2cce7d2575a8c1d08c26c87f3cb5f26d7b0be54a91b2"],
];
for (const [k, [nonce, tip, fee, gas, value, published]] of EJS.entries()) {
  const got = await add(`ethereumjs eip1559.json entry ${k}`, {
    chainId: 7822, nonce, maxPriorityFeePerGas: tip, maxFeePerGas: fee, gas, to: EJS_TO, value, data: "0x",
  }, EJS_KEY);
  if (got.ok.raw !== published) throw new Error(`viem differs from the published vector ${k}`);
}

// --- edge cases ---
const KEY = det.privateKey(0, "edge/key");
const TO = "0x209693bc6afc0c5328ba36faf03c514ef312287c";
const base = { chainId: 84532, nonce: "0", maxPriorityFeePerGas: "1000000", maxFeePerGas: "2000000000", gas: "100000",
  to: TO, value: "0", data: "0x" };
await add("all zero (nonce, fees, gas, value), empty data", { ...base, maxPriorityFeePerGas: "0", maxFeePerGas: "0", gas: "0" }, KEY);
await add("max u256 value and fees", { ...base, maxPriorityFeePerGas: U256_MAX.toString(), maxFeePerGas: U256_MAX.toString(),
  value: U256_MAX.toString() }, KEY);
await add("max u64 gas, nonce 2^53 - 1, chain 2^53 - 1", { ...base, chainId: 9007199254740991, nonce: "9007199254740991",
  gas: U64_MAX.toString() }, KEY);
await add("single byte data below 0x80", { ...base, data: "0x7f" }, KEY);
await add("single byte data 0x80", { ...base, data: "0x80" }, KEY);
await add("55-byte data (short header)", { ...base, data: det.hex(1, "edge/data55", 55) }, KEY);
await add("56-byte data (long header)", { ...base, data: det.hex(1, "edge/data56", 56) }, KEY);
await add("1024-byte data (two-byte length)", { ...base, data: det.hex(1, "edge/data1024", 1024) }, KEY);
await add("empty access list given", { ...base, accessList: [] }, KEY);
await add("access list: one address, no keys", { ...base, accessList: [{ address: TO, storageKeys: [] }] }, KEY);
await add("access list: two addresses with keys", { ...base, accessList: [
  { address: "0x036cbd53842c5426634e7929541ec2318f3dcf7e", storageKeys: [det.hex(2, "edge/k0"), "0x" + "00".repeat(32)] },
  { address: "0x000000000022d473030f116ddee9f6b43ac78ba3", storageKeys: [det.hex(2, "edge/k1"), det.hex(2, "edge/k2"), det.hex(2, "edge/k3")] },
] }, KEY);
await add("tip above the fee cap", { ...base, maxPriorityFeePerGas: "2000000001" }, KEY);
await add("tip equal to the fee cap", { ...base, maxPriorityFeePerGas: "2000000000" }, KEY);
await add("zero address as callee", { ...base, to: "0x" + "00".repeat(20) }, KEY);
await add("checksummed callee", { ...base, to: getAddress(TO) }, KEY);

// --- deterministic random cases ---
const CHAINS = [1, 10, 137, 8453, 84532, 11155111, 31337, 4294967295, 4294967296];
function u256(i, label) {
  const r = det.below(i, label + "/edge", 10);
  if (r === 0) return 0n;
  if (r === 1) return U256_MAX;
  return det.u256(i, label);
}
for (let i = 0; i < 96; i++) {
  const pk = det.privateKey(i, "rand/key");
  const fee = u256(i, "rand/fee");
  const tip = det.below(i, "rand/tipkind", 8) === 0 ? fee : (fee === 0n ? 0n : det.big(i, "rand/tip", 256) % (fee + 1n));
  const dataLen = det.pick(i, "rand/datalen", [0, 0, 1, 4, 36, 68, 100, 196, 292, 388, 600]);
  const tx = {
    chainId: det.below(i, "rand/chainkind", 2) === 0 ? det.pick(i, "rand/chain", CHAINS) : 1 + det.below(i, "rand/chainsmall", 100000),
    nonce: det.below(i, "rand/nonce", 3) === 0 ? "0" : String(det.big(i, "rand/nonceval", 52)),
    maxPriorityFeePerGas: tip.toString(),
    maxFeePerGas: fee.toString(),
    gas: String(det.big(i, "rand/gas", det.pick(i, "rand/gasbits", [16, 24, 32, 64]))),
    to: det.hex(i, "rand/to", 20),
    value: u256(i, "rand/value").toString(),
    data: dataLen === 0 ? "0x" : det.hex(i, "rand/data", dataLen),
  };
  const lists = det.below(i, "rand/al", 4);
  if (lists > 0) {
    tx.accessList = [];
    for (let a = 0; a < lists - 1; a++) {
      const keys = [];
      for (let k = 0; k < det.below(i, `rand/al${a}/n`, 4); k++) keys.push(det.hex(i, `rand/al${a}/k${k}`));
      tx.accessList.push({ address: det.hex(i, `rand/al${a}/addr`, 20), storageKeys: keys });
    }
  }
  await add(`viem random #${i}`, tx, pk);
}

writeVectors("evm-tx-sign.viem.json", "evm-tx-sign-viem",
  `${VIEM}: serializeTransaction (type eip1559) signed with sign({hash: keccak256(unsigned), privateKey}), ` +
  `hash = keccak256(raw), from = privateKeyToAccount(key).address; the ethereumjs eip1559.json entries 0 and 1 ` +
  `checked byte for byte; inputs from sha256 seed "${SEED}"`, cases);
