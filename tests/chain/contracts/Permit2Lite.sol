// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.26;

/// @title Permit2Lite — the SignatureTransfer half of Uniswap's Permit2, written for pay402's chain tests.
/// @notice Behaviour as documented for Permit2 (https://docs.uniswap.org/contracts/permit2/reference/signature-transfer,
///         https://github.com/Uniswap/permit2): `permitTransferFrom` / `permitWitnessTransferFrom` move
///         `requestedAmount` of `permitted.token` from `owner` to `to` with the owner's ERC-20 allowance to this contract,
///         once the owner's EIP-712 signature over {permitted, spender = msg.sender, nonce, deadline[, witness]} is
///         valid (ECDSA for an account without code, 65-byte or 64-byte EIP-2098; EIP-1271 otherwise). Nonces are
///         unordered: bit `nonce & 0xff` of word `nonce >> 8` in `nonceBitmap[owner]`, flipped once. The EIP-712
///         domain is {name "Permit2", chainId, verifyingContract} (no version). run.sh installs the runtime code at
///         Permit2's canonical address 0x000000000022D473030F116dDEE9F6B43aC78BA3 (hardhat_setCode); no constructor
///         state, so the domain separator is computed on each call. Not here: AllowanceTransfer and the batch variants.
contract Permit2Lite {
    struct TokenPermissions {
        address token;
        uint256 amount;
    }

    struct PermitTransferFrom {
        TokenPermissions permitted;
        uint256 nonce;
        uint256 deadline;
    }

    struct SignatureTransferDetails {
        address to;
        uint256 requestedAmount;
    }

    error SignatureExpired(uint256 signatureDeadline);
    error InvalidAmount(uint256 maxAmount);
    error InvalidNonce();
    error InvalidSignatureLength();
    error InvalidSignature();
    error InvalidSigner();
    error InvalidContractSignature();

    event UnorderedNonceInvalidation(address indexed owner, uint256 word, uint256 mask);

    bytes32 public constant TOKEN_PERMISSIONS_TYPEHASH = keccak256("TokenPermissions(address token,uint256 amount)");
    bytes32 public constant PERMIT_TRANSFER_FROM_TYPEHASH = keccak256(
        "PermitTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline)TokenPermissions(address token,uint256 amount)"
    );
    /// The witness type hash is keccak256 of this stub followed by the caller's `witnessTypeString`.
    string public constant PERMIT_WITNESS_TRANSFER_FROM_TYPEHASH_STUB =
        "PermitWitnessTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline,";
    bytes32 private constant DOMAIN_TYPEHASH = keccak256("EIP712Domain(string name,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("Permit2");
    bytes4 private constant ERC1271_MAGIC = 0x1626ba7e; // isValidSignature(bytes32,bytes)

    /// owner => word position => bitmap of used (or invalidated) nonces
    mapping(address => mapping(uint256 => uint256)) public nonceBitmap;

    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, block.chainid, address(this)));
    }

    function permitTransferFrom(
        PermitTransferFrom calldata permit,
        SignatureTransferDetails calldata transferDetails,
        address owner,
        bytes calldata signature
    ) external {
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TRANSFER_FROM_TYPEHASH, _hashPermissions(permit.permitted), msg.sender, permit.nonce, permit.deadline)
        );
        _permitTransfer(permit, transferDetails, owner, structHash, signature);
    }

    function permitWitnessTransferFrom(
        PermitTransferFrom calldata permit,
        SignatureTransferDetails calldata transferDetails,
        address owner,
        bytes32 witness,
        string calldata witnessTypeString,
        bytes calldata signature
    ) external {
        bytes32 typeHash = keccak256(abi.encodePacked(PERMIT_WITNESS_TRANSFER_FROM_TYPEHASH_STUB, witnessTypeString));
        bytes32 structHash = keccak256(
            abi.encode(typeHash, _hashPermissions(permit.permitted), msg.sender, permit.nonce, permit.deadline, witness)
        );
        _permitTransfer(permit, transferDetails, owner, structHash, signature);
    }

    /// Marks the nonces of `mask` in word `wordPos` of the caller's bitmap as used.
    function invalidateUnorderedNonces(uint256 wordPos, uint256 mask) external {
        nonceBitmap[msg.sender][wordPos] |= mask;
        emit UnorderedNonceInvalidation(msg.sender, wordPos, mask);
    }

    function _hashPermissions(TokenPermissions calldata permitted) private pure returns (bytes32) {
        return keccak256(abi.encode(TOKEN_PERMISSIONS_TYPEHASH, permitted.token, permitted.amount));
    }

    // Order of the checks: deadline, amount, nonce (spent before the signature check; a revert undoes it), signature,
    // then the ERC-20 transfer.
    function _permitTransfer(
        PermitTransferFrom calldata permit,
        SignatureTransferDetails calldata transferDetails,
        address owner,
        bytes32 structHash,
        bytes calldata signature
    ) private {
        if (block.timestamp > permit.deadline) revert SignatureExpired(permit.deadline);
        if (transferDetails.requestedAmount > permit.permitted.amount) revert InvalidAmount(permit.permitted.amount);
        _useUnorderedNonce(owner, permit.nonce);
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", DOMAIN_SEPARATOR(), structHash));
        _verify(signature, digest, owner);
        _transferFrom(permit.permitted.token, owner, transferDetails.to, transferDetails.requestedAmount);
    }

    function _useUnorderedNonce(address owner, uint256 nonce) private {
        uint256 wordPos = nonce >> 8;
        uint256 bit = 1 << (nonce & 0xff);
        uint256 flipped = nonceBitmap[owner][wordPos] ^ bit;
        if (flipped & bit == 0) revert InvalidNonce();
        nonceBitmap[owner][wordPos] = flipped;
    }

    function _verify(bytes calldata signature, bytes32 digest, address claimedSigner) private view {
        if (claimedSigner.code.length == 0) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            if (signature.length == 65) {
                r = bytes32(signature[0:32]);
                s = bytes32(signature[32:64]);
                v = uint8(signature[64]);
            } else if (signature.length == 64) {
                // EIP-2098: the top bit of the second word is the y parity
                bytes32 vs = bytes32(signature[32:64]);
                r = bytes32(signature[0:32]);
                s = vs & bytes32(uint256(type(uint256).max >> 1));
                v = uint8(uint256(vs) >> 255) + 27;
            } else {
                revert InvalidSignatureLength();
            }
            address signer = ecrecover(digest, v, r, s);
            if (signer == address(0)) revert InvalidSignature();
            if (signer != claimedSigner) revert InvalidSigner();
        } else {
            (bool ok, bytes memory ret) =
                claimedSigner.staticcall(abi.encodeWithSelector(ERC1271_MAGIC, digest, signature));
            if (!ok) {
                assembly {
                    revert(add(ret, 32), mload(ret)) // the wallet's own revert, passed on
                }
            }
            if (ret.length < 32 || bytes4(abi.decode(ret, (bytes32))) != ERC1271_MAGIC) revert InvalidContractSignature();
        }
    }

    // ERC-20 transferFrom that accepts tokens returning nothing or `true`, and fails with "TRANSFER_FROM_FAILED"
    // otherwise (the token's own revert reason is not passed on).
    function _transferFrom(address token, address from, address to, uint256 amount) private {
        (bool ok, bytes memory ret) =
            token.call(abi.encodeWithSelector(0x23b872dd, from, to, amount)); // transferFrom(address,address,uint256)
        require(ok && (ret.length == 0 || (ret.length >= 32 && abi.decode(ret, (uint256)) == 1)), "TRANSFER_FROM_FAILED");
    }
}
