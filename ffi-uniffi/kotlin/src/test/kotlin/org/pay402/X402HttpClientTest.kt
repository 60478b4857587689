// X402HttpClient pays pay402's own server for every scheme over real HTTP on 127.0.0.1: a JDK
// HttpServer selling one resource through X402Server and its exactly-once exchange (exact
// EIP-3009, exact Permit2, upto Permit2 with a charge below the signed maximum, Solana exact with
// a fee payer), settling through a facilitator double on loopback whose verdict is the core's
// verification of the payload it receives (x402Verify) plus a ledger of the payers' balances.
//
// Expected values come from elsewhere: the payer of key 0x11…11 (as viem derives it), the
// Permit2 contract's published address, the ERC-20 ABI (`allowance(address,address)` is
// selector 0xdd62ed3e), the reference client's Solana transaction of the shared vectors
// (tests/conformance/vectors/x402-verify-svm.peers.json, `svm.build`), the server's offers.
package org.pay402

import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.math.BigInteger
import java.net.InetSocketAddress
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.security.SecureRandom
import java.util.Base64
import java.util.Collections

const val NETWORK = "eip155:84532"
const val USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
const val PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
const val PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3" // Uniswap's Permit2, the same on every chain
const val FACILITATOR = "0x1111111111111111111111111111111111111111"
const val SOLANA_DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
val EVM_KEY = ByteArray(32) { 0x11 }
const val EVM_PAYER = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A" // the address of key 0x11…11

/** The reference client's Solana transfer of the shared vectors (`svm.build`, SPL Token). */
object SvmVector {
    private val case = Json.parseToJsonElement(
        File(System.getProperty("pay402.vectors") ?: "../../tests/conformance/vectors", "x402-verify-svm.peers.json").readText(),
    ).jsonObject["cases"]!!.jsonArray.map { it.jsonObject }.first {
        it["op"]?.jsonPrimitive?.content == "svm.build" &&
            it["input"]!!.jsonObject["token_program"]!!.jsonPrimitive.content == "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
    }
    private val input = case["input"]!!.jsonObject
    private fun text(key: String) = input[key]!!.jsonPrimitive.content
    val seed = text("payer_seed_hex").hexToBytes()
    val feePayer = text("fee_payer")
    val mint = text("mint")
    val payTo = text("pay_to")
    val tokenProgram = text("token_program")
    val memo = text("memo").hexToBytes()
    val blockhash = text("recent_blockhash")
    val amount = text("amount")
    val transaction = case["expect"]!!.jsonObject["ok"]!!.jsonObject["transaction"]!!.jsonPrimitive.content
}

/** What each scheme's server sells (the amount signed) and what the paid handler charges. */
enum class Scheme(val offer: X402Offer, val signed: Long, val charged: Long) {
    EXACT_EIP3009(X402Offer(scheme = "exact", network = NETWORK, price = "$0.01", payTo = PAY_TO), 10_000, 10_000),
    EXACT_PERMIT2(X402Offer(scheme = "exact", network = NETWORK, price = "$0.01", payTo = PAY_TO, transferMethod = "permit2"), 10_000, 10_000),
    UPTO(X402Offer(scheme = "upto", network = NETWORK, price = "$0.05", payTo = PAY_TO, facilitator = FACILITATOR), 50_000, 1_234),
    EXACT_SVM(
        X402Offer(scheme = "exact", network = "solana-devnet", asset = SvmVector.mint, amount = SvmVector.amount, payTo = SvmVector.payTo, feePayer = SvmVector.feePayer),
        10_000, 10_000,
    ),
}

fun HttpServer.base(): URI = URI("http://127.0.0.1:${address.port}")

fun HttpExchange.reply(status: Int, headers: List<HttpHeader>, body: ByteArray?) {
    for (h in headers) responseHeaders.add(h.name, h.value)
    val bytes = body ?: ByteArray(0)
    sendResponseHeaders(status, if (bytes.isEmpty()) -1 else bytes.size.toLong())
    if (bytes.isNotEmpty()) responseBody.use { it.write(bytes) }
    close()
}

fun json(text: String): JsonObject = Json.parseToJsonElement(text).jsonObject

/**
 * A facilitator double: `/settle` verifies the payload it receives with the core's verification
 * against the requirements the payer accepted (`upto`: the charged amount and this facilitator's
 * address), then debits the payer's [balances] (absent: unlimited). Records each settle body.
 */
class Facilitator(private val balances: MutableMap<String, Long> = mutableMapOf()) : AutoCloseable {
    val settles: MutableList<JsonObject> = Collections.synchronizedList(mutableListOf())
    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        createContext("/settle") { ex ->
            val body = json(ex.requestBody.readBytes().decodeToString())
            settles += body
            ex.reply(200, listOf(HttpHeader("Content-Type", "application/json")), settle(body).encodeToByteArray())
        }
        start()
    }
    val url: URI = server.base()

    private fun settle(body: JsonObject): String {
        val payload = body["paymentPayload"]!!.jsonObject
        val requirements = body["paymentRequirements"]!!.jsonObject
        val network = requirements["network"]!!.jsonPrimitive.content
        val amount = requirements["amount"]!!.jsonPrimitive.content
        val upto = requirements["scheme"]!!.jsonPrimitive.content == "upto"
        fun refuse(reason: String, message: String) =
            """{"success":false,"errorReason":"$reason","errorMessage":"$message","transaction":"","network":"$network"}"""
        val verified = try {
            x402Verify(
                (payload["accepted"] ?: requirements).toString(), x402EncodeHeader(payload.toString()),
                System.currentTimeMillis().toULong() / 1000uL,
                VerifyOptions(settleAmount = if (upto) amount else null, facilitator = if (upto) FACILITATOR else null),
            )
        } catch (e: Pay402Exception) {
            return refuse(e.code, "invalid payment")
        }
        val balance = balances[verified.payer]
        if (balance != null && balance < amount.toLong()) return refuse("insufficient_funds", "the payer holds $balance")
        if (balance != null) balances[verified.payer] = balance - amount.toLong()
        val tx = "0x" + "ab".repeat(32)
        return """{"success":true,"transaction":"$tx","network":"$network","payer":"${verified.payer}","amount":"$amount"}"""
    }

    override fun close() = server.stop(0)
}

/**
 * pay402's own server on 127.0.0.1: GET /item sells [offers] through X402Server and the
 * exactly-once exchange, charging [charge] (`upto`); the handler answers the payer it saw.
 */
class Shop(offers: List<X402Offer>, private val facilitator: URI, private val charge: Long? = null) : AutoCloseable {
    private val x402 = X402Server(offers, X402Resource(url = "http://127.0.0.1/item", description = "an item"))
    private val held: MutableSet<String> = Collections.synchronizedSet(mutableSetOf())
    private val http = HttpClient.newHttpClient()
    val requests: MutableList<List<HttpHeader>> = Collections.synchronizedList(mutableListOf())
    val served: MutableList<String> = Collections.synchronizedList(mutableListOf())
    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        createContext("/item") { ex -> handle(ex) }
        start()
    }
    val url: URI = server.base().resolve("/item")

    private fun handle(ex: HttpExchange) {
        val headers = ex.requestHeaders.flatMap { (name, values) -> values.map { HttpHeader(name, it) } }
        requests += headers
        when (val admission = x402.admit(headers, System.currentTimeMillis().toULong() / 1000uL)) {
            is X402Admission.Refused -> ex.reply(admission.reply.status.toInt(), admission.reply.headers, admission.reply.body)
            is X402Admission.Admitted -> {
                val exchange = x402.exchange(admission.payment)
                val key = exchange.replayKey().toHex()
                var step = exchange.reserved(held.add(key))
                var content: ByteArray? = null
                while (!step.isFinal) {
                    step = when (step.action) {
                        X402StepAction.RUN_HANDLER -> {
                            served += admission.payment.payer()
                            content = """{"payer":"${admission.payment.payer()}"}""".encodeToByteArray()
                            exchange.handled(200u)
                        }
                        X402StepAction.SETTLE -> exchange.settled(settle(exchange.settleRequest(charge?.toString())))
                        else -> error("not a step: $step")
                    }
                }
                if (step.action == X402StepAction.RELEASE_RESERVATION || step.action == X402StepAction.WITHHOLD) held.remove(key)
                val body = if (step.action == X402StepAction.SERVE || step.action == X402StepAction.RELEASE_RESERVATION) content else step.body
                ex.reply(step.status.toInt(), step.headers, body)
            }
        }
    }

    private fun settle(body: ByteArray): ByteArray? = runCatching {
        val request = HttpRequest.newBuilder(facilitator.resolve("/settle"))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build()
        http.send(request, HttpResponse.BodyHandlers.ofByteArray()).takeIf { it.statusCode() < 500 }?.body()
    }.getOrNull()

    override fun close() = server.stop(0)
}

/** Hands out the vector's memo for the Solana memo nonce (16 bytes), random bytes otherwise. */
class VectorRandom : SecureRandom() {
    override fun nextBytes(bytes: ByteArray) {
        if (bytes.size == 16) SvmVector.memo.copyInto(bytes) else super.nextBytes(bytes)
    }
}

class X402HttpClientTest {
    private val http = HttpClient.newHttpClient()
    private val closing = mutableListOf<AutoCloseable>()
    private fun <T : AutoCloseable> T.closed(): T = also { closing += it }

    @AfterEach
    fun close() = closing.reversed().forEach { it.close() }

    private val plenty: (Permit2Approval, String) -> BigInteger = { _, _ -> BigInteger.TEN.pow(18) }

    private fun budget(perRequest: Long = 100_000, total: Long = 1_000_000): ClientBudget = ClientBudget().apply {
        add(NETWORK, USDC, BudgetLimits(perRequest.toString(), total.toString()))
        add(SOLANA_DEVNET, SvmVector.mint, BudgetLimits(perRequest.toString(), total.toString()))
    }

    private fun client(
        budget: ClientBudget,
        allowance: ((Permit2Approval, String) -> BigInteger)? = plenty,
        evmRpc: URI? = null,
        solanaRpc: URI? = null,
    ) = X402HttpClient(
        http, budget, networks = listOf(NETWORK, "solana-devnet"),
        evm = EvmPayer(EVM_KEY, listOf(USDC), rpcUrl = evmRpc, allowance = allowance),
        solana = SolanaPayer(
            SvmVector.seed, listOf(SvmVector.mint), rpcUrl = solanaRpc,
            recentBlockhash = if (solanaRpc == null) { _ -> SvmVector.blockhash } else null,
        ),
        random = VectorRandom(),
    )

    private fun get(url: URI): HttpRequest = HttpRequest.newBuilder(url).GET().build()
    private fun spent(budget: ClientBudget, scheme: Scheme) =
        if (scheme == Scheme.EXACT_SVM) budget.spent(SOLANA_DEVNET, SvmVector.mint) else budget.spent(NETWORK, USDC)

    private fun receipt(response: HttpResponse<ByteArray>): JsonObject =
        json(x402HeaderToJson(response.headers().firstValue("PAYMENT-RESPONSE").orElseThrow()))

    @Test
    fun `pays pay402's server for every scheme, and the budget counts what was settled`() {
        for (scheme in Scheme.values()) {
            val facilitator = Facilitator().closed()
            val shop = Shop(listOf(scheme.offer), facilitator.url, charge = if (scheme == Scheme.UPTO) scheme.charged else null).closed()
            val budget = budget()
            val response = client(budget).send(get(shop.url))

            assertEquals(200, response.statusCode(), "$scheme: ${response.body().decodeToString()}")
            val payer = if (scheme == Scheme.EXACT_SVM) svmPublicKey(SvmVector.seed) else EVM_PAYER
            assertEquals("""{"payer":"$payer"}""", response.body().decodeToString(), "$scheme")
            assertEquals(2, shop.requests.size, "$scheme: the request and one paid retry")
            val settle = facilitator.settles.single()
            assertEquals(scheme.charged.toString(), settle["paymentRequirements"]!!.jsonObject["amount"]!!.jsonPrimitive.content, "$scheme")
            assertEquals(JsonPrimitive(true), receipt(response)["success"])
            assertEquals(scheme.charged.toString(), spent(budget, scheme), "$scheme: upto commits the settled amount")
            val paidHeader = shop.requests[1].single { it.name.equals("PAYMENT-SIGNATURE", ignoreCase = true) }.value
            val payload = json(x402HeaderToJson(paidHeader))
            assertEquals(scheme.signed.toString(), payload["accepted"]!!.jsonObject["amount"]!!.jsonPrimitive.content)
            if (scheme == Scheme.EXACT_SVM) {
                // Built from the vector's chain state and memo: the reference client's bytes.
                assertEquals(SvmVector.transaction, payload["payload"]!!.jsonObject["transaction"]!!.jsonPrimitive.content)
            }
        }
    }

    @Test
    fun `a refused paid retry raises X402PaymentRefused with the server's words, and the budget is back`() {
        val facilitator = Facilitator(mutableMapOf(EVM_PAYER to 5_000L)).closed()
        val shop = Shop(listOf(Scheme.EXACT_EIP3009.offer), facilitator.url).closed()
        val budget = budget(total = 15_000) // an amount kept counted would leave 5 000
        val refused = assertThrows<X402PaymentRefused> { client(budget).send(get(shop.url)) }
        assertEquals(402, refused.status)
        assertEquals("insufficient_funds", refused.code)
        assertTrue(refused.definitive)
        assertEquals(1, facilitator.settles.size)
        assertTrue(shop.served.size == 1, "the handler ran, the content was withheld")
        // The server's 402: its challenge header carries the facilitator's reason.
        val challenge = json(x402HeaderToJson(refused.response.headers().firstValue("PAYMENT-REQUIRED").orElseThrow()))
        assertEquals(JsonPrimitive(refused.code), challenge["error"])
        assertFalse(refused.response.body().decodeToString().contains(EVM_PAYER))
        assertEquals("0", budget.spent(NETWORK, USDC))
        assertEquals("15000", budget.allowance(NETWORK, USDC, System.currentTimeMillis().toULong() / 1000uL))
    }

    @Test
    fun `a missing Permit2 allowance raises Permit2ApprovalRequired with the approval to make, nothing sent`() {
        val facilitator = Facilitator().closed()
        val shop = Shop(listOf(Scheme.EXACT_PERMIT2.offer), facilitator.url).closed()
        val budget = budget()
        val asked = mutableListOf<Pair<Permit2Approval, String>>()
        val e = assertThrows<Permit2ApprovalRequired> {
            client(budget, allowance = { approval, owner -> asked += approval to owner; BigInteger.valueOf(9_999) }).send(get(shop.url))
        }
        assertEquals(Permit2Approval(chainId = 84532uL, token = USDC, spender = PERMIT2, amount = "10000"), e.approval)
        assertEquals(listOf(e.approval to EVM_PAYER), asked)
        assertEquals(EVM_PAYER, e.owner)
        assertEquals(1, shop.requests.size, "no paid retry")
        assertEquals("0", budget.spent(NETWORK, USDC))
        assertEquals("100000", budget.allowance(NETWORK, USDC, System.currentTimeMillis().toULong() / 1000uL))
    }

    @Test
    fun `the Permit2 allowance and the Solana chain state are read over JSON-RPC URLs`() {
        val rpc = JsonRpc(allowance = BigInteger.valueOf(10_000)).closed()
        val facilitator = Facilitator().closed()
        for (scheme in listOf(Scheme.EXACT_PERMIT2, Scheme.EXACT_SVM)) {
            val shop = Shop(listOf(scheme.offer), facilitator.url).closed()
            val response = client(budget(), allowance = null, evmRpc = rpc.url, solanaRpc = rpc.url).send(get(shop.url))
            assertEquals(200, response.statusCode(), response.body().decodeToString())
        }
        // eth_call to the token: allowance(owner, Permit2); then getLatestBlockhash (USDC's
        // decimals and program are known: no getAccountInfo).
        assertEquals(listOf("eth_call", "getLatestBlockhash"), rpc.calls.map { it["method"]!!.jsonPrimitive.content })
        val call = rpc.calls[0]["params"]!!.jsonArray[0].jsonObject
        assertEquals(USDC.lowercase(), call["to"]!!.jsonPrimitive.content.lowercase())
        val word = { a: String -> a.removePrefix("0x").lowercase().padStart(64, '0') }
        assertEquals("0xdd62ed3e" + word(EVM_PAYER) + word(PERMIT2), call["data"]!!.jsonPrimitive.content.lowercase())

        // Below the offer: the approval is asked for.
        val low = JsonRpc(allowance = BigInteger.valueOf(9_999)).closed()
        val shop = Shop(listOf(Scheme.EXACT_PERMIT2.offer), facilitator.url).closed()
        assertThrows<Permit2ApprovalRequired> { client(budget(), allowance = null, evmRpc = low.url).send(get(shop.url)) }
    }

    @Test
    fun `a mint the core does not know is read from the mint account`() {
        val rpc = JsonRpc(allowance = BigInteger.ZERO, mintDecimals = 6).closed()
        val facilitator = Facilitator().closed()
        val mint = svmPublicKey(ByteArray(32) { 7 })
        val offer = Scheme.EXACT_SVM.offer.copy(asset = mint)
        val shop = Shop(listOf(offer), facilitator.url).closed()
        val budget = ClientBudget().apply { add("solana-devnet", mint, BudgetLimits("100000", "100000")) }
        val client = X402HttpClient(
            http, budget, listOf("solana-devnet"),
            solana = SolanaPayer(SvmVector.seed, listOf(mint), rpcUrl = rpc.url),
        )
        assertEquals(200, client.send(get(shop.url)).statusCode())
        assertEquals(listOf("getLatestBlockhash", "getAccountInfo"), rpc.calls.map { it["method"]!!.jsonPrimitive.content })
        assertEquals("10000", budget.spent(SOLANA_DEVNET, mint))
    }

    @Test
    fun `a wallet that signs typed data pays every EVM scheme`() {
        for (scheme in listOf(Scheme.EXACT_EIP3009, Scheme.EXACT_PERMIT2, Scheme.UPTO)) {
            val facilitator = Facilitator().closed()
            val shop = Shop(listOf(scheme.offer), facilitator.url, charge = if (scheme == Scheme.UPTO) scheme.charged else null).closed()
            val budget = budget()
            val shown = mutableListOf<String>()
            // The wallet signs the digest of what it was shown (the EIP-712 primary type names the scheme).
            val wallet = EvmSigner { typedData, digest -> shown += json(typedData)["primaryType"]!!.jsonPrimitive.content; signDigest(EVM_KEY, digest) }
            val client = X402HttpClient(http, budget, listOf(NETWORK), evm = EvmPayer(EVM_PAYER, wallet, listOf(USDC), allowance = plenty))
            val response = client.send(get(shop.url))
            assertEquals(200, response.statusCode(), "$scheme: ${response.body().decodeToString()}")
            assertEquals("""{"payer":"$EVM_PAYER"}""", response.body().decodeToString())
            val primaryType = if (scheme == Scheme.EXACT_EIP3009) "TransferWithAuthorization" else "PermitWitnessTransferFrom"
            assertEquals(listOf(primaryType), shown)
            assertEquals(scheme.charged.toString(), budget.spent(NETWORK, USDC))
        }
        // A wallet answering for another key: refused before anything is sent, nothing counted.
        val facilitator = Facilitator().closed()
        val shop = Shop(listOf(Scheme.EXACT_EIP3009.offer), facilitator.url).closed()
        val budget = budget()
        val other = EvmSigner { _, digest -> signDigest(ByteArray(32) { 0x22 }, digest) }
        val e = assertThrows<Pay402Exception.Client> {
            X402HttpClient(http, budget, listOf(NETWORK), evm = EvmPayer(EVM_PAYER, other, listOf(USDC))).send(get(shop.url))
        }
        assertEquals("signature_wrong_signer", e.code)
        assertEquals(1, shop.requests.size)
        assertEquals("100000", budget.allowance(NETWORK, USDC, System.currentTimeMillis().toULong() / 1000uL))
    }

    @Test
    fun `one budget lists an EVM and a Solana asset and pays both`() {
        val facilitator = Facilitator().closed()
        val evm = Shop(listOf(Scheme.EXACT_EIP3009.offer), facilitator.url).closed()
        val svm = Shop(listOf(Scheme.EXACT_SVM.offer), facilitator.url).closed()
        val budget = budget()
        val client = client(budget)
        assertEquals(200, client.send(get(evm.url)).statusCode())
        assertEquals(200, client.send(get(svm.url)).statusCode())
        assertEquals("10000", budget.spent(NETWORK, USDC))
        assertEquals("10000", budget.spent(SOLANA_DEVNET, SvmVector.mint))
        assertEquals(2, facilitator.settles.size)
    }

    @Test
    fun `over the budget nothing is signed or sent`() {
        val facilitator = Facilitator().closed()
        val shop = Shop(listOf(Scheme.EXACT_EIP3009.offer), facilitator.url).closed()
        val budget = budget(perRequest = 9_999)
        val e = assertThrows<Pay402Exception.Budget> { client(budget).send(get(shop.url)) }
        assertEquals("per_request_budget_exceeded", e.code)
        assertEquals("10000" to "9999", e.amount to e.remaining)
        assertEquals(1, shop.requests.size, "only the unpaid request")
        assertTrue(facilitator.settles.isEmpty())

        val spentOut = budget(total = 15_000)
        val client = client(spentOut)
        assertEquals(200, client.send(get(shop.url)).statusCode())
        val again = assertThrows<Pay402Exception.Budget> { client.send(get(shop.url)) }
        assertEquals("total_budget_exceeded", again.code)
        assertEquals(1 + 2 + 1, shop.requests.size, "refused unpaid; paid once (two requests); then refused before any payment was sent")
    }

    @Test
    fun `an answer that is not a 402 is returned as it is`() {
        val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
            createContext("/") { ex -> ex.reply(402, listOf(HttpHeader("WWW-Authenticate", "L402 macaroon=\"x\", invoice=\"y\"")), null) }
            start()
        }
        closing += AutoCloseable { server.stop(0) }
        val response = client(budget()).send(get(server.base().resolve("/")))
        assertEquals(402, response.statusCode())
        assertNotNull(response.headers().firstValue("WWW-Authenticate").orElse(null))
    }
}

/**
 * A JSON-RPC node double on 127.0.0.1 answering `eth_call` (an ERC-20 allowance of [allowance]),
 * `getLatestBlockhash` (the vector's blockhash) and `getAccountInfo` (a mint of [mintDecimals]
 * owned by SPL Token). Records each call.
 */
class JsonRpc(private val allowance: BigInteger, private val mintDecimals: Int = 6) : AutoCloseable {
    val calls: MutableList<JsonObject> = Collections.synchronizedList(mutableListOf())
    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        createContext("/") { ex ->
            val call = json(ex.requestBody.readBytes().decodeToString())
            calls += call
            val result = when (call["method"]!!.jsonPrimitive.content) {
                "eth_call" -> "\"0x" + allowance.toString(16).padStart(64, '0') + "\""
                "getLatestBlockhash" -> """{"context":{"slot":1},"value":{"blockhash":"${SvmVector.blockhash}","lastValidBlockHeight":1000}}"""
                "getAccountInfo" -> {
                    val mint = ByteArray(82).also { it[44] = mintDecimals.toByte(); it[45] = 1 }
                    """{"context":{"slot":1},"value":{"data":["${Base64.getEncoder().encodeToString(mint)}","base64"],"executable":false,"lamports":1461600,"owner":"${SvmVector.tokenProgram}","rentEpoch":0,"space":82}}"""
                }
                else -> null
            }
            val answer = if (result == null) """{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"not stubbed"}}"""
            else """{"jsonrpc":"2.0","id":1,"result":$result}"""
            ex.reply(200, listOf(HttpHeader("Content-Type", "application/json")), answer.encodeToByteArray())
        }
        start()
    }
    val url: URI = server.base()
    override fun close() = server.stop(0)
}
