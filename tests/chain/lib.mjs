// Shared by deploy.mjs and facilitator.mjs: the local chain and Hardhat's well-known test keys.
import { defineChain } from "viem";

export const CHAIN_ID = 31337;
export const NETWORK = `eip155:${CHAIN_ID}`;
// Hardhat's default accounts (mnemonic "test test test test test test test test test test test junk").
// Public test keys: never use them anywhere but a local node.
export const KEYS = {
  deployer: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", // #0
  facilitator: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", // #1
};

export function rpcUrl() {
  const url = process.env.PAY402_CHAIN_RPC;
  if (!url) throw new Error("PAY402_CHAIN_RPC is not set (http://127.0.0.1:<port>)");
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "::1") throw new Error(`refusing non-loopback RPC ${url}`);
  return url;
}

export function localChain(url) {
  return defineChain({
    id: CHAIN_ID,
    name: "pay402 local (hardhat)",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
}
