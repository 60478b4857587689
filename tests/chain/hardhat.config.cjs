// Only `hardhat node` is used (the in-process Hardhat Network served over JSON-RPC). Contracts are compiled by
// compile.mjs with npm solc, never by Hardhat (its compile task downloads compilers).
module.exports = {
  paths: { sources: "./contracts", artifacts: "./build/hardhat-artifacts", cache: "./build/hardhat-cache" },
  networks: {
    hardhat: {
      chainId: 31337,
      // default mnemonic "test test … junk": account #0 deploys/mints, #1 is the facilitator, #2 submits directly
      mining: { auto: true, interval: 0 },
      // a reverting transaction is mined with status 0 and eth_sendTransaction returns its hash, as on a real
      // chain; eth_call still reports the revert reason (how the tests read it)
      throwOnTransactionFailures: false,
      throwOnCallFailures: true,
    },
  },
};
