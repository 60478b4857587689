// The paying side as an Android or JVM app would write it: a 402 arrives, the wallet picks an
// offer, signs, sends the header, reads the receipt; and an L402 challenge is checked and
// answered. Expected values come from the x402 v2 `PAYMENT-REQUIRED` example and BOLT11's
// examples, not from the code under test.
package org.pay402

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.math.BigInteger
import java.security.MessageDigest
import java.util.Base64

class ClientFlowTest {
    private val usdcBaseSepolia = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
    private val payTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
    private val offer =
        """{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"$usdcBaseSepolia","payTo":"$payTo","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"""
    private val body =
        """{"x402Version":2,"resource":{"url":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json"},"accepts":[$offer]}"""
    private val key = ByteArray(32) { 0x11 }
    private val now = 1_740_672_100uL
    private val nonce = ByteArray(32) { 0x42 }
    private val wallet = PayerPolicy(networks = listOf("eip155:84532"), assets = listOf(usdcBaseSepolia), maxAmount = "20000")

    @Test
    fun `402 header to select to sign to payment header, which the facilitator accepts`() {
        // The server's PAYMENT-REQUIRED header, as the HTTP client hands it over.
        val paymentRequired = x402EncodeHeader(body)

        val json = x402HeaderToJson(paymentRequired)
        val chosen = x402Select(json, wallet)
        assertEquals(PaymentSelection(index = 0u, method = AssetTransferMethod.EIP3009, chainId = 84532uL), chosen)

        val header = x402Sign(json, chosen.index, key, now, nonce)
        assertEquals("PAYMENT-SIGNATURE", header.headerName)
        assertEquals(65, header.signature.size)

        // What the payment carries, decoded back through the codec.
        val payload = x402DecodeHeader(X402Kind.PAYMENT_PAYLOAD, header.headerValue)
        assertEquals(2uL, payload.x402Version)
        assertTrue(payload.json.contains(""""accepted":$offer"""), payload.json)
        assertTrue(payload.json.contains(""""validAfter":"${now - 600uL}","validBefore":"${now + 60uL}""""), payload.json)

        // The verifying side accepts it and names the payer.
        val verified = x402Verify(offer, header.headerValue, now, VerifyOptions())
        assertEquals(privateKeyToAddress(key), verified.payer)
        assertEquals("10000", verified.amount)
        val evm = assertInstanceOf(VerifiedPayment.Evm::class.java, verified).payment
        assertEquals(PaymentKind.EXACT_EIP3009, evm.kind)
        assertArrayEquals(nonce, evm.nonce)
        // What a server records before settling: chain ‖ asset ‖ payer ‖ nonce, 80 bytes.
        assertEquals(80, evm.replayKey.size)
        assertArrayEquals(nonce, evm.replayKey.copyOfRange(48, 80))
        assertEquals(evm.chainId?.let { "eip155:$it" }, evm.network)
    }

    @Test
    fun `a wallet signs the typed data and the draft turns its answer into the same header`() {
        val from = privateKeyToAddress(key)
        PaymentDraft(body, 0u, from, now, nonce).use { draft ->
            assertEquals(84532uL, draft.chainId())
            assertTrue(draft.typedDataJson().contains(""""primaryType":"TransferWithAuthorization""""))
            val direct = draft.sign(key)
            // The wallet's JSON-RPC answer: 0x + 130 hex digits.
            val fromWallet = draft.withWalletSignature("0x" + direct.signature.toHex())
            // Records holding ByteArray compare arrays by reference: compare the fields.
            assertEquals(direct.headerValue, fromWallet.headerValue)
            assertArrayEquals(direct.signature, fromWallet.signature)

            val other = ByteArray(32) { 0x22 }
            val e = assertThrows<Pay402Exception.Client> {
                draft.withWalletSignature("0x" + draft.sign(other).signature.toHex())
            }
            assertEquals("signature_wrong_signer", e.code)
        }
    }

    @Test
    fun `errors are Pay402Exception subclasses with the core's code`() {
        val poor = wallet.copy(maxAmount = "9999")
        val budget = assertThrows<Pay402Exception.Client> { x402Select(body, poor) }
        assertEquals("amount_exceeds_budget", budget.code)
        assertTrue(budget.reason.isNotEmpty())

        val tampered = x402Sign(body, 0u, key, now, nonce).headerValue
        val late = assertThrows<Pay402Exception.X402> { x402Verify(offer, tampered, now + 3600uL, VerifyOptions()) }
        assertEquals("invalid_exact_evm_payload_authorization_valid_before", late.code)

        val shortKey = assertThrows<Pay402Exception> { x402Sign(body, 0u, ByteArray(31), now, nonce) }
        assertTrue(shortKey is Pay402Exception.InvalidArgument)
        assertEquals("invalid_argument", shortKey.code)
    }

    @Test
    fun `the settlement receipt is read from the response headers`() {
        val receipt = x402EncodeHeader("""{"success":true,"transaction":"0xabc","network":"eip155:84532","payer":"${privateKeyToAddress(key)}"}""")
        val read = readSettleResponse(listOf(HttpHeader("Content-Type", "application/json"), HttpHeader("payment-response", receipt)))
        assertEquals(true, read?.success)
        assertEquals("0xabc", read?.transaction)
        assertEquals("eip155:84532", read?.network)
        assertNull(readSettleResponse(listOf(HttpHeader("Content-Type", "text/plain"))))
    }

    @Test
    fun `an L402 challenge is checked before paying and answered after`() {
        // BOLT11's "$3 for a cup of coffee within one minute" example.
        val invoice = "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh"
        val decoded = bolt11Decode(invoice)
        assertEquals(250_000_000uL, decoded.amountMsat)
        assertEquals(LightningNetwork.BITCOIN, decoded.network)

        val rootKey = ByteArray(32) { 7 }
        val token = l402Mint(rootKey, decoded.paymentHash, ByteArray(32) { 9 }, listOf("services=svc:0"))
        val wwwAuthenticate = l402EncodeChallenges(token.macaroon, invoice)
        assertTrue(wwwAuthenticate[0].startsWith("LSAT ") && wwwAuthenticate[1].startsWith("L402 "))

        val challenge = l402ParseChallenges(wwwAuthenticate[1]).single()
        val payable = l402CheckChallenge(challenge, LightningNetwork.BITCOIN, budgetMsat = 300_000_000uL, now = decoded.timestamp + 30uL)
        assertArrayEquals(decoded.paymentHash, payable.paymentHash)

        val overBudget = assertThrows<Pay402Exception.L402> {
            l402CheckChallenge(challenge, LightningNetwork.BITCOIN, budgetMsat = 1_000uL, now = decoded.timestamp + 30uL)
        }
        assertTrue(overBudget.code.isNotEmpty())
        val wrongPreimage = assertThrows<Pay402Exception.L402> { l402Authorization(payable, ByteArray(32), L402Scheme.L402) }
        assertEquals("invalid_preimage", wrongPreimage.code)
    }

    @Test
    fun `an L402 credential built from the preimage verifies on the server`() {
        val preimage = ByteArray(32) { 5 }
        val paymentHash = MessageDigest.getInstance("SHA-256").digest(preimage)
        val rootKey = ByteArray(32) { 7 }
        val tokenId = ByteArray(32) { 9 }
        val token = l402Mint(rootKey, paymentHash, tokenId, listOf("services=svc:0"))
        val authorization = "L402 ${Base64.getEncoder().encodeToString(token.macaroon)}:${preimage.toHex()}"

        val credential = l402ParseAuthorization(authorization)
        assertArrayEquals(token.macaroon, credential.macaroons.single())
        val identity = l402Verify(listOf(authorization), rootKey, "svc", null, 1_700_000_000uL)
        assertArrayEquals(paymentHash, identity.paymentHash)
        assertArrayEquals(tokenId, identity.tokenId)
        val e = assertThrows<Pay402Exception.L402> { l402Verify(listOf(authorization), rootKey, "other", null, 1_700_000_000uL) }
        assertEquals("service_not_allowed", e.code)
    }

    @Test
    fun `a ws402 session survives a persist and resume`() {
        Ws402Meter("10", "300", 3600uL, 1_000_000uL).use { meter ->
            assertEquals("12", meter.onEvent(1_001_250uL, Ws402Event.Tick).consumed)
            Ws402Meter.fromRecord(meter.record()).use { resumed ->
                val end = resumed.onEvent(1_002_500uL, Ws402Event.Close)
                assertEquals("25", end.consumed)
                assertEquals("275", end.refund)
                assertEquals(Ws402EndReason.CLIENT_CLOSE, end.end?.reason)
            }
        }
    }

    @Test
    fun `a ws402 tariff session, the core's documented example, refusals and exact amounts`() {
        // The core's TariffMeter example: 10/s and 1 per byte sent, 1000 paid.
        Ws402TariffMeter(paid = "1000", maxSessionSeconds = 3600uL, startMs = 0uL, perSecond = "10", perByteOut = "1").use { m ->
            assertEquals("120", m.onEvent(2_000uL, Ws402SessionEvent.BytesOut(100uL)).consumed)
            assertEquals("130", m.onEvent(3_000uL, Ws402SessionEvent.Suspend).consumed)
            assertTrue(m.state().suspended)
            val refused = assertThrows<Pay402Exception.Ws402> { m.maySend(3_500uL, 1uL) }
            assertEquals("session_suspended", refused.code)
            assertEquals(Ws402TariffStatus.RUNNING, m.onEvent(60_000uL, Ws402SessionEvent.Resume).status)
            val late = assertThrows<Pay402Exception.Ws402> { m.onEvent(60_100uL, Ws402SessionEvent.Resume) }
            assertEquals("session_not_suspended", late.code)
            val frame = m.maySend(60_500uL, 900uL, 1uL)  // 35 + 100 + 900 > 1000
            assertEquals(Ws402TariffStatus.ENDED, frame.status)
            assertEquals(Ws402TariffEnd(Ws402SessionEndReason.BALANCE_EXHAUSTED, 60_500uL, 1000u.toUShort(), "135", "865"), frame.end)
            assertEquals(3_500uL, m.state().activeMs)
            assertEquals(Ws402TariffStatus.ALREADY_ENDED, m.onEvent(61_000uL, Ws402SessionEvent.ServerError).status)
        }
        // A price above 2^64 stays exact; connection_lost has no close code and is dated at the suspend.
        val p = BigInteger.TWO.pow(200)
        Ws402TariffMeter(paid = (p * BigInteger.TWO + BigInteger.valueOf(7)).toString(), maxSessionSeconds = 10uL, startMs = 0uL, perMessage = p.toString()).use { m ->
            assertEquals((p * BigInteger.TWO).toString(), m.onEvent(1uL, Ws402SessionEvent.Message(2uL)).consumed)
            m.onEvent(2uL, Ws402SessionEvent.Suspend)
            val end = m.onEvent(9_000uL, Ws402SessionEvent.GraceExpired).end
            assertEquals(Ws402TariffEnd(Ws402SessionEndReason.CONNECTION_LOST, 2uL, null, (p * BigInteger.TWO).toString(), "7"), end)
        }
        // server_error closes 1011; the deadline ends at its instant.
        Ws402TariffMeter(paid = "1000000000", maxSessionSeconds = 3600uL, startMs = 0uL, perSecond = "1000", deadlineMs = 2_500uL).use { m ->
            val end = m.onEvent(4_000uL, Ws402SessionEvent.Tick).end
            assertEquals(Ws402TariffEnd(Ws402SessionEndReason.DEADLINE, 2_500uL, 1000u.toUShort(), "2500", "999997500"), end)
        }
        Ws402TariffMeter(paid = "10", maxSessionSeconds = 3600uL, startMs = 0uL).use { m ->
            assertEquals(1011u.toUShort(), m.onEvent(5uL, Ws402SessionEvent.ServerError).end?.closeCode)
        }
        assertThrows<Pay402Exception.InvalidArgument> { Ws402TariffMeter(paid = "-1", maxSessionSeconds = 1uL, startMs = 0uL) }
    }
}
