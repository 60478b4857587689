// Hand-written additions to the generated bindings (package org.pay402): the error's code and
// reason for any Pay402Exception subclass, so a `catch` need not enumerate the subclasses; the
// payer and amount of a VerifiedPayment on either chain family.
package org.pay402

/** The core's stable snake_case code (`invalid_exact_evm_signature`, `token_expired`, …). */
val Pay402Exception.code: String
    get() = when (this) {
        is Pay402Exception.InvalidArgument -> code
        is Pay402Exception.X402 -> code
        is Pay402Exception.Client -> code
        is Pay402Exception.Budget -> code
        is Pay402Exception.Evm -> code
        is Pay402Exception.Svm -> code
        is Pay402Exception.Macaroon -> code
        is Pay402Exception.L402 -> code
        is Pay402Exception.Bolt11 -> code
        is Pay402Exception.Offers -> code
        is Pay402Exception.Ws402 -> code
        is Pay402Exception.Onchain -> code
    }

/** The core's readable message (its `Display` text). */
val Pay402Exception.reason: String
    get() = when (this) {
        is Pay402Exception.InvalidArgument -> reason
        is Pay402Exception.X402 -> reason
        is Pay402Exception.Client -> reason
        is Pay402Exception.Budget -> reason
        is Pay402Exception.Evm -> reason
        is Pay402Exception.Svm -> reason
        is Pay402Exception.Macaroon -> reason
        is Pay402Exception.L402 -> reason
        is Pay402Exception.Bolt11 -> reason
        is Pay402Exception.Offers -> reason
        is Pay402Exception.Ws402 -> reason
        is Pay402Exception.Onchain -> reason
    }

/** The payer: an EIP-55 address (EVM) or a base58 key (Solana). */
val VerifiedPayment.payer: String
    get() = when (this) {
        is VerifiedPayment.Evm -> payment.payer
        is VerifiedPayment.Svm -> payment.payer
    }

/** The amount to settle, atomic units (decimal). */
val VerifiedPayment.amount: String
    get() = when (this) {
        is VerifiedPayment.Evm -> payment.amount
        is VerifiedPayment.Svm -> payment.amount
    }

/** Lowercase hex without `0x`. */
fun ByteArray.toHex(): String = joinToString("") { "%02x".format(it.toInt() and 0xff) }

/** Hex (any case, with or without `0x`) into bytes. */
fun String.hexToBytes(): ByteArray {
    val digits = removePrefix("0x")
    require(digits.length % 2 == 0) { "odd number of hex digits" }
    return ByteArray(digits.length / 2) { digits.substring(2 * it, 2 * it + 2).toInt(16).toByte() }
}
