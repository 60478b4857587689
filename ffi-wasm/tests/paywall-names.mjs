// Proves the paywall page's module carries no secp256k1 (`k256`) or ed25519 (`ed25519_dalek`)
// code: reads the function names of a build that kept its `name` custom section
// (https://webassembly.github.io/spec/core/appendix/custom.html#name-section, subsection 1:
// function names) and fails on any such name. It also fails when the section is absent or
// names none of the module's own functions, so it cannot pass on a stripped module.
//   node ffi-wasm/tests/paywall-names.mjs <module with its name section>.wasm
import { readFileSync } from "node:fs";

// Crate paths in the (demangled) names: `k256::…`, `<k256::…`, `ed25519_dalek::…` — not
// `Keccak256` (sha3) nor `curve25519_dalek` (the page derives token accounts: decompression only).
const FORBIDDEN = [/(^|[^A-Za-z0-9_])k256::/, /(^|[^A-Za-z0-9_])ed25519_dalek::/];

/** The function names of the `name` section of `bytes`, or null without one. */
export function functionNames(bytes) {
  let p = 8; // magic + version
  const leb = () => {
    let v = 0, shift = 0, b;
    do {
      b = bytes[p++];
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return v;
  };
  const text = (n) => new TextDecoder().decode(bytes.subarray(p, (p += n)));
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    const end = p + size;
    if (id === 0) {
      const name = text(leb());
      if (name === "name") {
        const names = [];
        while (p < end) {
          const sub = bytes[p++];
          const subSize = leb();
          const subEnd = p + subSize;
          if (sub === 1) {
            for (let count = leb(); count > 0; count--) {
              leb(); // function index
              names.push(text(leb()));
            }
          }
          p = subEnd;
        }
        return names;
      }
    }
    p = end;
  }
  return null;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop())) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: node paywall-names.mjs <module>.wasm");
    process.exit(2);
  }
  const names = functionNames(readFileSync(file));
  if (!names) {
    console.error(`FAIL ${file}: no name section (build it with the names kept)`);
    process.exit(1);
  }
  // The section must be the real one: the module's own exports' code is named after its crates.
  if (!names.some((n) => n.includes("pay402"))) {
    console.error(`FAIL ${file}: the name section names no pay402 function (${names.length} names)`);
    process.exit(1);
  }
  const bad = names.filter((n) => FORBIDDEN.some((f) => f.test(n)));
  if (bad.length) {
    console.error(`FAIL ${file}: ${bad.length} function(s) of k256/ed25519_dalek:\n  ${bad.slice(0, 20).join("\n  ")}`);
    process.exit(1);
  }
  console.log(`paywall module: ${names.length} named functions, none of k256::, ed25519_dalek::`);
}
