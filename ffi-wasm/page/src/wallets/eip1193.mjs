// Injected EVM wallets: EIP-6963 discovery (https://eips.ethereum.org/EIPS/eip-6963) with the
// legacy `window.ethereum` as fallback, and the few EIP-1193 requests a payment needs
// (https://eips.ethereum.org/EIPS/eip-1193, EIP-3326 `wallet_switchEthereumChain`, EIP-3085
// `wallet_addEthereumChain`, `eth_signTypedData_v4`).

// EIP-1193 §Provider Errors, plus 4902 (EIP-3326: chain not added) and -32002 (a request of the
// same kind is already pending, JSON-RPC server error range used by MetaMask).
const CODES = new Map([
  [4001, "wallet_rejected"],
  [4100, "wallet_unauthorized"],
  [4200, "wallet_unsupported_method"],
  [4900, "wallet_disconnected"],
  [4901, "wallet_chain_disconnected"],
  [4902, "wallet_chain_unknown"],
  [-32002, "wallet_busy"],
]);

/**
 * Maps a provider's error to `{code, walletCode, message}`: the EIP-1193 code, looked for on the
 * error and on the `data.originalError` / `cause` some wallets wrap it in.
 */
export function mapProviderError(err) {
  for (const e of [err, err?.data?.originalError, err?.cause]) {
    const n = typeof e?.code === "number" ? e.code : NaN;
    if (CODES.has(n)) return { code: CODES.get(n), walletCode: n, message: String(e.message ?? "") };
  }
  const n = typeof err?.code === "number" ? err.code : null;
  return { code: "wallet_error", walletCode: n, message: String(err?.message ?? err ?? "") };
}

/** A thrown wallet error: `code` is the page's, `walletCode` the provider's. */
export class WalletError extends Error {
  constructor({ code, walletCode, message }) {
    super(message || code);
    this.name = "WalletError";
    this.code = code;
    this.walletCode = walletCode ?? null;
  }
}

const icon = (s) => (typeof s === "string" && /^data:image\/(svg\+xml|png|webp|jpeg|gif)[;,]/.test(s) ? s : null);

/**
 * Discovers EVM wallets: listens for `eip6963:announceProvider`, then dispatches
 * `eip6963:requestProvider`. `onChange(list)` gets `[{id, kind: "evm", name, icon, rdns, provider}]`
 * on every announcement (distinct by uuid); when no wallet announced itself, `window.ethereum` is
 * listed as "Browser wallet". Returns `stop()`.
 */
export function watchEvmWallets(win, onChange) {
  const announced = new Map();
  const list = () => {
    const wallets = [...announced.values()];
    if (wallets.length === 0 && win.ethereum && typeof win.ethereum.request === "function") {
      wallets.push({ id: "injected", kind: "evm", name: "Browser wallet", icon: null, rdns: null, provider: win.ethereum });
    }
    return wallets;
  };
  const onAnnounce = (event) => {
    const d = event.detail;
    const info = d?.info;
    if (!info || typeof info.uuid !== "string" || typeof info.name !== "string" || typeof d.provider?.request !== "function") return;
    if (announced.has(info.uuid)) return;
    announced.set(info.uuid, {
      id: `eip6963:${info.uuid}`, kind: "evm", name: info.name, icon: icon(info.icon),
      rdns: typeof info.rdns === "string" ? info.rdns : null, provider: d.provider,
    });
    onChange(list());
  };
  win.addEventListener("eip6963:announceProvider", onAnnounce);
  win.dispatchEvent(new Event("eip6963:requestProvider"));
  onChange(list());
  return () => win.removeEventListener("eip6963:announceProvider", onAnnounce);
}

/** The requests a payment makes to one EIP-1193 provider; failures throw `WalletError`. */
export function evmWallet(provider) {
  const request = async (method, params) => {
    try {
      return await provider.request(params === undefined ? { method } : { method, params });
    } catch (err) {
      throw new WalletError(mapProviderError(err));
    }
  };
  return {
    /** `eth_requestAccounts` → the first account, and `eth_chainId`. */
    async connect() {
      const accounts = await request("eth_requestAccounts");
      if (!Array.isArray(accounts) || typeof accounts[0] !== "string") {
        throw new WalletError({ code: "wallet_unauthorized", message: "no account" });
      }
      return { account: accounts[0], chainId: normalizeChainId(await request("eth_chainId")) };
    },
    /**
     * `wallet_switchEthereumChain`; on 4902 `wallet_addEthereumChain` with `add` (EIP-3085
     * parameters) when given, which also switches.
     */
    async switchChain(chainIdHex, add) {
      try {
        await request("wallet_switchEthereumChain", [{ chainId: chainIdHex }]);
      } catch (err) {
        if (err.code !== "wallet_chain_unknown" || !add) throw err;
        await request("wallet_addEthereumChain", [{ ...add, chainId: chainIdHex }]);
      }
    },
    /** `eth_signTypedData_v4` of the core's typed data (JSON text) → the signature hex. */
    async signTypedData(account, typedDataJson) {
      const sig = await request("eth_signTypedData_v4", [account, typedDataJson]);
      if (typeof sig !== "string" || !/^0x[0-9a-fA-F]+$/.test(sig)) {
        throw new WalletError({ code: "wallet_error", message: "the wallet returned no signature" });
      }
      return sig;
    },
    /** `eth_call` through the wallet (when the page has no RPC URL of its own). */
    call(tx) {
      return request("eth_call", [tx, "latest"]);
    },
    /** Subscribes to `accountsChanged` / `chainChanged`; returns `stop()`. */
    watch({ accountsChanged, chainChanged }) {
      if (typeof provider.on !== "function") return () => {};
      const onAccounts = (a) => accountsChanged(Array.isArray(a) && typeof a[0] === "string" ? a[0] : null);
      const onChain = (c) => chainChanged(normalizeChainId(c));
      provider.on("accountsChanged", onAccounts);
      provider.on("chainChanged", onChain);
      return () => {
        provider.removeListener?.("accountsChanged", onAccounts);
        provider.removeListener?.("chainChanged", onChain);
      };
    },
  };
}

/** `0x`-prefixed lower-case hex without leading zeros, as EIP-695 `eth_chainId` answers. */
export function normalizeChainId(c) {
  if (typeof c === "number" && Number.isSafeInteger(c) && c >= 0) return `0x${c.toString(16)}`;
  if (typeof c === "string" && /^0x[0-9a-fA-F]+$/.test(c)) return `0x${BigInt(c).toString(16)}`;
  if (typeof c === "string" && /^[0-9]+$/.test(c)) return `0x${BigInt(c).toString(16)}`;
  return null;
}
