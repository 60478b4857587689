// viem → evm-erc20-transfer.viem.json: ERC-20 `transfer(address to, uint256 amount)` calldata
// (`evm.erc20.transfer`), the call a settler sends to pay a refund back. Expected values are viem's
// encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [to, amount] }); inputs are
// deterministic addresses (any case) and amounts across the uint256 range (1, 2^53 ± 1, 2^256 − 1, …).
import { encodeFunctionData, erc20Abi, getAddress } from "viem";
import { Det, writeVectors, peerVersion, U256_MAX } from "./lib/det.mjs";

const det = new Det("pay402/peers/viem/evm-erc20-transfer/v1");
const cases = [];
function add(name, to, amount) {
  const data = encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [getAddress(to), amount] });
  cases.push({ name, op: "evm.erc20.transfer", input: { to, amount: amount.toString() },
    expect: { ok: { data: data.toLowerCase() } } });
}

const fixed = [
  ["1 unit", 1n],
  ["2^53 - 1 (the largest exact JavaScript number)", (1n << 53n) - 1n],
  ["2^53 + 1 (not a JavaScript number)", (1n << 53n) + 1n],
  ["1e18 + 1 (one ether-decimal token and a wei)", 10n ** 18n + 1n],
  ["2^128", 1n << 128n],
  ["2^256 - 1 (uint256 max)", U256_MAX],
];
fixed.forEach(([label, amount], k) => {
  const to = det.hex(k, "to", 20);
  add(`${label} to a lower-case address`, to, amount);
  add(`${label} to the EIP-55 address`, getAddress(to), amount);
});
for (let k = 0; k < 8; k++) {
  add(`#${k} random amount of ${1 + det.below(k, "bits", 256)} bits`, getAddress(det.hex(100 + k, "to", 20)),
    det.big(k, "amount", 1 + det.below(k, "bits", 256)) || 1n);
}

writeVectors("evm-erc20-transfer.viem.json", "evm-erc20-transfer-viem",
  `viem ${peerVersion("viem")}: encodeFunctionData(erc20Abi, "transfer", [to, amount]); inputs from gen/evm-erc20.mjs`,
  cases);
