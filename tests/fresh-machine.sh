#!/usr/bin/env bash
# Proves that the test command passes on a bare machine: clones the committed HEAD into a new
# temporary folder (no target/, node_modules/ or venvs) and runs tests/run.sh there with nothing
# that an earlier run installed visible:
#   - cargo: CARGO_HOME and CARGO_INSTALL_ROOT are empty folders of the temporary one, so no
#     `cargo install`ed tool (cargo-fuzz, wasm-bindgen, …) is found, not even by cargo's own
#     subcommand lookup in $CARGO_HOME/bin; crates are downloaded anew. PATH starts with a folder of
#     symlinks to rustup's proxies alone (cargo, cargo-fmt, cargo-clippy, clippy-driver, rustc,
#     rustdoc, rustfmt, rustup): the toolchains under RUSTUP_HOME stay, as on a machine with rustup;
#   - PATH: ~/.cargo/bin, ~/go/bin and every folder holding wasm-bindgen, cargo-fuzz or maturin
#     are left out;
#   - npm: npm_config_cache and npm_config_prefix are empty folders;
#   - Python: PIP_CACHE_DIR is an empty folder, PYTHONNOUSERSITE=1 hides user site-packages;
#   - Go: GOPATH, GOMODCACHE and GOCACHE are empty folders;
#   - Maven: MAVEN_OPTS sets -Dmaven.repo.local to an empty folder; XDG_CACHE_HOME too.
# What it cannot hide: Debian packages (node, chromium, redis, the JDK, …), rustup toolchains and
# CPython interpreters already on the machine; the scripts install the Debian ones when missing.
# A full run takes about as long as tests/run.sh plus the downloads and builds of the tools
# (30+ minutes on 2 cores). Exits with tests/run.sh's status.
#
#   tests/fresh-machine.sh                        # the whole test command
#   ONLY="install vectors" tests/fresh-machine.sh # a quick subset (step ids of tests/run.sh)
#   FRESH_KEEP=1 tests/fresh-machine.sh           # keep the temporary folder (kept anyway on failure)
#   FRESH_DIR=/var/tmp/x tests/fresh-machine.sh   # where to work (default: mktemp -d)
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HEAD=$(git -C "$SRC" rev-parse HEAD) || exit 1
if [ -n "$(git -C "$SRC" status --porcelain --untracked-files=no)" ]; then
  echo "note: uncommitted changes in $SRC are not tested (the clone is of HEAD $HEAD)"
fi

RUSTUP_BIN=$(dirname "$(command -v rustup)") || { echo "rustup is required (https://rustup.rs)"; exit 1; }
export RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}

WORK=${FRESH_DIR:-$(mktemp -d /tmp/pay402-fresh-XXXXXX)}
mkdir -p "$WORK"
[ -z "$(ls -A "$WORK")" ] || { echo "$WORK is not empty"; exit 1; }
echo "fresh machine in $WORK (HEAD $HEAD)"

# --- a clone of the committed state
git clone -q --no-local "$SRC" "$WORK/pay402" && git -C "$WORK/pay402" checkout -q --detach "$HEAD" || exit 1

# --- rustup's proxies only
mkdir -p "$WORK/bin"
for tool in cargo cargo-fmt cargo-clippy clippy-driver rustc rustdoc rustfmt rustup; do
  [ -e "$RUSTUP_BIN/$tool" ] && ln -s "$RUSTUP_BIN/$tool" "$WORK/bin/$tool"
done

# --- PATH without earlier installs
HIDDEN=(wasm-bindgen cargo-fuzz maturin)
NEW_PATH="$WORK/bin:$WORK/cargo-install/bin"
IFS=: read -r -a DIRS <<<"$PATH"
for dir in "${DIRS[@]}"; do
  [ -n "$dir" ] || continue
  case "$dir" in
    "$HOME/.cargo/bin" | "$HOME/go/bin" | "${CARGO_HOME:-$HOME/.cargo}/bin" | "$RUSTUP_BIN") continue ;;
  esac
  if [ -n "${CARGO_INSTALL_ROOT:-}" ] && [ "$dir" = "$CARGO_INSTALL_ROOT/bin" ]; then continue; fi
  skip=
  for tool in "${HIDDEN[@]}"; do
    if [ -x "$dir/$tool" ]; then skip=$tool; fi
  done
  if [ -n "$skip" ]; then
    echo "PATH: leaving out $dir (holds $skip)"
    continue
  fi
  NEW_PATH="$NEW_PATH:$dir"
done

mkdir -p "$WORK"/{cargo-home,cargo-install/bin,npm-cache,npm-prefix,pip-cache,go,go-build,m2,xdg-cache}
ENV=(
  "PATH=$NEW_PATH"
  "RUSTUP_HOME=$RUSTUP_HOME"
  "CARGO_HOME=$WORK/cargo-home"
  "CARGO_INSTALL_ROOT=$WORK/cargo-install"
  "npm_config_cache=$WORK/npm-cache"
  "npm_config_prefix=$WORK/npm-prefix"
  "PIP_CACHE_DIR=$WORK/pip-cache"
  "PYTHONNOUSERSITE=1"
  "GOPATH=$WORK/go"
  "GOMODCACHE=$WORK/go/pkg/mod"
  "GOCACHE=$WORK/go-build"
  "MAVEN_OPTS=${MAVEN_OPTS:+$MAVEN_OPTS }-Dmaven.repo.local=$WORK/m2"
  "XDG_CACHE_HOME=$WORK/xdg-cache"
)
printf '  %s\n' "${ENV[@]}"

# Nothing hidden may still be reachable.
for tool in "${HIDDEN[@]}"; do
  if found=$(env "${ENV[@]}" bash -c "command -v $tool"); then
    echo "FAIL: $tool is still reachable at $found"
    exit 1
  fi
done
env "${ENV[@]}" bash -c 'cargo --version && rustc --version' || { echo "FAIL: rustup's cargo/rustc not usable"; exit 1; }

# --- the test command, in the clone
echo "running tests/run.sh${ONLY:+ (ONLY=$ONLY)} in $WORK/pay402"
(
  cd "$WORK/pay402" || exit 1
  unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR VIRTUAL_ENV
  exec env "${ENV[@]}" bash tests/run.sh
)
rc=$?

echo
echo "================ fresh machine"
echo "cargo-installed during the run: $(ls "$WORK/cargo-install/bin" | tr '\n' ' ')"
if [ "$rc" -eq 0 ]; then
  echo "fresh machine: tests/run.sh passed (HEAD $HEAD)"
  if [ -z "${FRESH_KEEP:-}" ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
else
  echo "fresh machine: tests/run.sh FAILED (exit $rc, HEAD $HEAD); logs in $WORK/pay402/target/test-logs, kept $WORK"
fi
exit "$rc"
