// What the node:test files of tests/chain share: the environment they run in and plain JSON-RPC to the local
// node (no web3 library), so what they read from the chain does not pass through the code under test.
// Copied next to them into the fresh project where run.sh installs the packed pay402 tarball.

/** The environment variable `name`, which run.sh sets; a clear error when it is missing. */
export function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run tests/chain/run.sh)`);
  return v;
}

/** The local node's JSON-RPC URL (`PAY402_CHAIN_RPC`). */
export const RPC = env("PAY402_CHAIN_RPC");

let rpcId = 0;
/** One JSON-RPC call to the node; a JSON-RPC error throws with its JSON. */
export async function rpc(method, ...params) {
  const r = await fetch(RPC, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
  });
  const out = await r.json();
  if (out.error) throw new Error(`${method}: ${JSON.stringify(out.error)}`);
  return out.result;
}

/** An ABI word (64 hex digits, no 0x) of an address (`0x…`) or an integer. */
export const word = (v) => (typeof v === "string" ? v.slice(2).toLowerCase() : v.toString(16)).padStart(64, "0");
/** `0x` + the hex of `bytes`. */
export const hex = (bytes) => "0x" + Buffer.from(bytes).toString("hex");

/** The chain's clock: the latest block's timestamp, or the wall clock when that is behind. */
export async function chainNow() {
  const block = await rpc("eth_getBlockByNumber", "latest", false);
  return Math.max(Number(block.timestamp), Math.floor(Date.now() / 1000));
}

/** The receipt of `hash`, polled for up to 30 s. */
export async function receipt(hash) {
  for (let i = 0; i < 300; i++) {
    const r = await rpc("eth_getTransactionReceipt", hash);
    if (r) return r;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`no receipt for ${hash}`);
}
