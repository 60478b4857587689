#!/usr/bin/env bash
# Builds ONE abi3 wheel of the pay402 Python package and tests it on every CPython ≥ 3.9 found
# (pyenv versions and python3.X on PATH): pytest over ffi-python/tests (every shared vector, the API
# tests, the README examples) and `mypy.stubtest pay402._native`. Also proves that a source
# install (`pip install ./ffi-python`) works in a fresh venv, builds the portable manylinux2014
# wheel (zig; checked by auditwheel), and that each extra of ffi-python/pyproject.toml installs from
# that wheel alone, without a Rust toolchain, in a fresh venv and runs its README examples. Ends with a per-version summary; exits non-zero on any failure.
#
#   ffi-python/tests/run.sh                 # all versions found
#   PAY402_PY_VERSIONS="3.9 3.11" ffi-python/tests/run.sh
#   PAY402_SKIP_SOURCE_BUILD=1 ffi-python/tests/run.sh
#   PAY402_SKIP_EXTRAS=1 ffi-python/tests/run.sh         # without the fresh venv per extra
#   PAY402_EXTRAS="none fastapi" ffi-python/tests/run.sh # only these ("none": the bare wheel)
#   PAY402_WEB_VERSIONS="3.11" ffi-python/tests/run.sh   # where the web/Redis/peer tests run (default 3.9 3.11)
#
# The web, Redis and peer tests need ffi-python/tests/requirements-web.txt (installed into the venvs
# of PAY402_WEB_VERSIONS) and redis-server (installed with apt-get when missing and possible);
# on the other versions those tests skip with an explicit reason and the vector/API suite runs.
# The @x402/fetch half of test_server_peer_matrix.py runs node against the npm test project
# ffi-wasm/tests/node_modules (`npm ci` from its package-lock.json, done here when node is
# available, cached by the lock's hash); without it that half skips with its reason.
#
# Caches: the build venv (maturin) and per-version test venvs live under target/py-build/.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$ROOT/target/py-build"
WHEELS="$CACHE/wheels"
PIP_FLAGS=(--disable-pip-version-check --no-input -q)
mkdir -p "$CACHE"
cd "$ROOT"
. "$ROOT/tests/tools.sh"

log() { printf '\n== %s\n' "$*"; }

# --- interpreters ---------------------------------------------------------------------------
declare -A PYTHONS=()
find_pythons() {
    local v bin
    for bin in "$HOME"/.pyenv/versions/3.*/bin/python3; do
        [ -x "$bin" ] || continue
        v="$("$bin" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" || continue
        [ -n "${PYTHONS[$v]:-}" ] || PYTHONS[$v]="$bin"
    done
    for minor in 9 10 11 12 13 14; do
        bin="$(command -v "python3.$minor" 2>/dev/null)" || continue
        v="$("$bin" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" || continue
        [ -n "${PYTHONS[$v]:-}" ] || PYTHONS[$v]="$bin"
    done
}
find_pythons
VERSIONS=()
for v in $(printf '%s\n' "${!PYTHONS[@]}" | sort -t. -k1,1n -k2,2n); do
    minor="${v#3.}"
    [ "$minor" -ge 9 ] 2>/dev/null || continue   # abi3-py39: 3.8 and older cannot load the wheel
    if [ -n "${PAY402_PY_VERSIONS:-}" ] && [[ " $PAY402_PY_VERSIONS " != *" $v "* ]]; then
        continue
    fi
    VERSIONS+=("$v")
done
if [ "${#VERSIONS[@]}" -eq 0 ]; then
    echo "no CPython >= 3.9 found (pyenv or python3.X on PATH)" >&2
    exit 1
fi
for required in 3.9 3.11; do
    if [ -z "${PAY402_PY_VERSIONS:-}" ] && [[ " ${VERSIONS[*]} " != *" $required "* ]]; then
        echo "warning: CPython $required not found; the abi3 claim is tested on ${VERSIONS[*]} only" >&2
    fi
done
log "CPython versions: ${VERSIONS[*]}"

# --- the packaged paywall page ------------------------------------------------------------------
# pay402/server/paywall_page.html is committed: the npm build's pay402/paywall-page template
# (ffi-wasm/build.sh → target/npm/pay402/paywall/template.mjs, script and wasm inline). When that
# build is present, the committed copy must equal it (PAY402_UPDATE_PAGE=1 rewrites it first).
PAGE_FILE="$ROOT/ffi-python/python/pay402/server/paywall_page.html"
PAGE_TEMPLATE="$ROOT/target/npm/pay402/paywall/template.mjs"
PAGE_CHECK=""
PAGE_FAILED=0
if [ -f "$PAGE_TEMPLATE" ] && command -v node >/dev/null; then
    page_node() { node --input-type=module -e "import { template } from '$PAGE_TEMPLATE'; import { readFileSync, writeFileSync } from 'node:fs'; $1"; }
    [ -n "${PAY402_UPDATE_PAGE:-}" ] && page_node "writeFileSync('$PAGE_FILE', template);"
    if page_node "process.exit(readFileSync('$PAGE_FILE', 'utf8') === template ? 0 : 1);"; then
        PAGE_CHECK="paywall_page.html: equal to the npm build's template"
    else
        PAGE_CHECK="paywall_page.html: DIFFERS from $PAGE_TEMPLATE (PAY402_UPDATE_PAGE=1 ffi-python/tests/run.sh rewrites it)"
        PAGE_FAILED=1
    fi
else
    PAGE_CHECK="paywall_page.html: not checked (no npm build at $PAGE_TEMPLATE: ffi-wasm/build.sh)"
fi
log "$PAGE_CHECK"

# --- one wheel --------------------------------------------------------------------------------
BUILD_PY="${PYTHONS[3.11]:-${PYTHONS[${VERSIONS[-1]}]}}"
if [ ! -x "$CACHE/venv/bin/maturin" ]; then
    log "build venv ($BUILD_PY)"
    rm -rf "$CACHE/venv"
    "$BUILD_PY" -m venv "$CACHE/venv" && "$CACHE/venv/bin/pip" install "${PIP_FLAGS[@]}" "maturin>=1.9,<2" \
        || { echo "cannot create the build venv" >&2; exit 1; }
fi
log "maturin build --release (one abi3 wheel)"
rm -rf "$WHEELS"
# No --zig/manylinux2014 here: the wheel is for this machine's tests (tests/TOOLCHAIN.md, trap 11).
if ! "$CACHE/venv/bin/maturin" build --release -m ffi-python/Cargo.toml --out "$WHEELS"; then
    echo "maturin build failed" >&2
    exit 1
fi
WHEEL="$(ls "$WHEELS"/pay402-*-cp39-abi3-*.whl 2>/dev/null | head -n1)"
if [ -z "$WHEEL" ]; then
    echo "no cp39-abi3 wheel in $WHEELS" >&2
    exit 1
fi
log "wheel: $(basename "$WHEEL")"
# the paywall page ships in the wheel as a package file (importlib.resources reads it)
if ! unzip -l "$WHEEL" | grep -q ' pay402/server/paywall_page.html$'; then
    PAGE_CHECK="$PAGE_CHECK; MISSING from the wheel"
    PAGE_FAILED=1
fi

# --- redis-server for the replay-store tests -------------------------------------------------
need_apt redis-server redis-server || echo "warning: could not install redis-server; the Redis tests will skip" >&2
WEB_VERSIONS="${PAY402_WEB_VERSIONS:-3.9 3.11}"
# --- the npm peer (@x402/fetch) for the framework matrix --------------------------------------
need_npm_ci "$ROOT/ffi-wasm/tests" \
    || echo "warning: no npm test project in ffi-wasm/tests; the @x402/fetch peer tests will skip" >&2
WEB_REQS="$ROOT/ffi-python/tests/requirements-web.txt"

# --- per-version tests --------------------------------------------------------------------
declare -A RESULT=()
FAILED=0

run_suite() { # $1 label, $2 venv python
    local label="$1" py="$2" out pytest_line stub_ok=FAIL rc=0
    out="$(cd "$ROOT" && "$py" -m pytest ffi-python/tests -q -p no:cacheprovider 2>&1)" || rc=1
    pytest_line="$(printf '%s\n' "$out" | tail -n1)"
    if [ "$rc" -ne 0 ]; then
        printf '%s\n' "$out" | grep -E '^(FAILED|ERROR)|Error' | head -n 30
    fi
    if (cd /tmp && "$py" -m mypy.stubtest pay402._native >"$CACHE/stubtest-$label.log" 2>&1); then
        stub_ok=ok
    else
        rc=1
        tail -n 20 "$CACHE/stubtest-$label.log"
    fi
    local mypy_ok=FAIL
    if (cd /tmp && "$py" -m mypy --strict --ignore-missing-imports --allow-subclassing-any --no-warn-unused-ignores --follow-imports=silent -p pay402 >"$CACHE/mypy-$label.log" 2>&1); then
        mypy_ok=ok
    else
        rc=1
        tail -n 20 "$CACHE/mypy-$label.log"
    fi
    RESULT[$label]="pytest: $pytest_line | stubtest: $stub_ok | mypy: $mypy_ok"
    [ "$rc" -eq 0 ] || FAILED=1
}

for v in "${VERSIONS[@]}"; do
    venv="$CACHE/venvs/$v"
    log "CPython $v (${PYTHONS[$v]})"
    if [ ! -x "$venv/bin/python" ]; then
        "${PYTHONS[$v]}" -m venv "$venv" || { RESULT[$v]="venv creation failed"; FAILED=1; continue; }
    fi
    if ! "$venv/bin/pip" install "${PIP_FLAGS[@]}" pytest mypy; then
        RESULT[$v]="pip install pytest mypy failed"; FAILED=1; continue
    fi
    if [[ " $WEB_VERSIONS " == *" $v "* ]]; then
        if ! "$venv/bin/pip" install "${PIP_FLAGS[@]}" -r "$WEB_REQS"; then
            RESULT[$v]="pip install -r requirements-web.txt failed"; FAILED=1; continue
        fi
    fi
    if ! "$venv/bin/pip" install "${PIP_FLAGS[@]}" --force-reinstall --no-deps "$WHEEL"; then
        RESULT[$v]="wheel install failed"; FAILED=1; continue
    fi
    run_suite "$v" "$venv/bin/python"
done

# --- the portable wheel: manylinux2014 (glibc 2.17), built with zig -----------------------------
# The wheel above is tagged for this machine's glibc (tests/TOOLCHAIN.md, trap 11). What a user on
# an older Linux installs is the manylinux2014 wheel: maturin links it against glibc 2.17 through
# zig (PyPI `ziglang`), in its own target directory; `auditwheel show` (PyPA's checker, not maturin)
# must agree on the tag. The extras below install this wheel, so the fresh venvs prove it installs
# and runs without a Rust toolchain.
PORTABLE_WHEEL=""
if [ -z "${PAY402_SKIP_EXTRAS:-}" ]; then
    log "maturin build --release --zig --compatibility manylinux2014 (the portable wheel)"
    PORTABLE="$CACHE/wheels-portable"
    rm -rf "$PORTABLE"
    if "$CACHE/venv/bin/pip" install "${PIP_FLAGS[@]}" "ziglang==0.17.1" "auditwheel==6.8.2" \
        && env PATH="$CACHE/venv/bin:$PATH" CARGO_TARGET_DIR="$CACHE/zig-target" \
            "$CACHE/venv/bin/maturin" build --release --zig --compatibility manylinux2014 \
            -m ffi-python/Cargo.toml --out "$PORTABLE"; then
        PORTABLE_WHEEL="$(ls "$PORTABLE"/pay402-*-cp39-abi3-manylinux2014_x86_64*.whl 2>/dev/null | head -n1)"
    fi
    audit=""
    # auditwheel wraps its sentence; join the lines before matching it
    [ -n "$PORTABLE_WHEEL" ] && audit="$("$CACHE/venv/bin/auditwheel" show "$PORTABLE_WHEEL" 2>&1 | tr -s '\n ' '  ')"
    if [ -n "$PORTABLE_WHEEL" ] && grep -q 'consistent with the following platform tag: "manylinux_2_17_x86_64"' <<<"$audit"; then
        RESULT[portable wheel]="$(basename "$PORTABLE_WHEEL"): auditwheel agrees (manylinux_2_17_x86_64)"
    else
        printf '%s\n' "$audit" | tail -n 5
        RESULT[portable wheel]="FAILED: no manylinux2014 wheel, or auditwheel disagrees"
        FAILED=1
    fi
    VERSIONS+=("portable wheel")
fi

# --- each extra in a fresh venv, from the wheel alone -----------------------------------------
# For the bare wheel and every extra of pyproject.toml: a fresh venv, then
# `pip install --only-binary :all: "<portable wheel>[<extra>]"` with a PATH without cargo or rustc (binaries
# only: nothing is compiled, no Rust toolchain is involved; versions held to the pins of
# requirements-web.txt as constraints; pip's cache reused), then readme_blocks.py runs the README
# examples that this install can run (those of the extra included) and checks that every optional
# feature whose extra is missing fails with a message naming it.
if [ -z "${PAY402_SKIP_EXTRAS:-}" ]; then
    EXTRAS="${PAY402_EXTRAS:-none $(sed -n '/^\[project.optional-dependencies\]/,/^\[/p' ffi-python/pyproject.toml \
        | grep -oE '^[a-z0-9_-]+ *=' | tr -d ' =' | tr '\n' ' ')}"
    CONSTRAINTS="$CACHE/extras-constraints.txt"
    grep -vE '^[[:space:]]*(#|$)|\[' "$WEB_REQS" >"$CONSTRAINTS"   # constraints cannot name extras
    NO_RUST_PATH="$(dirname "$BUILD_PY"):/usr/local/bin:/usr/bin:/bin"
    extras_start=$SECONDS
    log "fresh venv per extra: $EXTRAS"
    for extra in $EXTRAS; do
        label="extra $extra"
        venv="$CACHE/extras/$extra"
        t0=$SECONDS
        rm -rf "$venv"
        spec="${PORTABLE_WHEEL:-$WHEEL}"
        [ "$extra" = none ] || spec="$spec[$extra]"
        out=""
        if "$BUILD_PY" -m venv "$venv" \
            && env PATH="$NO_RUST_PATH" "$venv/bin/pip" install "${PIP_FLAGS[@]}" --only-binary :all: -c "$CONSTRAINTS" "$spec" \
            && out="$(cd "$ROOT" && env -u FACILITATOR_URL -u REDIS_URL "$venv/bin/python" ffi-python/tests/readme_blocks.py "$extra" 2>&1)"; then
            RESULT[$label]="$out ($((SECONDS - t0)) s)"
        else
            printf '%s\n' "$out" | tail -n 20
            RESULT[$label]="FAILED ($((SECONDS - t0)) s): $(printf '%s' "${out:-venv creation or pip install failed}" | tail -n1)"
            FAILED=1
        fi
        VERSIONS+=("$label")
    done
    log "extras: $((SECONDS - extras_start)) s for $(wc -w <<<"$EXTRAS") fresh venvs"
fi

# --- source install in a fresh venv ---------------------------------------------------------
if [ -z "${PAY402_SKIP_SOURCE_BUILD:-}" ]; then
    label="source ($(basename "$(dirname "$(dirname "$BUILD_PY")")"))"
    log "pip install ./ffi-python in a fresh venv ($BUILD_PY)"
    venv="$CACHE/source-venv"
    rm -rf "$venv"
    if "$BUILD_PY" -m venv "$venv" \
        && "$venv/bin/pip" install "${PIP_FLAGS[@]}" pytest mypy \
        && "$venv/bin/pip" install "${PIP_FLAGS[@]}" ./ffi-python; then
        run_suite "$label" "$venv/bin/python"
        VERSIONS+=("$label")
    else
        RESULT[$label]="pip install ./ffi-python failed"
        VERSIONS+=("$label")
        FAILED=1
    fi
fi

# --- summary ----------------------------------------------------------------------------------
log "summary ($(basename "$WHEEL"))"
for v in "${VERSIONS[@]}"; do
    printf '  %-22s %s\n' "$v" "${RESULT[$v]:-not run}"
done
echo "  $PAGE_CHECK"
[ "$PAGE_FAILED" -eq 0 ] || FAILED=1
if [ "$FAILED" -ne 0 ]; then
    echo "python: FAILED"
    exit 1
fi
echo "python: all passed"
