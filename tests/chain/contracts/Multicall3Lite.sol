// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.26;

/// @title Multicall3Lite — the part of Multicall3's interface the reference facilitator uses.
/// @notice @x402/evm reads its diagnostics (balanceOf, name, version, authorizationState) in one
///         `tryAggregate` call to Multicall3 at 0xcA11bde05977b3631167028862bE2a173976CA11, which every public
///         chain has and a fresh local node does not. run.sh installs this runtime code at that address
///         (hardhat_setCode) so that the facilitator's error mapping works as it does on a public chain.
contract Multicall3Lite {
    struct Call {
        address target;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    function tryAggregate(bool requireSuccess, Call[] calldata calls) external payable returns (Result[] memory results) {
        results = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            (bool ok, bytes memory ret) = calls[i].target.call(calls[i].callData);
            require(ok || !requireSuccess, "Multicall3: call failed");
            results[i] = Result(ok, ret);
        }
    }
}
