// Compiles contracts/*.sol with the npm `solc` package (the self-contained solc-js; Hardhat's own compile task
// downloads compilers and fails offline, tests/TOOLCHAIN.md) into build/<Contract>.json {abi, bytecode, deployedBytecode}.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";

const here = path.dirname(fileURLToPath(import.meta.url));
const files = ["Eip3009Token.sol", "Multicall3Lite.sol", "Permit2Lite.sol", "X402ExactPermit2ProxyLite.sol", "X402UptoPermit2ProxyLite.sol"];
const input = {
  language: "Solidity",
  sources: Object.fromEntries(files.map((f) => [f, { content: fs.readFileSync(path.join(here, "contracts", f), "utf8") }])),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
for (const e of out.errors ?? []) console.error(e.formattedMessage);
if ((out.errors ?? []).some((e) => e.severity === "error")) process.exit(1);
fs.mkdirSync(path.join(here, "build"), { recursive: true });
const compiler = `solc-js ${solc.version()}`;
for (const f of files) {
  for (const [name, c] of Object.entries(out.contracts[f])) {
    fs.writeFileSync(path.join(here, "build", `${name}.json`), JSON.stringify({ compiler, abi: c.abi,
      bytecode: "0x" + c.evm.bytecode.object, deployedBytecode: "0x" + c.evm.deployedBytecode.object }, null, 1));
    console.log(`compiled ${name} with ${compiler} (${c.evm.deployedBytecode.object.length / 2} bytes runtime)`);
  }
}
