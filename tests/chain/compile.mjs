// Compiles contracts/Eip3009Token.sol with the npm `solc` package (the self-contained solc-js; Hardhat's own
// compile task downloads compilers and fails offline, toolchain.md §13) into build/Eip3009Token.json {abi, bytecode}.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";

const here = path.dirname(fileURLToPath(import.meta.url));
const file = "Eip3009Token.sol";
const input = {
  language: "Solidity",
  sources: { [file]: { content: fs.readFileSync(path.join(here, "contracts", file), "utf8") } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors ?? []).filter((e) => e.severity === "error");
for (const e of out.errors ?? []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);
const c = out.contracts[file].Eip3009Token;
fs.mkdirSync(path.join(here, "build"), { recursive: true });
fs.writeFileSync(path.join(here, "build", "Eip3009Token.json"),
  JSON.stringify({ compiler: `solc-js ${solc.version()}`, abi: c.abi, bytecode: "0x" + c.evm.bytecode.object }, null, 1));
console.log(`compiled ${file} with solc-js ${solc.version()} (${c.evm.bytecode.object.length / 2} bytes)`);
