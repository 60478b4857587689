// The served page's entry: the wasm comes inlined as base64 (one response, no second request).
import init, * as core from "pay402-paywall-core";
import { start } from "./main.mjs";

/* global PAY402_WASM_BASE64 */
const bytes = () => Uint8Array.from(atob(PAY402_WASM_BASE64), (c) => c.charCodeAt(0));
start({ win: window, doc: document, loadCore: async () => { await init({ module_or_path: bytes() }); return core; } });
