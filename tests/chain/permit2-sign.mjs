// The reference x402 client (@x402/evm `ExactEvmScheme` with Permit2, `UptoEvmScheme`) signs one Permit2 payment:
//   node permit2-sign.mjs '<requirements JSON>' <private key hex> [<now: chain time, seconds>]
// prints the x402 v2 PaymentPayload JSON ({x402Version, accepted, payload}) on stdout. The Permit2 nonce and the
// deadline (now + maxTimeoutSeconds) are the reference's own choices; its clock is `Date.now()`, which this script
// sets to the chain's time when given (a Hardhat node runs ahead of the wall clock once it has mined many blocks in
// a second). Shared by the Python and JS Permit2 tests.
import { privateKeyToAccount } from "viem/accounts";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { UptoEvmScheme } from "@x402/evm/upto/client";

export async function referencePermit2Payment(requirements, privateKey) {
  const signer = privateKeyToAccount(privateKey);
  const scheme = requirements.scheme === "upto" ? new UptoEvmScheme(signer) : new ExactEvmScheme(signer);
  const result = await scheme.createPaymentPayload(2, requirements);
  if (!result.payload?.permit2Authorization) throw new Error(`not a Permit2 payload: ${JSON.stringify(result)}`);
  return { x402Version: 2, accepted: requirements, payload: result.payload };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [requirements, key, now] = process.argv.slice(2);
  if (now) {
    const offset = Number(now) * 1000 - Date.now();
    const wall = Date.now;
    Date.now = () => wall() + offset;
  }
  console.log(JSON.stringify(await referencePermit2Payment(JSON.parse(requirements), key)));
}
