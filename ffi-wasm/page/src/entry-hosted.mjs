// The hosted entry (`paywall.js` next to `paywall_bg.wasm`): the wasm is fetched beside the script.
import init, * as core from "pay402-paywall-core";
import { start } from "./main.mjs";

start({ win: window, doc: document, loadCore: async () => { await init({ module_or_path: new URL("paywall_bg.wasm", import.meta.url) }); return core; } });
