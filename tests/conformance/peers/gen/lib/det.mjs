// Deterministic "randomness" for the peer vector generators.
//
// Every value is sha256(seed ‖ 0x00 ‖ u32be(case) ‖ 0x00 ‖ label ‖ 0x00 ‖ u32be(block)), so a
// generator run with the same seed writes byte-identical files. Nothing here is secret: the keys
// derived this way are test keys published in the vector files.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
export const HALF_N = SECP256K1_N >> 1n;
export const U256_MAX = (1n << 256n) - 1n;

export class Det {
  constructor(seed) {
    this.seed = Buffer.from(seed, "utf8");
  }

  /** `n` deterministic bytes for (case index, label). */
  bytes(i, label, n = 32) {
    const out = [];
    let have = 0;
    for (let block = 0; have < n; block++) {
      const h = createHash("sha256");
      const ib = Buffer.alloc(4);
      ib.writeUInt32BE(i >>> 0);
      const bb = Buffer.alloc(4);
      bb.writeUInt32BE(block);
      h.update(this.seed).update(Buffer.from([0])).update(ib).update(Buffer.from([0]));
      h.update(Buffer.from(label, "utf8")).update(Buffer.from([0])).update(bb);
      const d = h.digest();
      out.push(d);
      have += d.length;
    }
    return Buffer.concat(out).subarray(0, n);
  }

  hex(i, label, n = 32) {
    return "0x" + this.bytes(i, label, n).toString("hex");
  }

  big(i, label, bits = 256) {
    const nbytes = Math.ceil(bits / 8);
    const v = BigInt("0x" + this.bytes(i, label, nbytes).toString("hex"));
    return v & ((1n << BigInt(bits)) - 1n);
  }

  /** Integer in [0, n) (tiny modulo bias is irrelevant for test data). */
  below(i, label, n) {
    return Number(this.big(i, label, 64) % BigInt(n));
  }

  pick(i, label, arr) {
    return arr[this.below(i, label, arr.length)];
  }

  /** A secp256k1 private key in [1, n-1], as 64 lowercase hex chars (no 0x). */
  privateKey(i, label) {
    const k = (this.big(i, label, 256) % (SECP256K1_N - 1n)) + 1n;
    return k.toString(16).padStart(64, "0");
  }

  /** U256 with a random bit length, so small and large values both occur. */
  u256(i, label) {
    const bits = this.below(i, label + "/bits", 257);
    if (bits === 0) return 0n;
    return this.big(i, label, 256) & ((1n << BigInt(bits)) - 1n);
  }
}

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../..");

/** Output directory: argv[2] if given, else tests/conformance/vectors. */
export function outDir() {
  return process.argv[2] ? resolve(process.argv[2]) : join(repoRoot, "tests/conformance/vectors");
}

export function peerVersion(pkg) {
  const p = join(repoRoot, "tests/conformance/peers/node_modules", pkg, "package.json");
  return JSON.parse(readFileSync(p, "utf8")).version;
}

/** Writes a vector file; asserts unique names and one of ok/error per case. */
export function writeVectors(file, suite, source, cases) {
  const names = new Set();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`duplicate case name in ${file}: ${c.name}`);
    names.add(c.name);
    const keys = Object.keys(c.expect);
    if (keys.length !== 1 || !["ok", "error"].includes(keys[0])) throw new Error(`bad expect in ${c.name}`);
  }
  const dir = outDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify({ suite, source, cases }, null, 2) + "\n");
  console.log(`wrote ${path} (${cases.length} cases)`);
}

export const lc = (s) => s.toLowerCase();
