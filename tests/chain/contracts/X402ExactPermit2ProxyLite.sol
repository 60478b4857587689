// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.26;

import {Permit2Lite} from "./Permit2Lite.sol";

/// @title X402ExactPermit2ProxyLite — x402's `exact` Permit2 proxy, written for pay402's chain tests.
/// @notice The interface and on-chain checks of x402ExactPermit2Proxy (https://github.com/coinbase/x402, contracts/evm):
///         `settle(permit, owner, witness{to, validAfter}, signature)` (selector 0x13cd3b53) transfers exactly
///         `permit.permitted.amount` from `owner` to `witness.to` through Permit2's `permitWitnessTransferFrom`, this
///         contract being the permit's spender and the witness binding the destination. Checks, in order: amount 0 →
///         InvalidAmount(); owner 0 → InvalidOwner(); to 0 → InvalidDestination(); now < validAfter → PaymentTooEarly();
///         then Permit2 (deadline, nonce, signature, transfer). Permit2 is reached at its canonical address (a
///         constant), so the runtime code works when installed with hardhat_setCode at the proxy's canonical address
///         0x402085c248EeA27D92E8b30b2C58ed07f9E20001. Not here: `settleWithPermit` (EIP-2612; the test token has no
///         `permit`).
contract X402ExactPermit2ProxyLite {
    struct Witness {
        address to;
        uint256 validAfter;
    }

    address public constant PERMIT2 = 0x000000000022D473030F116dDEE9F6B43aC78BA3;
    bytes32 public constant WITNESS_TYPEHASH = keccak256("Witness(address to,uint256 validAfter)");
    string public constant WITNESS_TYPE_STRING =
        "Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,uint256 validAfter)";

    error InvalidAmount();
    error InvalidOwner();
    error InvalidDestination();
    error PaymentTooEarly();
    error ReentrantCall();

    event Settled();

    uint256 private _entered;

    function settle(
        Permit2Lite.PermitTransferFrom calldata permit,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) external {
        if (_entered != 0) revert ReentrantCall();
        _entered = 1;
        uint256 amount = permit.permitted.amount;
        if (amount == 0) revert InvalidAmount();
        if (owner == address(0)) revert InvalidOwner();
        if (witness.to == address(0)) revert InvalidDestination();
        if (block.timestamp < witness.validAfter) revert PaymentTooEarly();
        Permit2Lite(PERMIT2).permitWitnessTransferFrom(
            permit,
            Permit2Lite.SignatureTransferDetails({to: witness.to, requestedAmount: amount}),
            owner,
            keccak256(abi.encode(WITNESS_TYPEHASH, witness.to, witness.validAfter)),
            WITNESS_TYPE_STRING,
            signature
        );
        emit Settled();
        _entered = 0;
    }
}
