// Real receipts for the core's on-chain proof check: on the local Hardhat node with the deployed test token
// (build/deployment.json), pays with real transactions (an ERC-20 transfer of the price, one unit short, one to
// someone else, one that reverts, a native ETH payment), mines a few blocks, fetches each transaction's
// JSON-RPC results (eth_getTransactionReceipt, eth_getBlockByNumber, eth_blockNumber, eth_getTransactionByHash)
// and writes them as `onchain.evm.verify` cases (tests/conformance/vectors/README.md, "On-chain proofs") with
// the verdicts the transactions call for: what was sent, to whom, and whether the node mined it as failed.
// The conformance runner (pay402-vectors) then decides each through the core.
//   PAY402_CHAIN_RPC=http://127.0.0.1:PORT node onchain-proof.mjs OUT.json
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicClient, createWalletClient, http, parseAbi } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CHAIN_ID, KEYS, localChain, rpcUrl } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) throw new Error("usage: node onchain-proof.mjs OUT.json");
const url = rpcUrl();
const chain = localChain(url);
const { token } = JSON.parse(fs.readFileSync(path.join(here, "build", "deployment.json"), "utf8"));
const payer = privateKeyToAccount(KEYS.deployer); // the token's minter
const wallet = createWalletClient({ account: payer, chain, transport: http(url) });
const pub = createPublicClient({ chain, transport: http(url) });
const abi = parseAbi(["function mint(address to, uint256 value)", "function transfer(address to, uint256 value) returns (bool)",
  "function balanceOf(address) view returns (uint256)"]);
const PAYEE = "0x00000000000000000000000000000000000a4020";
const SOMEONE = "0x000000000000000000000000000000000000dead";
const PRICE = 1_000n;
const NATIVE = 10n ** 15n;

let id = 0;
async function rpc(method, params) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }) });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}
const mined = async (hash) => {
  const r = await pub.waitForTransactionReceipt({ hash, timeout: 30_000 });
  return r.transactionHash;
};
const transfer = (to, value, extra = {}) => wallet.writeContract({ address: token, abi, functionName: "transfer", args: [to, value], ...extra });

await mined(await wallet.writeContract({ address: token, abi, functionName: "mint", args: [payer.address, 10n * PRICE] }));
const paid = await mined(await transfer(PAYEE, PRICE));
const short = await mined(await transfer(PAYEE, PRICE - 1n));
const elsewhere = await mined(await transfer(SOMEONE, PRICE));
const native = await mined(await wallet.sendTransaction({ to: PAYEE, value: NATIVE }));
// More than the balance, with the gas given so nothing estimates (and refuses) it first: mined as failed.
let reverted;
try {
  reverted = await mined(await transfer(PAYEE, 10n ** 30n, { gas: 100_000n }));
} catch {
  const block = await rpc("eth_getBlockByNumber", ["latest", false]);
  reverted = block.transactions.at(-1);
}
if ((await pub.getTransactionReceipt({ hash: reverted })).status !== "reverted") throw new Error("the failing transfer did not revert");
if ((await pub.readContract({ address: token, abi, functionName: "balanceOf", args: [PAYEE] })) !== 2n * PRICE - 1n) {
  throw new Error("payee balance did not move as sent");
}
await rpc("hardhat_mine", ["0x5"]);

async function results(hash) {
  const receipt = await rpc("eth_getTransactionReceipt", [hash]);
  const block = await rpc("eth_getBlockByNumber", [receipt.blockNumber, false]);
  const head = await rpc("eth_blockNumber", []);
  const transaction = await rpc("eth_getTransactionByHash", [hash]);
  return { receipt, block, head, transaction, time: Number(BigInt(block.timestamp)),
    confirmations: Number(BigInt(head) - BigInt(receipt.blockNumber)) + 1 };
}

const cases = [];
async function add(name, hash, { asset = token, min = PRICE, minConf = 1, maxAge = 600, age = 10 } = {}, expect) {
  const r = await results(hash);
  cases.push({
    name, op: "onchain.evm.verify",
    input: {
      chain_id: CHAIN_ID, tx_hash: hash, asset: asset === "native" ? "native" : asset.toLowerCase(), pay_to: PAYEE,
      min_amount: String(min), max_age_secs: maxAge, min_confirmations: typeof minConf === "function" ? minConf(r) : minConf,
      now: r.time + age, receipt_json: JSON.stringify(r.receipt), block_json: JSON.stringify(r.block),
      head_json: JSON.stringify(r.head), transaction_json: JSON.stringify(r.transaction),
    },
    expect,
  });
}
const ok = (hash, amount) => ({ ok: { tx_key: `evm:${CHAIN_ID}:${hash}`, payer: payer.address.toLowerCase(), amount: String(amount) } });

await add("local chain: transfer of the price", paid, {}, ok(paid, PRICE));
await add("local chain: transfer of the price, with all its confirmations required", paid, { minConf: (r) => r.confirmations }, ok(paid, PRICE));
await add("local chain: one confirmation short", paid, { minConf: (r) => r.confirmations + 1 }, { error: "transaction_not_final" });
await add("local chain: older than the offer allows", paid, { age: 601 }, { error: "transaction_too_old" });
await add("local chain: another token expected", paid, { asset: SOMEONE }, { error: "wrong_asset" });
await add("local chain: one unit short", short, {}, { error: "amount_too_low" });
await add("local chain: paid someone else", elsewhere, {}, { error: "wrong_payee" });
await add("local chain: reverted transfer", reverted, {}, { error: "transaction_reverted" });
await add("local chain: native ETH payment", native, { asset: "native", min: NATIVE }, ok(native, NATIVE));
await add("local chain: native ETH expected, token paid (no value)", paid, { asset: "native", min: 1n }, { error: "wrong_asset" });

fs.writeFileSync(out, JSON.stringify({ suite: "onchain-proof-local-chain",
  source: "JSON-RPC results of real transactions on the local Hardhat node (tests/chain/onchain-proof.mjs)", cases }, null, 1) + "\n");
console.log(`wrote ${out} (${cases.length} cases)`);
