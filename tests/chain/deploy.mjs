// Deploys build/Eip3009Token.json to the local node with Hardhat account #0, installs the runtime code of Multicall3Lite,
// Permit2Lite and the x402 Permit2 proxies (X402{Exact,Upto}Permit2ProxyLite) at their canonical addresses, and writes
// build/deployment.json.
//   PAY402_CHAIN_RPC=http://127.0.0.1:PORT node deploy.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicClient, createWalletClient, getAddress, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CHAIN_ID, KEYS, NETWORK, localChain, rpcUrl } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const url = rpcUrl();
const chain = localChain(url);
const { abi, bytecode, compiler } = JSON.parse(fs.readFileSync(path.join(here, "build", "Eip3009Token.json"), "utf8"));
const account = privateKeyToAccount(KEYS.deployer);
const wallet = createWalletClient({ account, chain, transport: http(url) });
const pub = createPublicClient({ chain, transport: http(url) });

if ((await pub.getChainId()) !== CHAIN_ID) throw new Error("unexpected chain id");
const NAME = "pay402 Test Dollar";
const VERSION = "2";
const hash = await wallet.deployContract({ abi, bytecode, args: [NAME, VERSION, "P4TD"] });
const receipt = await pub.waitForTransactionReceipt({ hash, timeout: 30_000 });
if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`deploy failed: ${receipt.status}`);
const token = getAddress(receipt.contractAddress);
const read = (functionName, args = []) => pub.readContract({ address: token, abi, functionName, args });
const [name, version, minter] = await Promise.all([read("name"), read("version"), read("minter")]);
if (name !== NAME || version !== VERSION || minter !== account.address) throw new Error("deployed token reads back wrong");

// Multicall3 at its canonical address (public chains have it; the reference facilitator's diagnostics need it).
const MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11";
const multicall = JSON.parse(fs.readFileSync(path.join(here, "build", "Multicall3Lite.json"), "utf8"));
await pub.request({ method: "hardhat_setCode", params: [MULTICALL3, multicall.deployedBytecode] });
if ((await pub.getCode({ address: MULTICALL3 })) !== multicall.deployedBytecode) throw new Error("Multicall3 not installed");

// Permit2 (its SignatureTransfer part) and the x402 `exact` / `upto` Permit2 proxies at their canonical addresses
// (public chains have them); the proxies reach Permit2 at its canonical address, a constant in their code.
const PERMIT2 = {
  Permit2Lite: "0x000000000022D473030F116dDEE9F6B43aC78BA3",
  X402ExactPermit2ProxyLite: "0x402085c248EeA27D92E8b30b2C58ed07f9E20001",
  X402UptoPermit2ProxyLite: "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002",
};
for (const [contract, address] of Object.entries(PERMIT2)) {
  const { deployedBytecode } = JSON.parse(fs.readFileSync(path.join(here, "build", `${contract}.json`), "utf8"));
  await pub.request({ method: "hardhat_setCode", params: [address, deployedBytecode] });
  if ((await pub.getCode({ address })) !== deployedBytecode) throw new Error(`${contract} not installed at ${address}`);
}

const deployment = { rpc: url, chainId: CHAIN_ID, network: NETWORK, token, name, version, decimals: 6, compiler,
  deployer: account.address, deployTx: hash, facilitator: privateKeyToAccount(KEYS.facilitator).address, multicall3: MULTICALL3,
  permit2: PERMIT2.Permit2Lite, exactPermit2Proxy: PERMIT2.X402ExactPermit2ProxyLite, uptoPermit2Proxy: PERMIT2.X402UptoPermit2ProxyLite };
fs.writeFileSync(path.join(here, "build", "deployment.json"), JSON.stringify(deployment, null, 1));
console.log(`deployed Eip3009Token "${name}" v${version} at ${token} (tx ${hash})`);
