// The exactly-once rules of one paid request, as a Kotlin server drives them through X402Server
// and X402Exchange: a real x402 v2 EIP-3009 payment (the first admitted v2 EIP-3009 case of the
// shared vectors, tests/conformance/vectors/server-admit.json, signed by the reference
// client) admitted, then each outcome of the handler and of the facilitator's `/settle`.
// Receipts and challenges are checked by decoding them with the codec, against the facilitator
// answers the test sends (x402 v2 HTTP transport: PAYMENT-REQUIRED, PAYMENT-RESPONSE).
package org.pay402

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File

class ServerExchangeTest {
    private val case: JsonObject = run {
        val file = File(System.getProperty("pay402.vectors") ?: "../../tests/conformance/vectors", "server-admit.json")
        val cases = Json.parseToJsonElement(file.readText()).jsonObject["cases"]!!.jsonArray.map { it.jsonObject }
        cases.first { c ->
            val ok = c["expect"]!!.jsonObject["ok"]!!.jsonObject
            val offer = c["input"]!!.jsonObject["offers"]!!.jsonArray[0].jsonObject
            ok["admitted"] == JsonPrimitive(true) && ok["x402Version"] == JsonPrimitive(2) && offer["eip712_name"] != null
        }
    }
    private val input = case["input"]!!.jsonObject
    private val expected = case["expect"]!!.jsonObject["ok"]!!.jsonObject
    private fun JsonObject.text(key: String): String? = (this[key] as? JsonPrimitive)?.takeIf { it.isString }?.content

    private val server = X402Server(
        input["offers"]!!.jsonArray.map { it.jsonObject }.map { o ->
            X402Offer(
                scheme = o.text("scheme")!!, network = o.text("network")!!, asset = o.text("asset")!!,
                amount = o.text("amount")!!, payTo = o.text("pay_to")!!,
                maxTimeoutSeconds = o["max_timeout_seconds"]!!.jsonPrimitive.long.toULong(),
                eip712Name = o.text("eip712_name"), eip712Version = o.text("eip712_version"),
            )
        },
        input["resource"]!!.jsonObject.let { r -> X402Resource(r.text("url")!!, r.text("description") ?: "", r.text("mime_type")) },
    )
    private val headers = input["headers"]!!.jsonArray.map { h -> h.jsonArray.let { HttpHeader(it[0].jsonPrimitive.content, it[1].jsonPrimitive.content) } }
    private val now = input["now"]!!.jsonPrimitive.long.toULong()
    private val network = input["offers"]!!.jsonArray[0].jsonObject.text("network")!!

    private fun admit(): X402Admitted {
        val admission = server.admit(headers, now)
        return assertInstanceOf(X402Admission.Admitted::class.java, admission).payment
    }

    /** The exchange of a fresh admission, after the store reserved its key: the handler runs. */
    private fun handling(): X402Exchange {
        val ex = server.exchange(admit())
        assertEquals(X402StepAction.RUN_HANDLER, ex.reserved(true).action)
        return ex
    }

    private fun json(text: String): JsonElement = Json.parseToJsonElement(text)
    private fun header(step: X402Step, name: String): JsonObject =
        json(x402HeaderToJson(step.headers.single { it.name == name }.value)).jsonObject

    private fun settleAnswer(success: Boolean, reason: String?, tx: String): String =
        """{"success":$success,${reason?.let { "\"errorReason\":\"$it\"," } ?: ""}"transaction":"$tx","network":"$network","payer":"${expected.text("payer")}"}"""

    @Test
    fun `the admitted payment is the vector's`() {
        val admitted = admit()
        // The vectors write addresses in lowercase; the binding answers EIP-55 (compared as the runners do).
        assertEquals(expected.text("payer")!!.lowercase(), admitted.payer().lowercase())
        assertTrue(admitted.payer() != admitted.payer().lowercase(), "an EIP-55 checksummed address")
        assertEquals(expected.text("amount"), admitted.amount())
        assertEquals(expected.text("replay_key"), "0x" + admitted.replayKey().toHex())
        assertEquals(expected["ttl"]!!.jsonPrimitive.long.toULong(), admitted.ttl())
        assertEquals(now + admitted.ttl(), admitted.until())
        val ex = server.exchange(admitted)
        assertArrayEquals(admitted.replayKey(), ex.replayKey())
        assertEquals(admitted.ttl(), ex.ttl())
    }

    @Test
    fun `a handler that succeeds is settled and served with the receipt`() {
        val ex = handling()
        val step = ex.handled(200u)
        assertEquals(X402StepAction.SETTLE to 1.toUByte(), step.action to step.attempt)
        assertFalse(step.isFinal)
        val body = json(ex.settleRequest().decodeToString()).jsonObject
        assertEquals(JsonPrimitive(2), body["x402Version"])
        val admitted = admit()
        assertEquals(json(admitted.paymentJson()), body["paymentPayload"])
        val answer = settleAnswer(true, null, "0x" + "ab".repeat(32))
        val served = ex.settled(answer.encodeToByteArray())
        assertEquals(X402StepAction.SERVE to 200.toUShort(), served.action to served.status)
        assertTrue(served.isFinal)
        assertEquals(json(answer), header(served, "PAYMENT-RESPONSE"))
        assertNull(served.body, "the handler's body is served")
    }

    @Test
    fun `a handler failure settles nothing and releases the reservation, so the payment can be retried`() {
        for (status in listOf(500, 404)) {
            val ex = handling()
            val step = ex.handled(status.toUShort())
            assertEquals(X402StepAction.RELEASE_RESERVATION to status.toUShort(), step.action to step.status)
            assertTrue(step.headers.isEmpty(), "no receipt: nothing was settled")
            val e = assertThrows<Pay402Exception.X402> { ex.settled(null) }
            assertEquals("exchange_out_of_order", e.code)
        }
        // The released key is free again: the same authorization is admitted and handled.
        assertEquals(X402StepAction.RUN_HANDLER, server.exchange(admit()).reserved(true).action)
    }

    @Test
    fun `a refused settlement withholds the content with the failure receipt and releases the key`() {
        val ex = handling()
        ex.handled(200u)
        val refusal = settleAnswer(false, "insufficient_funds", "")
        val step = ex.settled(refusal.encodeToByteArray())
        assertEquals(X402StepAction.WITHHOLD to 402.toUShort(), step.action to step.status)
        assertEquals(json(refusal), header(step, "PAYMENT-RESPONSE"))
        assertEquals(JsonPrimitive("insufficient_funds"), header(step, "PAYMENT-REQUIRED")["error"])
        assertNotNull(step.body, "the 402 body replaces the content")
    }

    @Test
    fun `a pending settlement is retried once with the identical body, then the reservation is kept`() {
        val ex = handling()
        ex.handled(200u)
        val first = ex.settleRequest()
        val pending = settleAnswer(false, "settlement_pending", "0x" + "cd".repeat(32))
        val retry = ex.settled(pending.encodeToByteArray())
        assertEquals(X402StepAction.SETTLE to 2.toUByte(), retry.action to retry.attempt)
        assertArrayEquals(first, ex.settleRequest())
        val step = ex.settled(pending.encodeToByteArray())
        assertEquals(X402StepAction.KEEP_RESERVATION to 402.toUShort(), step.action to step.status)
        assertEquals(json(pending), header(step, "PAYMENT-RESPONSE"))
        assertThrows<Pay402Exception.X402> { ex.settled(pending.encodeToByteArray()) }
    }

    @Test
    fun `no answer from the facilitator keeps the reservation and answers 502 without retry`() {
        val ex = handling()
        ex.handled(200u)
        val step = ex.settled(null)
        assertEquals(X402StepAction.KEEP_RESERVATION to 502.toUShort(), step.action to step.status)
        assertNull(step.body)
        val unreadable = handling()
        unreadable.handled(200u)
        val html = unreadable.settled("<html>bad gateway</html>".encodeToByteArray())
        assertEquals(X402StepAction.KEEP_RESERVATION to 502.toUShort(), html.action to html.status, "an unreadable body is no answer")
    }

    @Test
    fun `a key already held is refused, and the content is served once for one authorization`() {
        // A replay store as a server keeps one: the key is reserved until released.
        val store = mutableSetOf<String>()
        fun request(): X402Step {
            val ex = server.exchange(admit())
            val step = ex.reserved(store.add(ex.replayKey().toHex()))
            if (step.action != X402StepAction.RUN_HANDLER) return step
            ex.handled(200u)
            return ex.settled(settleAnswer(true, null, "0x" + "ab".repeat(32)).encodeToByteArray())
        }
        assertEquals(X402StepAction.SERVE, request().action)
        val again = request()
        assertEquals(X402StepAction.REFUSE_REPLAY to 402.toUShort(), again.action to again.status)
        assertEquals(JsonPrimitive("payment_already_used"), header(again, "PAYMENT-REQUIRED")["error"])
    }

    @Test
    fun `settled before the handler, even a failing handler is served with the receipt`() {
        val ex = server.exchange(admit(), settleBeforeHandler = true)
        val step = ex.reserved(true)
        assertEquals(X402StepAction.SETTLE to 1.toUByte(), step.action to step.attempt)
        val answer = settleAnswer(true, null, "0x" + "ab".repeat(32))
        assertEquals(X402StepAction.RUN_HANDLER, ex.settled(answer.encodeToByteArray()).action)
        val served = ex.handled(500u)
        assertEquals(X402StepAction.SERVE to 500.toUShort(), served.action to served.status)
        assertEquals(json(answer), header(served, "PAYMENT-RESPONSE"))
    }

    @Test
    fun `refusals and faults carry their status and codes`() {
        val unpaid = assertInstanceOf(X402Admission.Refused::class.java, server.admit(listOf(HttpHeader("Accept", "*/*")), now)).reply
        assertEquals(402.toUShort() to "payment_required", unpaid.status to unpaid.code)
        val challenge = json(x402HeaderToJson(unpaid.headers.single { it.name == "PAYMENT-REQUIRED" }.value)).jsonObject
        assertEquals(JsonPrimitive(2), challenge["x402Version"])
        assertEquals(JsonPrimitive(network), (challenge["accepts"] as JsonArray)[0].jsonObject["network"])
        assertEquals(JsonPrimitive("payment_required"), challenge["error"])
        assertEquals(JsonPrimitive("custom"), json(x402HeaderToJson(server.challenge("custom").headers[0].value)).jsonObject["error"])
        // The body says why: the code and, when given, the message (escaped as JSON).
        val said = json(server.challenge("custom", "why \"so\"\n€").body!!.decodeToString()).jsonObject
        assertEquals(JsonPrimitive("custom") to JsonPrimitive("why \"so\"\n€"), said["error"] to said["errorMessage"])
        val unpaidBody = json(unpaid.body!!.decodeToString()).jsonObject
        assertEquals(JsonPrimitive("payment_required"), unpaidBody["error"])
        assertTrue((unpaidBody["errorMessage"] as JsonPrimitive).content.isNotEmpty())
        assertEquals(503.toUShort(), server.replayStoreUnavailable().status)
        val ex = server.exchange(admit())
        assertEquals("exchange_out_of_order", assertThrows<Pay402Exception.X402> { ex.handled(200u) }.code)
        ex.reserved(true)
        ex.handled(200u)
        assertEquals("settle_amount_not_allowed", assertThrows<Pay402Exception.X402> { ex.settleRequest("1") }.code)
    }

    @Test
    fun `configuration fails closed with codes`() {
        val base = X402Offer(
            scheme = "exact", network = "eip155:84532", asset = "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
            amount = "10000", payTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds = 60uL,
        )
        val resource = X402Resource("https://x.example/a")
        fun code(offers: List<X402Offer>, r: X402Resource = resource) =
            assertThrows<Pay402Exception.X402> { X402Server(offers, r) }.code
        // The default asset of Base Sepolia fills the EIP-712 domain; a custom token must give it.
        X402Server(listOf(base), resource).close()
        assertEquals("missing_asset", code(listOf(base.copy(asset = "0x0000000000000000000000000000000000000001"))))
        assertEquals("sub_unit_amount", code(listOf(base.copy(amount = "", price = "\$0.0000001"))))
        assertEquals("unsupported_scheme", code(listOf(base.copy(scheme = "stream"))))
        val permit2 = base.copy(transferMethod = "permit2")
        assertEquals("invalid_amount", code(listOf(permit2.copy(amount = "1.5"))))
        assertEquals("unknown_network", code(listOf(permit2.copy(network = "nowhere"))))
        assertEquals("no_offers", code(emptyList()))
        assertEquals("invalid_resource", code(listOf(permit2), X402Resource("")))
        X402Server(listOf(permit2), resource).close()
    }
}
