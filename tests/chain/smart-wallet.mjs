// Compiles contracts/SmartWallet.sol with the npm `solc` package and deploys, with Hardhat account #0: the EIP-3009
// token with the `bytes` overload (SignatureCheckerToken), the wallet factory, one OwnerWallet through it (salt 1),
// and computes the address of a second, undeployed one (salt 2). Both wallets are owned by Hardhat account #2 and
// hold 1000 tokens. Multicall3 must answer at its canonical address (deploy.mjs installs it). Writes
// build/smart-wallet.json for core/host/tests/chain_smart_wallet.rs.
//   PAY402_CHAIN_RPC=http://127.0.0.1:PORT node smart-wallet.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";
import { createPublicClient, createWalletClient, getAddress, http, pad } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CHAIN_ID, KEYS, localChain, rpcUrl } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const file = "SmartWallet.sol";
const input = {
  language: "Solidity",
  sources: { [file]: { content: fs.readFileSync(path.join(here, "contracts", file), "utf8") } },
  settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
for (const e of out.errors ?? []) console.error(e.formattedMessage);
if ((out.errors ?? []).some((e) => e.severity === "error")) process.exit(1);
const art = (name) => ({ abi: out.contracts[file][name].abi, bytecode: "0x" + out.contracts[file][name].evm.bytecode.object });

const url = rpcUrl();
const chain = localChain(url);
const account = privateKeyToAccount(KEYS.deployer);
const wallet = createWalletClient({ account, chain, transport: http(url) });
const pub = createPublicClient({ chain, transport: http(url) });
if ((await pub.getChainId()) !== CHAIN_ID) throw new Error("unexpected chain id");
const MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11";
if ((await pub.getCode({ address: MULTICALL3 })) === undefined) throw new Error("no Multicall3 at its address (run deploy.mjs)");

async function deploy(name, args) {
  const { abi, bytecode } = art(name);
  const hash = await wallet.deployContract({ abi, bytecode, args });
  const r = await pub.waitForTransactionReceipt({ hash, timeout: 30_000 });
  if (r.status !== "success" || !r.contractAddress) throw new Error(`deploy ${name}: ${r.status}`);
  return getAddress(r.contractAddress);
}
async function send(address, name, functionName, args) {
  const hash = await wallet.writeContract({ address, abi: art(name).abi, functionName, args });
  const r = await pub.waitForTransactionReceipt({ hash, timeout: 30_000 });
  if (r.status !== "success") throw new Error(`${name}.${functionName}: ${r.status}`);
}
const read = (address, name, functionName, args) => pub.readContract({ address, abi: art(name).abi, functionName, args });

const OWNER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"; // Hardhat #2, a public test key
const owner = privateKeyToAccount(OWNER_KEY).address;
const NAME = "pay402 Wallet Dollar";
const VERSION = "2";
const token = await deploy("SignatureCheckerToken", [NAME, VERSION]);
const factory = await deploy("OwnerWalletFactory", []);
const salt1 = pad("0x01", { size: 32 });
const salt2 = pad("0x02", { size: 32 });
const deployed = getAddress(await read(factory, "OwnerWalletFactory", "predict", [owner, salt1]));
await send(factory, "OwnerWalletFactory", "deploy", [owner, salt1]);
if ((await pub.getCode({ address: deployed })) === undefined) throw new Error("wallet not deployed");
const counterfactual = getAddress(await read(factory, "OwnerWalletFactory", "predict", [owner, salt2]));
if ((await pub.getCode({ address: counterfactual })) !== undefined) throw new Error("counterfactual wallet has code");
for (const a of [deployed, counterfactual]) await send(token, "SignatureCheckerToken", "mint", [a, 1_000_000_000n]);

const result = { rpc: url, chainId: CHAIN_ID, token, name: NAME, version: VERSION, factory, ownerKey: OWNER_KEY, owner,
  wallet: deployed, counterfactual, counterfactualSalt: salt2, multicall3: MULTICALL3 };
fs.writeFileSync(path.join(here, "build", "smart-wallet.json"), JSON.stringify(result, null, 1));
console.log(`SignatureCheckerToken ${token}, factory ${factory}, wallet ${deployed}, counterfactual ${counterfactual}`);
