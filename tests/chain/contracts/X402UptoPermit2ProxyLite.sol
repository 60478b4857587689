// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.26;

import {Permit2Lite} from "./Permit2Lite.sol";

/// @title X402UptoPermit2ProxyLite — x402's `upto` Permit2 proxy, written for pay402's chain tests.
/// @notice The interface and on-chain checks of x402UptoPermit2Proxy (https://github.com/coinbase/x402, contracts/evm):
///         `settle(permit, amount, owner, witness{to, facilitator, validAfter}, signature)` (selector 0xff11e7b4)
///         transfers `amount` (at most `permit.permitted.amount`) from `owner` to `witness.to` through Permit2's
///         `permitWitnessTransferFrom`; only `witness.facilitator` may send it. Checks, in order: amount > permitted →
///         AmountExceedsPermitted(); sender ≠ witness.facilitator → UnauthorizedFacilitator(); amount 0 →
///         InvalidAmount(); owner 0 → InvalidOwner(); to 0 → InvalidDestination(); now < validAfter →
///         PaymentTooEarly(); then Permit2. Installed with hardhat_setCode at the canonical address
///         0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002. Not here: `settleWithPermit` (EIP-2612; the test token has no
///         `permit`).
contract X402UptoPermit2ProxyLite {
    struct Witness {
        address to;
        address facilitator;
        uint256 validAfter;
    }

    address public constant PERMIT2 = 0x000000000022D473030F116dDEE9F6B43aC78BA3;
    bytes32 public constant WITNESS_TYPEHASH = keccak256("Witness(address to,address facilitator,uint256 validAfter)");
    string public constant WITNESS_TYPE_STRING =
        "Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,address facilitator,uint256 validAfter)";

    error AmountExceedsPermitted();
    error UnauthorizedFacilitator();
    error InvalidAmount();
    error InvalidOwner();
    error InvalidDestination();
    error PaymentTooEarly();
    error ReentrantCall();

    event Settled();

    uint256 private _entered;

    function settle(
        Permit2Lite.PermitTransferFrom calldata permit,
        uint256 amount,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) external {
        if (_entered != 0) revert ReentrantCall();
        _entered = 1;
        if (amount > permit.permitted.amount) revert AmountExceedsPermitted();
        if (msg.sender != witness.facilitator) revert UnauthorizedFacilitator();
        if (amount == 0) revert InvalidAmount();
        if (owner == address(0)) revert InvalidOwner();
        if (witness.to == address(0)) revert InvalidDestination();
        if (block.timestamp < witness.validAfter) revert PaymentTooEarly();
        Permit2Lite(PERMIT2).permitWitnessTransferFrom(
            permit,
            Permit2Lite.SignatureTransferDetails({to: witness.to, requestedAmount: amount}),
            owner,
            keccak256(abi.encode(WITNESS_TYPEHASH, witness.to, witness.facilitator, witness.validAfter)),
            WITNESS_TYPE_STRING,
            signature
        );
        emit Settled();
        _entered = 0;
    }
}
