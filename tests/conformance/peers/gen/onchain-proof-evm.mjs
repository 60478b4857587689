// viem → onchain-proof-evm.viem.json: EVM payments proven by a transaction hash (`onchain.evm.verify`).
//
// Each case is the JSON-RPC results a server reads for a claimed transaction hash, in the shapes of the
// Ethereum JSON-RPC API (https://ethereum.org/en/developers/docs/apis/json-rpc/ —
// eth_getTransactionReceipt, eth_getBlockByNumber, eth_blockNumber, eth_getTransactionByHash): quantities
// with viem's numberToHex, hashes with viem's keccak256, and every ERC-20 `Transfer` log encoded by viem's
// encodeEventTopics / encodeAbiParameters from viem's own erc20Abi (EIP-20,
// https://eips.ethereum.org/EIPS/eip-20#transfer-1). An ERC-721 `Transfer` (four topics) comes from
// viem's erc721Abi. Expected verdicts follow the rules of tests/conformance/vectors/README.md
// ("On-chain proofs"); the amount is the sum of what the generator put in the payee's logs.
import { encodeAbiParameters, encodeEventTopics, erc20Abi, erc721Abi, keccak256, numberToHex, getAddress } from "viem";
import { Det, writeVectors, peerVersion } from "./lib/det.mjs";

const det = new Det("pay402/peers/viem/onchain-proof-evm/v1");
const CHAIN = 8453;
const NOW = 1_760_000_000;
const addr = (label) => getAddress(det.hex(0, label, 20));
const TOKEN = addr("token");
const OTHER_TOKEN = addr("other token");
const PAYEE = addr("payee");
const PAYER = addr("payer");
const SOMEONE = addr("someone");
const NFT_ID = 7n;

let n = 0;
const hash = (label) => keccak256(det.bytes(++n, label, 32));

/** One EIP-20 Transfer log as eth_getTransactionReceipt lists it. */
function transferLog(token, from, to, value, extra = {}) {
  return {
    address: token.toLowerCase(),
    topics: encodeEventTopics({ abi: erc20Abi, eventName: "Transfer", args: { from, to } }),
    data: encodeAbiParameters([{ type: "uint256" }], [value]),
    removed: false,
    ...extra,
  };
}

/** A mined transaction: receipt, its block, the head, and the transaction itself. */
function chain({ logs = [], status = 1, block = 1_000n, age = 30, head = 1_011n, value = 0n, to = TOKEN, from = PAYER,
  chainId = CHAIN } = {}) {
  const txHash = hash("tx");
  const blockHash = hash("block");
  const withTx = logs.map((l, i) => ({ ...l, blockHash, blockNumber: numberToHex(block), logIndex: numberToHex(i),
    transactionHash: txHash, transactionIndex: "0x3" }));
  const receipt = {
    blockHash, blockNumber: numberToHex(block), contractAddress: null, cumulativeGasUsed: numberToHex(120_000),
    effectiveGasPrice: numberToHex(1_000_000), from: from.toLowerCase(), gasUsed: numberToHex(52_000), logs: withTx,
    logsBloom: "0x" + "00".repeat(256), status: numberToHex(status), to: to.toLowerCase(), transactionHash: txHash,
    transactionIndex: "0x3", type: "0x2",
  };
  const blk = { number: numberToHex(block), hash: blockHash, timestamp: numberToHex(NOW - age) };
  const transaction = { hash: txHash, blockHash, blockNumber: numberToHex(block), chainId: numberToHex(chainId),
    from: from.toLowerCase(), to: to.toLowerCase(), value: numberToHex(value), nonce: "0x5", type: "0x2",
    input: value === 0n ? "0xa9059cbb" : "0x" };
  return { txHash, receipt, blk, head: numberToHex(head), transaction };
}

const cases = [];
function add(name, c, { asset = TOKEN, min = 1_000n, maxAge = 600, minConf = 6, withTx = false, input = {} }, expect) {
  cases.push({
    name, op: "onchain.evm.verify",
    input: {
      chain_id: CHAIN, tx_hash: c.txHash, asset: asset === "native" ? "native" : asset.toLowerCase(),
      pay_to: PAYEE.toLowerCase(), min_amount: String(min), ...(maxAge === null ? {} : { max_age_secs: maxAge }),
      min_confirmations: minConf, now: NOW,
      receipt_json: JSON.stringify(c.receipt), block_json: JSON.stringify(c.blk), head_json: JSON.stringify(c.head),
      ...(withTx ? { transaction_json: JSON.stringify(c.transaction) } : {}),
      ...input,
    },
    expect,
  });
}
const ok = (c, amount, payer = PAYER) => ({ ok: { tx_key: `evm:${CHAIN}:${c.txHash}`, payer: payer.toLowerCase(), amount: String(amount) } });
const err = (code) => ({ error: code });

let c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 1_000n)] });
add("ERC-20 transfer of the price to the payee", c, {}, ok(c, 1_000n));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 2_500n)] });
add("ERC-20 transfer above the price", c, {}, ok(c, 2_500n));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 400n), transferLog(OTHER_TOKEN, PAYER, PAYEE, 5_000n),
  transferLog(TOKEN, SOMEONE, PAYEE, 600n)] });
add("payment split across two Transfer logs is summed; the first log's sender is the payer", c, {}, ok(c, 1_000n));
c = chain({ logs: [transferLog(TOKEN, PAYER, SOMEONE, 9_000n), transferLog(TOKEN, PAYER, PAYEE, 1_000n)] });
add("a transfer to someone else beside the payment does not count", c, {}, ok(c, 1_000n));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 1_000n)], status: 0 });
add("reverted transaction", c, {}, err("transaction_reverted"));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 1_000n)], status: 0, age: 100_000 });
add("reverted beats too old", c, {}, err("transaction_reverted"));
c = chain({ logs: [transferLog(OTHER_TOKEN, PAYER, PAYEE, 1_000n)] });
add("wrong token", c, {}, err("wrong_asset"));
c = chain({ logs: [] });
add("no logs at all", c, {}, err("wrong_asset"));
c = chain({ logs: [transferLog(TOKEN, PAYER, SOMEONE, 1_000n)] });
add("wrong payee", c, {}, err("wrong_payee"));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 999n)] });
add("underpaid by one unit", c, {}, err("amount_too_low"));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 400n), transferLog(TOKEN, PAYER, PAYEE, 599n)] });
add("split payment one unit short", c, {}, err("amount_too_low"));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 1_000n, { removed: true })] });
add("a log removed by a reorganisation does not count", c, {}, err("wrong_asset"));
c = chain({ logs: [{ address: TOKEN.toLowerCase(), removed: false,
  topics: encodeEventTopics({ abi: erc721Abi, eventName: "Transfer", args: { from: PAYER, to: PAYEE, tokenId: NFT_ID } }),
  data: "0x" }] });
add("an ERC-721 Transfer (four topics) is not an ERC-20 payment", c, {}, err("wrong_asset"));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 1_000n)], age: 601 });
add("too old", c, {}, err("transaction_too_old"));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 1_000n)], age: 600 });
add("exactly the maximum age", c, {}, ok(c, 1_000n));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 1_000n)], age: 100_000 });
add("no maximum age accepts an old transaction", c, { maxAge: null }, ok(c, 1_000n));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 1_000n)], block: 1_000n, head: 1_004n });
add("not final: 5 confirmations of 6", c, {}, err("transaction_not_final"));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 1_000n)], block: 1_000n, head: 1_005n });
add("final at exactly 6 confirmations", c, {}, ok(c, 1_000n));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 999n)], block: 1_000n, head: 1_000n });
add("underpaid beats not final", c, {}, err("amount_too_low"));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 1_000n)], block: 1_000n, head: 999n });
add("a head behind the receipt's block is not final", c, { minConf: 1 }, err("transaction_not_final"));
c = chain({ logs: [transferLog(TOKEN, PAYER, PAYEE, 1_000n)] });
add("receipt null: unknown or pending", c, { input: { receipt_json: "null" } }, err("transaction_not_found"));
add("receipt of another transaction", c, { input: { tx_hash: hash("other") } }, err("transaction_mismatch"));
add("block of another hash", c, { input: { block_json: JSON.stringify({ ...c.blk, hash: hash("other block") }) } },
  err("transaction_mismatch"));
add("malformed receipt JSON", c, { input: { receipt_json: JSON.stringify(c.receipt).slice(0, -1) } }, err("invalid_rpc_result"));
const { status: _s, ...noStatus } = c.receipt;
add("receipt without status (pre-Byzantium root)", c, { input: { receipt_json: JSON.stringify(noStatus) } }, err("invalid_rpc_result"));
add("quantity with a leading zero", c, { input: { head_json: JSON.stringify("0x03f3") } }, err("invalid_rpc_result"));
add("log topics not an array", c, { input: { receipt_json: JSON.stringify({ ...c.receipt,
  logs: [{ ...c.receipt.logs[0], topics: "0x" }] }) } }, err("invalid_rpc_result"));

c = chain({ value: 10n ** 15n, to: PAYEE });
add("native value to the payee", c, { asset: "native", min: 10n ** 15n, withTx: true }, ok(c, 10n ** 15n));
c = chain({ value: 10n ** 15n, to: SOMEONE });
add("native value to someone else", c, { asset: "native", min: 10n ** 15n, withTx: true }, err("wrong_payee"));
c = chain({ value: 10n ** 15n - 1n, to: PAYEE });
add("native value one wei short", c, { asset: "native", min: 10n ** 15n, withTx: true }, err("amount_too_low"));
c = chain({ value: 0n, to: PAYEE });
add("native: a call without value", c, { asset: "native", min: 1n, withTx: true }, err("wrong_asset"));
c = chain({ value: 10n ** 15n, to: PAYEE, chainId: 1 });
add("native: transaction of another chain", c, { asset: "native", min: 10n ** 15n, withTx: true }, err("transaction_mismatch"));
c = chain({ value: 10n ** 15n, to: PAYEE });
add("native without eth_getTransactionByHash", c, { asset: "native", min: 10n ** 15n }, err("invalid_rpc_result"));

writeVectors("onchain-proof-evm.viem.json", "onchain-proof-evm",
  `JSON-RPC results (Ethereum JSON-RPC API shapes) with hashes, quantities and EIP-20 / ERC-721 Transfer logs encoded by viem ${peerVersion("viem")} (keccak256, numberToHex, encodeEventTopics, encodeAbiParameters, erc20Abi, erc721Abi); expected verdicts per tests/conformance/vectors/README.md "On-chain proofs"`,
  cases);
