// X402HttpClient pays a server no one here wrote: the reference @x402/express middleware that
// ffi-uniffi/run.sh starts on 127.0.0.1 (ffi-uniffi/kotlin/peer/peer-server.mjs), selling exact
// EIP-3009, exact Permit2, upto and Solana exact, and a route whose settlement fails (its
// facilitator answers that nothing was settled). Its facilitator runs the reference's own
// verification (@x402/core x402Facilitator, @x402/evm's and @x402/svm's schemes, viem's EIP-712
// check) on what the Kotlin client signed, and settles only what passes. Expected values: the
// peer's offers (its 402, read with the peer's field names), the payer of key 0x11…11 and the
// Solana payer of the shared vectors' seed.
package org.pay402

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.math.BigInteger
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

class PeerServerTest {
    private val base: String? = System.getProperty("pay402.peer.url")
    private val facilitator: String? = System.getProperty("pay402.peer.facilitator")
    private val http = HttpClient.newHttpClient()

    private fun get(url: String): HttpRequest = HttpRequest.newBuilder(URI(url)).GET().build()

    private fun client(budget: ClientBudget) = X402HttpClient(
        http, budget, listOf(NETWORK, SOLANA_DEVNET),
        evm = EvmPayer(EVM_KEY, listOf(USDC), allowance = { _, _ -> BigInteger.TEN.pow(24) }),
        solana = SolanaPayer(SvmVector.seed, listOf(SvmVector.mint), recentBlockhash = { SvmVector.blockhash }),
    )

    private fun received() = Json.parseToJsonElement(
        http.send(get("$facilitator/received"), HttpResponse.BodyHandlers.ofString()).body(),
    ).jsonArray.map { it.jsonObject }

    @Test
    fun `pays the reference express server for exact EIP-3009, exact Permit2, upto and Solana exact`() {
        assumeTrue(base != null && facilitator != null, "no peer server: run ffi-uniffi/run.sh, which starts it")
        // One budget for every route: USDC on Base Sepolia and on Solana devnet.
        val budget = ClientBudget().apply {
            add(NETWORK, USDC, BudgetLimits("100000", "1000000"))
            add(SOLANA_DEVNET, SvmVector.mint, BudgetLimits("100000", "1000000"))
        }
        var spentEvm = 0L
        for (path in listOf("/exact", "/permit2", "/upto", "/svm")) {
            // What the peer asks, read from its own 402.
            val unpaid = http.send(get(base + path), HttpResponse.BodyHandlers.ofByteArray())
            assertEquals(402, unpaid.statusCode())
            val offer = json(x402HeaderToJson(unpaid.headers().firstValue("PAYMENT-REQUIRED").orElseThrow()))["accepts"]!!
                .jsonArray.single().jsonObject
            val price = offer["amount"]!!.jsonPrimitive.content

            val response = client(budget).send(get(base + path))
            assertEquals(200, response.statusCode(), "$path: ${response.body().decodeToString()}")
            assertEquals("""{"data":"premium","path":"$path"}""", response.body().decodeToString())
            val receipt = json(x402HeaderToJson(response.headers().firstValue("PAYMENT-RESPONSE").orElseThrow()))
            assertEquals(JsonPrimitive(true), receipt["success"], "$path")
            if (path == "/svm") {
                assertEquals(SvmVector.mint, offer["asset"]!!.jsonPrimitive.content)
                assertEquals(price, budget.spent(SOLANA_DEVNET, SvmVector.mint), "$path: the settled amount is spent")
            } else {
                spentEvm += price.toLong()
                assertEquals(spentEvm.toString(), budget.spent(NETWORK, USDC), "$path: the settled amount is spent")
            }
        }
        // The reference facilitator verified each payment (on /verify, then again on /settle)
        // and named the Kotlin client's payer.
        val received = received().filter { it["amount"]!!.jsonPrimitive.content != "20000" }
        assertEquals(List(4) { listOf("/verify", "/settle") }.flatten(), received.map { it["path"]!!.jsonPrimitive.content })
        for ((i, r) in received.withIndex()) {
            assertEquals(JsonPrimitive(true), r["isValid"], r.toString())
            val payer = if (i >= 6) svmPublicKey(SvmVector.seed) else EVM_PAYER.lowercase()
            assertEquals(payer, r["payer"]!!.jsonPrimitive.content.let { if (i >= 6) it else it.lowercase() })
        }
    }

    @Test
    fun `the reference server's refused settlement raises X402PaymentRefused with its code, and the budget is back`() {
        assumeTrue(base != null && facilitator != null, "no peer server: run ffi-uniffi/run.sh, which starts it")
        val budget = ClientBudget().apply { add(NETWORK, USDC, BudgetLimits("100000", "30000")) }
        val refused = assertThrows<X402PaymentRefused> { client(budget).send(get("$base/unsettled")) }
        assertEquals(402, refused.status)
        assertEquals("settlement_not_attempted", refused.code, "the facilitator's reason, as the peer reports it")
        assertTrue(refused.definitive)
        // The peer's failure receipt, read with the codec.
        val receipt = json(x402HeaderToJson(refused.response.headers().firstValue("PAYMENT-RESPONSE").orElseThrow()))
        assertEquals(JsonPrimitive(false), receipt["success"])
        assertEquals(JsonPrimitive(refused.code), receipt["errorReason"])
        assertEquals("0", budget.spent(NETWORK, USDC))
        assertEquals("30000", budget.allowance(NETWORK, USDC, System.currentTimeMillis().toULong() / 1000uL))
        val settles = received().filter { it["amount"]!!.jsonPrimitive.content == "20000" && it["path"]!!.jsonPrimitive.content == "/settle" }
        assertEquals(1, settles.size)
        assertEquals(JsonPrimitive(true), settles[0]["isValid"], "the reference verified the payment before refusing to settle")
    }
}
