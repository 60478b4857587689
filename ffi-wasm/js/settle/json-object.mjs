// The argument check both settlements (`localSettlement`, `localSvmSettlement`) make of a payment or requirements.
import { SettlementError } from "./index.mjs"; // used at call time only: the import cycle is safe

/** `value` as JSON text or an object; anything else is `invalid_argument`. */
export function jsonOf(value, what) {
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      throw new SettlementError(`${what}: not JSON`, { code: "invalid_argument" });
    }
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new SettlementError(`${what}: expected a JSON object`, { code: "invalid_argument" });
  }
  return value;
}
