#!/usr/bin/env bash
# Builds the uniffi library, regenerates the Kotlin and Swift bindings from that
# very .so with the generator crate, runs the Kotlin tests under Maven (every shared vector file
# plus the client flow), checks the Swift artifacts, and builds the mobile-size library and
# reports its size (also into target/reports/uniffi-size.md, which tests/bench/run.sh copies into
# tests/bench/REPORT.md). Exits non-zero when any part fails.
#
#   ffi-uniffi/run.sh                 # everything
#   SKIP_SIZE=1 ffi-uniffi/run.sh     # no release-smaller build (dev loop)
#
# Needs rustup; installs a JDK (>= 17), Maven and binutils with apt when missing, and Node with
# ffi-wasm/tests's pinned npm packages (the peer server) (tests/tools.sh). Maven downloads
# from Maven Central into ~/.m2 (cached between runs). Swift cannot be compiled on Linux:
# build and test it on macOS with ffi-uniffi/swift/build-xcframework.sh + `swift test`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
cd "$ROOT"
. "$ROOT/tests/tools.sh"

LIB_NAME=libpay402_uniffi.so
LIB_DIR="$ROOT/target/debug"          # unwind profile: a Rust panic becomes InternalException
GEN_DIR="$ROOT/target/uniffi"
KOTLIN_PACKAGE=org.pay402             # = ffi-uniffi/uniffi.toml
SWIFT_MODULE=Pay402
SWIFT_FFI_MODULE=Pay402FFI

section() { echo; echo "---- uniffi: $*"; }
fail() { echo "FAIL uniffi: $*" >&2; exit 1; }

# ------------------------------------------------------------------ prerequisites
need_apt java default-jdk-headless || fail "a JDK is required (apt-get install default-jdk-headless)"
need_apt javac default-jdk-headless || fail "a JDK is required (apt-get install default-jdk-headless)"
need_apt mvn maven || fail "Maven is required (apt-get install maven)"
need_apt nm binutils || fail "nm and strip are required (apt-get install binutils)"
need_apt strip binutils || fail "nm and strip are required (apt-get install binutils)"

# ------------------------------------------------------------------ build + generate
section "cargo build -p pay402-uniffi (dev, unwind) and the generator crate"
cargo build -q -p pay402-uniffi
cargo build -q -p uniffi-bindgen
BINDGEN="$ROOT/target/debug/uniffi-bindgen"
LIB="$LIB_DIR/$LIB_NAME"
[ -f "$LIB" ] || fail "$LIB was not built"

section "generating Kotlin and Swift from $LIB"
rm -rf "$GEN_DIR"
for lang in kotlin swift; do
  "$BINDGEN" generate "$LIB" --language "$lang" --no-format --out-dir "$GEN_DIR/$lang"
done

# ------------------------------------------------------------------ Swift artifacts
section "checking the generated Swift, header and modulemap"
check_swift() {
  local sw="$GEN_DIR/swift" kt
  kt="$GEN_DIR/kotlin/${KOTLIN_PACKAGE//.//}/pay402_uniffi.kt"
  local swift="$sw/$SWIFT_MODULE.swift" header="$sw/${SWIFT_FFI_MODULE}.h" modulemap="$sw/${SWIFT_FFI_MODULE}.modulemap"
  local f status=0
  for f in "$kt" "$swift" "$header" "$modulemap"; do
    [ -s "$f" ] || { echo "missing or empty: $f"; status=1; }
  done
  [ "$status" = 0 ] || return 1
  grep -q "^package $KOTLIN_PACKAGE\$" "$kt" || { echo "Kotlin package is not $KOTLIN_PACKAGE (uniffi.toml ignored?)"; status=1; }
  grep -q "^module $SWIFT_FFI_MODULE {" "$modulemap" || { echo "modulemap does not declare module $SWIFT_FFI_MODULE"; status=1; }
  grep -q "header \"${SWIFT_FFI_MODULE}.h\"" "$modulemap" || { echo "modulemap does not name ${SWIFT_FFI_MODULE}.h"; status=1; }
  grep -q "import $SWIFT_FFI_MODULE" "$swift" || { echo "$SWIFT_MODULE.swift does not import $SWIFT_FFI_MODULE"; status=1; }
  tr '\n' ' ' <"$swift" | grep -Eq 'public +enum Pay402Error: Swift.Error' || { echo "Swift has no public enum Pay402Error"; status=1; }
  grep -q "sealed class Pay402Exception" "$kt" || { echo "Kotlin has no Pay402Exception"; status=1; }

  # Every scaffolding function the library exports must be declared in the C header and
  # called from both the Kotlin and the Swift bindings (nothing generated from a stale .so).
  local symbols sym count=0
  symbols=$(nm -D --defined-only "$LIB" | awk '{print $3}' | grep '^uniffi_pay402_uniffi_fn_' | sort -u)
  [ -n "$symbols" ] || { echo "no uniffi_pay402_uniffi_fn_* symbols in $LIB"; return 1; }
  for sym in $symbols; do
    count=$((count + 1))
    grep -qw "$sym" "$header" || { echo "$sym: not in ${SWIFT_FFI_MODULE}.h"; status=1; }
    grep -qw "$sym" "$swift" || { echo "$sym: not in $SWIFT_MODULE.swift"; status=1; }
    grep -qw "$sym" "$kt" || { echo "$sym: not in the Kotlin bindings"; status=1; }
  done
  # And every top-level export under its camelCase name in both languages.
  local name camel funcs=0
  for sym in $(echo "$symbols" | grep '^uniffi_pay402_uniffi_fn_func_'); do
    name=${sym#uniffi_pay402_uniffi_fn_func_}
    camel=$(echo "$name" | awk -F_ '{printf "%s", $1; for (i = 2; i <= NF; i++) printf "%s", toupper(substr($i,1,1)) substr($i,2)}')
    funcs=$((funcs + 1))
    grep -q "public func $camel(" "$swift" || { echo "$camel: no public Swift func"; status=1; }
    grep -q "fun \`$camel\`(" "$kt" || { echo "$camel: no Kotlin fun"; status=1; }
  done
  # The checksum functions are what ties the bindings to this library: same set everywhere.
  local sums_lib sums_kt sums_swift
  sums_lib=$(nm -D --defined-only "$LIB" | awk '{print $3}' | grep -c '^uniffi_pay402_uniffi_checksum_')
  sums_kt=$(grep -o 'uniffi_pay402_uniffi_checksum_[a-z0-9_]*()' "$kt" | sort -u | wc -l)
  sums_swift=$(grep -o 'uniffi_pay402_uniffi_checksum_[a-z0-9_]*()' "$swift" | sort -u | wc -l)
  [ "$sums_lib" = "$sums_kt" ] && [ "$sums_lib" = "$sums_swift" ] ||
    { echo "checksums: library $sums_lib, Kotlin $sums_kt, Swift $sums_swift"; status=1; }
  echo "Swift: $SWIFT_MODULE.swift, ${SWIFT_FFI_MODULE}.h, ${SWIFT_FFI_MODULE}.modulemap; $count FFI functions ($funcs top-level exports, $sums_lib checksums) in the header, Kotlin and Swift"
  return "$status"
}
check_swift || fail "Swift artifacts"

# ------------------------------------------------------------------ peer server
# The reference @x402/express middleware selling exact EIP-3009, exact Permit2, upto and Solana
# exact on 127.0.0.1 (ffi-uniffi/kotlin/peer/peer-server.mjs, on ffi-wasm/tests's pinned peers), for
# PeerServerTest: the Kotlin client pays a server no one here wrote.
section "peer server: @x402/express on 127.0.0.1 (ffi-wasm/tests/package-lock.json)"
need_npm_ci "$ROOT/ffi-wasm/tests" || fail "npm ci in ffi-wasm/tests"
PEER_DIR=$(mktemp -d)
cp "$HERE/kotlin/peer/peer-server.mjs" "$PEER_DIR/"
ln -s "$ROOT/ffi-wasm/tests/node_modules" "$PEER_DIR/node_modules"
(cd "$PEER_DIR" && exec node peer-server.mjs >"$PEER_DIR/out" 2>"$PEER_DIR/err") &
PEER_PID=$!
trap 'kill "$PEER_PID" 2>/dev/null; rm -rf "$PEER_DIR"' EXIT
for _ in $(seq 60); do [ -s "$PEER_DIR/out" ] && break; sleep 0.5; done
PEER_URL=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$PEER_DIR/out") ||
  { cat "$PEER_DIR/err" >&2; fail "the peer server did not start"; }
PEER_FACILITATOR=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["facilitator"])' "$PEER_DIR/out")
echo "peer server: $PEER_URL (facilitator $PEER_FACILITATOR)"

# ------------------------------------------------------------------ Kotlin
section "mvn -B -q test (every vector file through Kotlin, client flow, paying client, binding surface)"
rm -rf "$HERE/kotlin/target/surefire-reports"
(cd "$HERE/kotlin" && mvn -B -q test -Drust.lib.dir="$LIB_DIR" \
  -Dpay402.peer.url="$PEER_URL" -Dpay402.peer.facilitator="$PEER_FACILITATOR") || fail "mvn test"
# The bindings Maven compiled were generated by its exec step from the same .so: compare.
cmp -s "$GEN_DIR/kotlin/${KOTLIN_PACKAGE//.//}/pay402_uniffi.kt" \
  "$HERE/kotlin/target/generated-sources/uniffi/${KOTLIN_PACKAGE//.//}/pay402_uniffi.kt" ||
  fail "the Kotlin bindings Maven compiled differ from those generated from $LIB"
python3 - "$HERE/kotlin/target/surefire-reports" "$HERE/kotlin/src/test/kotlin/org/pay402/VectorsTest.kt" <<'PY' || fail "surefire reports"
# Every test must pass, except the vector cases of the ops VectorsTest.NOT_EXPOSED names (core ops
# the Kotlin binding does not export yet): those are skipped by name, counted and listed here.
import glob, re, sys, xml.etree.ElementTree as ET
not_exposed = set(re.findall(r'^\s*"([a-z0-9_.]+)" to "', open(sys.argv[2]).read(), re.M))
total = bad = named = 0
skipped_ops = set()
for path in sorted(glob.glob(sys.argv[1] + "/TEST-*.xml")):
    s = ET.parse(path).getroot()
    t, f, e, k = (int(s.get(a, 0)) for a in ("tests", "failures", "errors", "skipped"))
    total += t; bad += f + e
    for case in s.iter("testcase"):
        skip = case.find("skipped")
        if skip is None:
            continue
        m = re.search(r"Assumption failed: ([a-z0-9_.]+): ", skip.text or "")
        if m and m.group(1) in not_exposed and s.get("name") == "org.pay402.VectorsTest":
            named += 1; skipped_ops.add(m.group(1))
        else:
            bad += 1
    print(f"{s.get('name')}: {t} tests, {f} failures, {e} errors, {k} skipped")
print(f"Kotlin: {total} tests, {bad} not passed, {named} vector cases skipped by name "
      f"(ops not exposed yet: {', '.join(sorted(skipped_ops)) or 'none'})")
sys.exit(1 if bad or total == 0 else 0)
PY

# ------------------------------------------------------------------ mobile size
if [ -n "${SKIP_SIZE:-}" ]; then
  echo "SKIP_SIZE set: no release-smaller build"
  exit 0
fi
section "mobile size profile (release-smaller: opt-level z, LTO, codegen-units 1, panic = abort)"
cargo build -q -p pay402-uniffi --profile release-smaller
SMALL="$ROOT/target/release-smaller/$LIB_NAME"
STRIPPED="$ROOT/target/release-smaller/${LIB_NAME%.so}.stripped.so"
strip --strip-unneeded -o "$STRIPPED" "$SMALL"
bytes=$(stat -c %s "$STRIPPED")
unstripped=$(stat -c %s "$SMALL")
gz=$(gzip -9 -c "$STRIPPED" | wc -c)
rustc_v=$(rustc --version | awk '{print $2}')
host=$(rustc -vV | awk '/^host:/ {print $2}')
echo "mobile library ($host, release-smaller, stripped): $bytes bytes ($((bytes / 1024)) KiB); gzip -9: $gz bytes; before strip: $unstripped bytes"

mkdir -p "$ROOT/target/reports"
REPORT="$ROOT/target/reports/uniffi-size.md"
python3 - "$REPORT" "$host" "$bytes" "$gz" "$unstripped" "$rustc_v" <<'PY'
import sys
path, host, size, gz, raw, rustc = sys.argv[1:]
begin, end = "<!-- uniffi-size:begin (ffi-uniffi/run.sh) -->", "<!-- uniffi-size:end -->"
section = f"""{begin}
## Mobile library size (uniffi)

`ffi-uniffi/run.sh` builds `pay402-uniffi` with the `release-smaller` profile (`opt-level = "z"`,
LTO, one codegen unit, `panic = "abort"`, as bdk-ffi and ldk-node ship for Android) and strips it
(`strip --strip-unneeded`, as the Android Gradle plugin does for `jniLibs`).

| library | bytes | KiB | gzip -9 |
|---|---|---|---|
| `libpay402_uniffi.so`, {host}, release-smaller, stripped | {size} | {int(size) / 1024:.0f} | {gz} |
| same, before strip | {raw} | {int(raw) / 1024:.0f} | |

rustc {rustc}. The reference machine has no Android NDK, so this is the host (`{host}`) build of
the same profile; an `aarch64-linux-android` build (NDK clang as linker) was not measured. The tested build stays on the
unwinding dev profile, where a Rust panic surfaces as Kotlin `InternalException`.
{end}
"""
open(path, "w", encoding="utf-8").write(section)
print(f"wrote the size section to {path}")
PY
echo "uniffi: all checks passed"
