// Solana wallets through the Wallet Standard's app side (as
// wallet-standard/wallet-standard:packages/core/app/src/wallets.ts): dispatch
// `wallet-standard:app-ready` carrying `{register}`, and answer every
// `wallet-standard:register-wallet` (whose detail is a callback) with the same `{register}`. Wallets
// are kept when they offer `standard:connect` and `solana:signTransaction` with version 0, and the
// offer's chain (`solana:mainnet|devnet|testnet`).
import { WalletError } from "./eip1193.mjs";

/**
 * Starts the registry. `onChange(wallets)` gets every registered wallet (the raw Wallet-Standard
 * objects). Returns `stop()`.
 */
export function watchStandardWallets(win, onChange) {
  const registered = [];
  const register = (...wallets) => {
    const fresh = wallets.filter((w) => w && typeof w === "object" && !registered.includes(w));
    registered.push(...fresh);
    if (fresh.length) onChange([...registered]);
    return () => {
      for (const w of fresh) {
        const i = registered.indexOf(w);
        if (i >= 0) registered.splice(i, 1);
      }
      onChange([...registered]);
    };
  };
  const api = Object.freeze({ register });
  const onRegister = (event) => {
    if (typeof event.detail === "function") {
      try {
        event.detail(api);
      } catch {
        // a faulty wallet must not stop the page
      }
    }
  };
  win.addEventListener("wallet-standard:register-wallet", onRegister);
  win.dispatchEvent(new CustomEvent("wallet-standard:app-ready", { detail: api }));
  return () => win.removeEventListener("wallet-standard:register-wallet", onRegister);
}

/** Whether a Wallet-Standard wallet can sign a v0 transaction on `chain`. */
export function canPay(wallet, chain) {
  const f = wallet?.features ?? {};
  const sign = f["solana:signTransaction"];
  return typeof f["standard:connect"]?.connect === "function"
    && typeof sign?.signTransaction === "function"
    && Array.isArray(sign.supportedTransactionVersions) && sign.supportedTransactionVersions.includes(0)
    && Array.isArray(wallet.chains) && wallet.chains.includes(chain);
}

/** The page's wallet entries for `chain`: `[{id, kind: "svm", name, icon, wallet}]`. */
export function svmEntries(wallets, chain) {
  return wallets.filter((w) => canPay(w, chain)).map((w, i) => ({
    id: `ws:${i}:${w.name}`, kind: "svm", name: String(w.name),
    icon: typeof w.icon === "string" && /^data:image\/(svg\+xml|png|webp|jpeg|gif)[;,]/.test(w.icon) ? w.icon : null, wallet: w,
  }));
}

function walletError(err) {
  const text = `${err?.name ?? ""} ${err?.message ?? ""}`;
  // Wallet Standard has no error codes; wallets name a refusal in the error's name or text.
  const code = /reject|denied|declin|cancel/i.test(text) || err?.code === 4001 ? "wallet_rejected" : "wallet_error";
  return new WalletError({ code, message: String(err?.message ?? err ?? "") });
}

/** The requests a payment makes to one Wallet-Standard wallet; failures throw `WalletError`. */
export function svmWallet(wallet, chain) {
  let account = null;
  return {
    /** `standard:connect` → the first account that supports `chain` (base58 address). */
    async connect() {
      let out;
      try {
        out = await wallet.features["standard:connect"].connect();
      } catch (err) {
        throw walletError(err);
      }
      const accounts = out?.accounts ?? wallet.accounts ?? [];
      account = accounts.find((a) => !Array.isArray(a.chains) || a.chains.includes(chain)) ?? null;
      if (!account || typeof account.address !== "string") throw new WalletError({ code: "wallet_unauthorized", message: "no account" });
      return { account: account.address, chainId: chain };
    },
    /** `solana:signTransaction` → the signed transaction's bytes. */
    async signTransaction(transaction) {
      let out;
      try {
        out = await wallet.features["solana:signTransaction"].signTransaction({ account, transaction, chain });
      } catch (err) {
        throw walletError(err);
      }
      const first = Array.isArray(out) ? out[0] : out;
      if (!(first?.signedTransaction instanceof Uint8Array)) {
        throw new WalletError({ code: "wallet_error", message: "the wallet returned no signed transaction" });
      }
      return first.signedTransaction;
    },
  };
}
