// The Solana side as a JVM or Android app and its facilitator would write it: the client
// builds and partially signs the `exact` transfer for a 402 offer, sends it as the payment
// header, and the facilitator verifies it offline against its fee-payer keys. Independent
// values: the associated token account from @solana-program/token (the core's doc example),
// the reference client's defaults (x402 `exact` SVM scheme).
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
    private val feePayer = svmPublicKey(seed("fee payer"))
    private val otherFeePayer = svmPublicKey(seed("second fee payer"))
    private val payTo = svmPublicKey(seed("merchant"))
    private val blockhash = seed("blockhash")
    private val offer =
        """{"scheme":"exact","network":"$devnet","amount":"10000","asset":"$usdcDevnet","payTo":"$payTo","maxTimeoutSeconds":60,"extra":{"feePayer":"$feePayer"}}"""

    private val resource = """{"url":"https://api.example.com/premium","description":"","mimeType":"application/json"}"""
    private val evmOffer =
        """{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"""

    /** The 402 offering an EVM entry, then [offer]. */
    private val paymentRequired = """{"x402Version":2,"resource":$resource,"accepts":[$evmOffer,$offer]}"""

    /** The client: the transfer for [offer], carried in a v2 PAYMENT-SIGNATURE header. */
    private fun pay(amount: String = "10000", memo: String? = "0123456789abcdef0123456789abcdef"): String =
        svmPaymentHeader(paymentRequired, 1u, transfer(amount, memo)).headerValue

    private fun transfer(amount: String = "10000", memo: String? = "0123456789abcdef0123456789abcdef"): ByteArray =
        svmBuildTransfer(
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

    @Test
    fun `the payment header wraps the built transfer in the v2 and v1 envelopes`() {
        val wire = transfer()
        val transaction = Base64.getEncoder().encodeToString(wire)
        val v2 = svmPaymentHeader(paymentRequired, 1u, wire)
        assertEquals("PAYMENT-SIGNATURE", v2.headerName)
        // x402 v2 `PAYMENT-SIGNATURE`: resource, the chosen entry as accepted, the scheme payload.
        assertEquals(
            """{"x402Version":2,"resource":$resource,"accepted":$offer,"payload":{"transaction":"$transaction"}}""",
            String(Base64.getDecoder().decode(v2.headerValue)),
        )
        assertInstanceOf(VerifiedPayment.Svm::class.java, x402Verify(offer, v2.headerValue, 0uL, VerifyOptions()))

        val offerV1 =
            """{"scheme":"exact","network":"solana-devnet","maxAmountRequired":"10000","resource":"https://api.example.com/premium","description":"","mimeType":"application/json","payTo":"$payTo","maxTimeoutSeconds":60,"asset":"$usdcDevnet","extra":{"feePayer":"$feePayer"}}"""
        val v1 = svmPaymentHeader("""{"x402Version":1,"accepts":[$offerV1]}""", 0u, wire)
        assertEquals("X-PAYMENT", v1.headerName)
        assertEquals(
            """{"x402Version":1,"scheme":"exact","network":"solana-devnet","payload":{"transaction":"$transaction"}}""",
            String(Base64.getDecoder().decode(v1.headerValue)),
        )
        val verified = x402Verify(offerV1, v1.headerValue, 0uL, VerifyOptions())
        assertEquals(svmPublicKey(payerSeed), verified.payer)
    }

    @Test
    fun `the payment header refuses what it cannot carry`() {
        val out = assertThrows<Pay402Exception.Client> { svmPaymentHeader(paymentRequired, 2u, transfer()) }
        assertEquals("accept_index_out_of_range", out.code)
        val evm = assertThrows<Pay402Exception.Client> { svmPaymentHeader(paymentRequired, 0u, transfer()) }
        assertEquals("unsupported_network", evm.code)
        val garbage = assertThrows<Pay402Exception.Client> { svmPaymentHeader(paymentRequired, 1u, ByteArray(3)) }
        assertEquals("transaction_truncated", garbage.code)
        assertTrue(garbage.reason.isNotEmpty())
        val notA402 = assertThrows<Pay402Exception.X402> { svmPaymentHeader("{}", 0u, transfer()) }
        assertTrue(notA402.code.isNotEmpty())
    }

    @Test
    fun `a built transfer verifies against the facilitator's fee payers`() {
        val header = pay()
        val verified = x402Verify(offer, header, 0uL, VerifyOptions(feePayers = listOf(otherFeePayer, feePayer)))
        val svm = assertInstanceOf(VerifiedPayment.Svm::class.java, verified).payment
        assertEquals(svmPublicKey(payerSeed), svm.payer)
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
        assertInstanceOf(VerifiedPayment.Svm::class.java, x402Verify(offer, pay(memo = null), 0uL, VerifyOptions()))
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
        val notOurs = assertThrows<Pay402Exception.X402> { x402Verify(offer, pay(), 0uL, VerifyOptions(feePayers = listOf(otherFeePayer))) }
        assertEquals("invalid_exact_svm_fee_payer_not_managed_by_facilitator", notOurs.code)

        val short = assertThrows<Pay402Exception.X402> { x402Verify(offer, pay(amount = "9999"), 0uL, VerifyOptions()) }
        assertEquals("invalid_exact_svm_payload_amount_mismatch", short.code)

        val pricey = assertThrows<Pay402Exception.X402> { x402Verify(offer, pay(), 0uL, VerifyOptions(maxComputeUnitLimit = 10_000u)) }
        assertEquals("invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction_too_high", pricey.code)

        val self = assertThrows<Pay402Exception.Svm> {
            svmBuildTransfer(payerSeed, svmPublicKey(payerSeed), usdcDevnet, payTo, splToken, "10000", 6u, blockhash)
        }
        assertEquals("payer_is_fee_payer", self.code)
        assertTrue(self.reason.isNotEmpty())

        val badKey = assertThrows<Pay402Exception.InvalidArgument> { x402Verify(offer, pay(), 0uL, VerifyOptions(feePayers = listOf("0OIl"))) }
        assertEquals("pubkey_invalid_character", badKey.code)
        val badHash = assertThrows<Pay402Exception.InvalidArgument> {
            svmBuildTransfer(payerSeed, feePayer, usdcDevnet, payTo, splToken, "10000", 6u, ByteArray(31))
        }
        assertEquals("invalid_argument", badHash.code)
    }
}
