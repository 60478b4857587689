// The Solana side as a JVM or Android app and its facilitator would write it: the client
// builds and partially signs the `exact` transfer for a 402 offer, sends it as the payment
// header, and the facilitator verifies it offline against its fee-payer keys. Independent
// values: the associated token account from @solana-program/token (the core's doc example),
// the reference client's defaults (x402.md §11.1).
package org.pay402

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.security.MessageDigest
import java.util.Base64

class SolanaFlowTest {
    private fun seed(label: String): ByteArray = MessageDigest.getInstance("SHA-256").digest("pay402 kotlin $label".toByteArray())

    private val devnet = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
    private val usdcDevnet = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"
    private val splToken = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
    private val payerSeed = seed("payer")
    private val feePayer = svmPayerAddress(seed("fee payer"))
    private val otherFeePayer = svmPayerAddress(seed("second fee payer"))
    private val payTo = svmPayerAddress(seed("merchant"))
    private val blockhash = seed("blockhash")
    private val offer =
        """{"scheme":"exact","network":"$devnet","amount":"10000","asset":"$usdcDevnet","payTo":"$payTo","maxTimeoutSeconds":60,"extra":{"feePayer":"$feePayer"}}"""

    /** The client: the transfer for [offer], carried in a v2 PAYMENT-SIGNATURE header. */
    private fun pay(amount: String = "10000", memo: String? = "0123456789abcdef0123456789abcdef"): String {
        val wire = svmBuildTransfer(
            payerSeed = payerSeed,
            feePayer = feePayer,
            mint = usdcDevnet,
            payTo = payTo,
            tokenProgram = splToken,
            amount = amount,
            decimals = 6u,
            recentBlockhash = blockhash,
            memo = memo,
        )
        val transaction = Base64.getEncoder().encodeToString(wire)
        return jsonToHeader(
            """{"x402Version":2,"resource":{"url":"https://api.example.com/premium","description":"","mimeType":"application/json"},"accepted":$offer,"payload":{"transaction":"$transaction"}}""",
        )
    }

    @Test
    fun `a built transfer verifies against the facilitator's fee payers`() {
        val header = pay()
        val verified = verifyPayment(offer, header, 0uL, VerifyOptions(feePayers = listOf(otherFeePayer, feePayer)))
        val svm = assertInstanceOf(VerifiedPayment.Svm::class.java, verified).payment
        assertEquals(svmPayerAddress(payerSeed), svm.payer)
        assertEquals(svm.payer, verified.payer)
        assertEquals("10000", verified.amount)
        assertEquals(feePayer, svm.feePayer)
        assertEquals(usdcDevnet, svm.mint)
        assertTrue(blockhash.contentEquals(svm.recentBlockhash))
        assertEquals(
            listOf(
                SvmHostCheck.RECENT_BLOCKHASH, SvmHostCheck.TOKEN_ACCOUNTS, SvmHostCheck.MINT,
                SvmHostCheck.SIMULATION, SvmHostCheck.DUPLICATE_SETTLEMENT,
            ),
            svm.stillToCheck,
        )
        // Without a list the facilitator manages exactly extra.feePayer; no memo is fine too.
        assertInstanceOf(VerifiedPayment.Svm::class.java, verifyPayment(offer, pay(memo = null), 0uL, VerifyOptions()))
    }

    @Test
    fun `the transfer lands in payTo's associated token account`() {
        val wire = Base64.getDecoder().decode(
            x402DecodeHeader(X402Kind.PAYMENT_PAYLOAD, pay()).json.substringAfter(""""transaction":"""").substringBefore('"'),
        )
        val ata = base58(svmAssociatedTokenAddress(owner = payTo, mint = usdcDevnet))!!
        assertTrue(wire.toHex().contains(ata.toHex()), "the destination account is among the keys")
        // @solana-program/token's findAssociatedTokenPda for the all-zero owner and mainnet USDC.
        assertEquals(
            "HJt8Tjdsc9ms9i4WCZEzhzr4oyf3ANcdzXrNdLPFqm3M",
            svmAssociatedTokenAddress("11111111111111111111111111111111", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", splToken),
        )
    }

    @Test
    fun `refusals carry the facilitator's code`() {
        val notOurs = assertThrows<Pay402Exception.X402> { verifyPayment(offer, pay(), 0uL, VerifyOptions(feePayers = listOf(otherFeePayer))) }
        assertEquals("invalid_exact_svm_fee_payer_not_managed_by_facilitator", notOurs.code)

        val short = assertThrows<Pay402Exception.X402> { verifyPayment(offer, pay(amount = "9999"), 0uL, VerifyOptions()) }
        assertEquals("invalid_exact_svm_payload_amount_mismatch", short.code)

        val pricey = assertThrows<Pay402Exception.X402> { verifyPayment(offer, pay(), 0uL, VerifyOptions(maxComputeUnitLimit = 10_000u)) }
        assertEquals("invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction_too_high", pricey.code)

        val self = assertThrows<Pay402Exception.Svm> {
            svmBuildTransfer(payerSeed, svmPayerAddress(payerSeed), usdcDevnet, payTo, splToken, "10000", 6u, blockhash)
        }
        assertEquals("payer_is_fee_payer", self.code)
        assertTrue(self.reason.isNotEmpty())

        val badKey = assertThrows<Pay402Exception.InvalidArgument> { verifyPayment(offer, pay(), 0uL, VerifyOptions(feePayers = listOf("0OIl"))) }
        assertEquals("pubkey_invalid_character", badKey.code)
        val badHash = assertThrows<Pay402Exception.InvalidArgument> {
            svmBuildTransfer(payerSeed, feePayer, usdcDevnet, payTo, splToken, "10000", 6u, ByteArray(31))
        }
        assertEquals("invalid_argument", badHash.code)
    }
}
