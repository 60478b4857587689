// The L402 resource server as a Kotlin host drives it through L402Server: a challenge for a real
// invoice (the fewsats-python README invoice, 170 nsat = 17,000 msat on bitcoin, and the preimage
// that pays it), the credential a client builds from it (L402 specification: `Authorization: L402
// <macaroon>:<preimage>`, https://github.com/lightninglabs/L402/blob/master/protocol-specification.md),
// each refusal with its stable code, secret rotation, misconfiguration, and a flat heap under
// 10,000 unpaid challenges (root keys are derived from the secret: nothing is kept per token).
package org.pay402

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

class L402ServerTest {
    companion object {
        const val INVOICE = "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hxegcqzzsxqyz5vqsp54ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqxhkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdjcwvezkt6cqtttnzj"
        const val PREIMAGE = "b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628"
        const val PAYMENT_HASH = "0e466fd9542380e1be8b0a05079097839c889e49dccb9c4419064aae4a611139"
        const val NOW = 1_724_856_505uL
        const val PRICE_MSAT = 17_000uL
    }

    private val secret = ByteArray(32) { 7 }
    private val otherSecret = ByteArray(32) { 9 }
    private val tokenId = ByteArray(32) { 1 }
    private fun config(network: String = "bitcoin") = L402ServerConfig(service = "api", priceMsat = PRICE_MSAT, network = network)
    private val server = L402Server(config(), secret)

    private fun challenge(s: L402Server = server, id: ByteArray = tokenId): L402ServerChallenge =
        s.challenge(INVOICE, PAYMENT_HASH.hexToBytes(), id, NOW)

    /** `<scheme> <macaroon>:<preimage>` from a challenge value `<scheme> macaroon="…", invoice="…"`. */
    private fun credential(value: String, preimage: String = PREIMAGE): String {
        val scheme = value.substringBefore(' ')
        val macaroon = value.substringAfter("macaroon=\"").substringBefore('"')
        return "$scheme $macaroon:$preimage"
    }

    private fun paid(c: L402ServerChallenge = challenge()) = credential(c.headers.last().value)

    private fun admitted(a: L402Admission): L402Admitted = assertInstanceOf(L402Admission.Admitted::class.java, a).token
    private fun refused(a: L402Admission): L402Refusal = assertInstanceOf(L402Admission.Refused::class.java, a).refusal

    private fun revocations(answer: (ByteArray) -> Boolean) = object : L402Revocations {
        override fun isActive(rootKeyId: ByteArray): Boolean = answer(rootKeyId)
    }

    @Test
    fun `a challenge paid with its preimage is admitted`() {
        val c = challenge()
        assertEquals(402.toUShort(), c.status)
        assertEquals(listOf("WWW-Authenticate", "WWW-Authenticate"), c.headers.map { it.name })
        assertTrue(c.headers[0].value.startsWith("LSAT macaroon=\""), c.headers[0].value)
        assertTrue(c.headers[1].value.startsWith("L402 macaroon=\""), c.headers[1].value)
        assertTrue(c.headers[1].value.endsWith("invoice=\"$INVOICE\""), c.headers[1].value)
        assertEquals(NOW + 86_400uL, c.validUntil) // aperture's default: 24 h tokens
        assertEquals(32, c.rootKeyId.size)

        val token = admitted(server.admit(listOf("Bearer other", paid(c)), NOW + 60uL))
        assertArrayEquals(PAYMENT_HASH.hexToBytes(), token.paymentHash)
        assertArrayEquals(tokenId, token.tokenId)
        assertArrayEquals(c.rootKeyId, token.rootKeyId)
        assertEquals("L402", token.scheme)
        assertFalse(token.previousSecret)

        // The same token under the LSAT scheme (the first header).
        assertEquals("LSAT", admitted(server.admit(listOf(credential(c.headers[0].value)), NOW)).scheme)
    }

    @Test
    fun `no credential is 402 payment_required`() {
        for (authorization in listOf(emptyList(), listOf("Bearer abc"))) {
            val r = refused(server.admit(authorization, NOW))
            assertEquals(402.toUShort(), r.status)
            assertEquals("payment_required", r.code)
        }
    }

    @Test
    fun `a wrong preimage is invalid_preimage, 401 when so configured`() {
        val wrong = credential(challenge().headers[1].value, "00".repeat(32))
        val r = refused(server.admit(listOf(wrong), NOW))
        assertEquals(402.toUShort() to "invalid_preimage", r.status to r.code)
        val strict = L402Server(config().copy(unauthorizedForBadCredentials = true), secret)
        assertEquals(401.toUShort(), refused(strict.admit(listOf(wrong), NOW)).status)
    }

    @Test
    fun `an expired token and a missing capability are refused`() {
        assertEquals("token_expired", refused(server.admit(listOf(paid()), NOW + 86_401uL)).code)
        val reader = L402Server(config().copy(capabilities = listOf("read")), secret)
        val header = paid(challenge(reader))
        assertEquals("L402", admitted(reader.admit(listOf(header), NOW, capability = "read")).scheme)
        assertEquals("capability_not_allowed", refused(reader.admit(listOf(header), NOW, capability = "write")).code)
    }

    @Test
    fun `the revocation list is asked for the token's root key id, and anything but active is token_revoked`() {
        val c = challenge()
        val asked = mutableListOf<ByteArray>()
        val active = admitted(server.admit(listOf(paid(c)), NOW, revocations = revocations { asked += it; true }))
        assertArrayEquals(c.rootKeyId, asked.single())
        assertArrayEquals(c.rootKeyId, active.rootKeyId)

        val answers: List<(ByteArray) -> Boolean> = listOf(
            { false },
            { throw IllegalStateException("revocation store down") },
            { throw Pay402Exception.InvalidArgument("store", "down") },
            { TODO("a JVM Error the generated glue does not catch") },
        )
        for (answer in answers) {
            val r = refused(server.admit(listOf(paid(c)), NOW, revocations = revocations(answer)))
            assertEquals(402.toUShort() to "token_revoked", r.status to r.code)
        }
        // Only authentic tokens reach the list: a wrong preimage is refused before it is asked.
        asked.clear()
        val wrong = credential(c.headers[1].value, "00".repeat(32))
        assertEquals("invalid_preimage", refused(server.admit(listOf(wrong), NOW, revocations = revocations { asked += it; true })).code)
        assertTrue(asked.isEmpty())
    }

    @Test
    fun `a rotated secret keeps admitting old tokens until the previous secret is dropped`() {
        val header = paid()
        val other = L402Server(config(), otherSecret)
        assertEquals("signature_mismatch", refused(other.admit(listOf(header), NOW)).code)
        val rotating = L402Server(config(), otherSecret, previousSecret = secret)
        assertTrue(admitted(rotating.admit(listOf(header), NOW)).previousSecret)
        // Tokens minted after the rotation verify under the new secret, not the old server's.
        val fresh = paid(challenge(rotating, ByteArray(32) { 2 }))
        assertFalse(admitted(rotating.admit(listOf(fresh), NOW)).previousSecret)
        assertFalse(admitted(other.admit(listOf(fresh), NOW)).previousSecret)
        assertEquals("signature_mismatch", refused(server.admit(listOf(fresh), NOW)).code)
    }

    @Test
    fun `misconfiguration and mismatched invoices fail with stable codes`() {
        fun code(block: () -> Unit): String = assertThrows<Pay402Exception.L402> { block() }.code
        assertEquals("unknown_network", code { L402Server(config("moon"), secret) })
        assertEquals("invalid_server_secret", code { L402Server(config(), ByteArray(31)) })
        assertEquals("invalid_server_secret", code { L402Server(config(), ByteArray(65)) })
        assertEquals("invalid_server_secret", code { L402Server(config(), secret, previousSecret = ByteArray(16)) })
        assertEquals("invalid_service_name", code { L402Server(config().copy(service = "a:b"), secret) })
        assertEquals("invalid_service_name", code { L402Server(config().copy(service = ""), secret) })
        assertEquals("invalid_capability", code { L402Server(config().copy(capabilities = listOf("a,b")), secret) })
        assertEquals("invalid_price", code { L402Server(config().copy(priceMsat = 0uL), secret) })

        assertEquals("invoice_payment_hash_mismatch", code { server.challenge(INVOICE, ByteArray(32), tokenId, NOW) })
        assertEquals("invoice_network_mismatch", code { challenge(L402Server(config("regtest"), secret)) })
        assertEquals("invoice_amount_mismatch", code { challenge(L402Server(config().copy(priceMsat = 1_000uL), secret)) })
        val short = assertThrows<Pay402Exception.InvalidArgument> { server.challenge(INVOICE, PAYMENT_HASH.hexToBytes(), ByteArray(31), NOW) }
        assertEquals("invalid_argument", short.code)
    }

    @Test
    fun `ten thousand unpaid challenges leave the heap flat`() {
        val rt = Runtime.getRuntime()
        // The least used heap over several collections: objects JNA frees through a Cleaner or a
        // finalizer need more than one collection to go.
        fun used(): Long {
            var least = Long.MAX_VALUE
            repeat(10) {
                System.gc()
                System.runFinalization()
                Thread.sleep(50)
                least = minOf(least, rt.totalMemory() - rt.freeMemory())
            }
            return least
        }
        val hash = PAYMENT_HASH.hexToBytes()
        val id = ByteArray(32)
        // Warm up (class loading, JIT), then measure.
        repeat(100) { i -> id[0] = i.toByte(); server.challenge(INVOICE, hash, id, NOW) }
        val before = used()
        var bytes = 0L
        for (i in 0 until 10_000) {
            id[0] = i.toByte(); id[1] = (i shr 8).toByte()
            val c = server.challenge(INVOICE, hash, id, NOW)
            bytes += c.headers.sumOf { it.value.length }
            // Unpaid requests in between are refused, and leave nothing either.
            if (i % 1000 == 0) assertEquals("payment_required", refused(server.admit(emptyList(), NOW)).code)
        }
        val after = used()
        // 10,000 challenges wrote over 10 MB of header text (Latin-1 strings); kept per token, the
        // heap would grow by at least that. Measured: about 1 MB, the JIT's and JNA's own.
        assertTrue(bytes >= 10_000_000L, "$bytes bytes of challenges")
        val grown = after - before
        assertTrue(grown < 4L * 1024 * 1024, "heap grew by $grown bytes over 10,000 unpaid challenges ($before -> $after)")
    }
}
