# shellcheck shell=bash
# Idempotent installers shared by every test script (sourced, never run). Each script calls the
# `need_*` functions for what it uses before it uses it, so any step, or any script alone, works on
# a bare machine: nothing assumes that an earlier step installed a tool. Each function does nothing
# when the pinned version is already there.
#
#   . "$ROOT/tests/tools.sh"
#   need_wasm_bindgen && need_wasm_opt
#
# Where tools go: `cargo install` honours CARGO_INSTALL_ROOT (else CARGO_HOME, else ~/.cargo), and
# that bin directory is put on PATH here; npm and Python packages go into folders of the checkout
# (node_modules/, .venv/, target/); Debian packages come from apt-get (as root, or with sudo).

PAY402_ROOT=${PAY402_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PAY402_WASM_BINDGEN_VERSION=0.2.130 # = the wasm-bindgen pin of ffi-wasm/Cargo.toml
PAY402_CARGO_FUZZ_VERSION=0.13.2
# the declared MSRV: rust-version of the workspace Cargo.toml
PAY402_MSRV=$(sed -n 's/^rust-version = "\([0-9.]*\)".*/\1/p' "$PAY402_ROOT/Cargo.toml")

# The bin directory `cargo install` writes to, first on PATH; rustup's own bin directory after it
# when cargo is not reachable otherwise (a shell that never sourced ~/.cargo/env).
PAY402_CARGO_BIN="${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin"
case ":$PATH:" in *":$PAY402_CARGO_BIN:"*) ;; *) PATH="$PAY402_CARGO_BIN:$PATH" ;; esac
if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
  PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
fi
export PATH

# need_apt COMMAND PACKAGE...: installs the Debian packages when COMMAND is not on PATH.
PAY402_APT_UPDATED=
need_apt() {
  local cmd=$1
  shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || { echo "$cmd not found and no apt-get to install $*" >&2; return 1; }
  local sudo=
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "$cmd not found; install $* (needs root)" >&2; return 1; }
    sudo=sudo
  fi
  echo "apt-get install $* (for $cmd)"
  if [ -z "$PAY402_APT_UPDATED" ]; then
    $sudo apt-get update -qq >/dev/null || return 1
    PAY402_APT_UPDATED=1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || return 1
  command -v "$cmd" >/dev/null 2>&1 || { echo "$cmd still not found after installing $*" >&2; return 1; }
}

need_rustup() {
  command -v rustup >/dev/null 2>&1 || { echo "rustup is required (https://rustup.rs)" >&2; return 1; }
}

# need_toolchain NAME: a rustup toolchain (minimal profile) when it is missing.
need_toolchain() {
  need_rustup || return 1
  rustup run "$1" rustc --version >/dev/null 2>&1 && return 0
  rustup toolchain install "$1" --profile minimal >/dev/null || return 1
}

# need_rust_target TARGET [TOOLCHAIN]: the standard library for TARGET.
need_rust_target() {
  need_rustup || return 1
  local toolchain=${2:-}
  if [ -n "$toolchain" ]; then
    need_toolchain "$toolchain" || return 1
    rustup target list --installed --toolchain "$toolchain" | grep -qx "$1" && return 0
    rustup target add --toolchain "$toolchain" "$1" >/dev/null
  else
    rustup target list --installed | grep -qx "$1" && return 0
    rustup target add "$1" >/dev/null
  fi
}

need_rust_components() {
  need_rustup || return 1
  local have
  have=$(rustup component list --installed) || return 1
  if ! grep -q '^rustfmt' <<<"$have" || ! grep -q '^clippy' <<<"$have"; then
    rustup component add rustfmt clippy >/dev/null || return 1
  fi
}

# need_cargo_tool CRATE VERSION BINARY: `cargo install CRATE --version VERSION` unless BINARY
# --version already prints VERSION. No --locked: the registry mirror can lag the newest releases
# that the tools' lock files name (tests/TOOLCHAIN.md, trap 8).
need_cargo_tool() {
  local crate=$1 version=$2 bin=$3
  if "$bin" --version 2>/dev/null | grep -qF " $version"; then return 0; fi
  echo "cargo install $crate --version $version"
  cargo install -q "$crate" --version "$version" || return 1
  "$bin" --version 2>/dev/null | grep -qF " $version" || { echo "$bin $version not on PATH after cargo install" >&2; return 1; }
}

need_wasm_bindgen() {
  need_cargo_tool wasm-bindgen-cli "$PAY402_WASM_BINDGEN_VERSION" wasm-bindgen
}

need_cargo_fuzz() {
  need_cargo_tool cargo-fuzz "$PAY402_CARGO_FUZZ_VERSION" cargo-fuzz
}

need_node() {
  need_apt node nodejs npm && need_apt npm npm
}

# need_npm_ci DIR: `npm ci` in DIR unless node_modules already matches package(-lock).json.
need_npm_ci() {
  local dir=$1 want
  need_node || return 1
  want=$(cd "$dir" && sha256sum package.json package-lock.json | sha256sum | cut -c1-64) || return 1
  if [[ -f "$dir/node_modules/.pay402-lock" && "$(cat "$dir/node_modules/.pay402-lock")" == "$want" ]]; then
    return 0
  fi
  (cd "$dir" && timeout 900 npm ci --no-audit --no-fund --loglevel=error) || return 1
  echo "$want" >"$dir/node_modules/.pay402-lock"
}

# The npm package's build tooling: wasm-opt (npm binaryen, never Debian's), tsc, and the peers
# of its interop and speed tests, pinned by ffi-wasm/tests/package-lock.json.
need_wasm_opt() {
  need_npm_ci "$PAY402_ROOT/ffi-wasm/tests"
}

# Everything ffi-wasm/build.sh needs (the paywall page's bundler is pinned by ffi-wasm/page's lock).
need_npm_build() {
  need_rust_target wasm32-unknown-unknown && need_wasm_bindgen && need_wasm_opt &&
    need_npm_ci "$PAY402_ROOT/ffi-wasm/page"
}

# need_redis: redis-server (and redis-cli) from apt when missing.
need_redis() {
  need_apt redis-server redis-server && need_apt redis-cli redis-tools
}

# start_redis: a throwaway redis-server on a free 127.0.0.1 port, without persistence; sets
# PAY402_REDIS_PORT and PAY402_REDIS_PID. Pair it with `trap stop_redis EXIT` (or call stop_redis).
PAY402_REDIS_PORT=
PAY402_REDIS_PID=
start_redis() {
  need_redis || return 1
  [ -z "$PAY402_REDIS_PID" ] || return 0
  local port pid try wait
  for try in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
      --logfile '' >/dev/null 2>&1 &
    pid=$!
    for wait in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break # it exited: the port was taken
      # ours, not another server that holds the port
      if redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null | grep -q "^process_id:$pid"; then
        PAY402_REDIS_PORT=$port
        PAY402_REDIS_PID=$pid
        echo "redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on 127.0.0.1:$port (pid $pid)"
        return 0
      fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  echo "could not start redis-server on a free 127.0.0.1 port" >&2
  return 1
}

stop_redis() {
  [ -n "$PAY402_REDIS_PID" ] || return 0
  kill "$PAY402_REDIS_PID" 2>/dev/null
  wait "$PAY402_REDIS_PID" 2>/dev/null
  PAY402_REDIS_PID=
  PAY402_REDIS_PORT=
}
