// The README's paying-client example (ffi-uniffi/README.md, the block after
// `<!-- tested: ReadmeTest -->`) runs here as written, against pay402's own server and a JSON-RPC
// double on 127.0.0.1: the README block must be the text between the markers below, verbatim.
// So does its WS402 tariff meter example (`<!-- tested: ReadmeTest.tariff -->`).
package org.pay402

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File
import java.math.BigInteger
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest

class ReadmeTest {
    private val source = File("src/test/kotlin/org/pay402/ReadmeTest.kt")
    private val readme = File("../README.md")

    @Test
    fun `the README's client example is this test's code`() {
        val lines = source.readLines()
        val begin = lines.indexOfFirst { it.trim() == "// README:begin" }
        val end = lines.indexOfFirst { it.trim() == "// README:end" }
        val indent = lines[begin].indexOf("//")
        val block = lines.subList(begin + 1, end).joinToString("\n") { it.drop(indent) }
        val text = readme.readText()
        val marker = text.indexOf("<!-- tested: ReadmeTest -->")
        assertTrue(marker >= 0, "the README marks its tested example")
        val fenced = text.substring(marker).substringAfter("```kotlin\n").substringBefore("\n```")
        assertEquals(block, fenced, "the README's example differs from ReadmeTest's")
    }

    @Test
    fun `the README's tariff meter example is this test's code and prints the settlement`() {
        val lines = source.readLines()
        val begin = lines.indexOfFirst { it.trim() == "// README-tariff:begin" }
        val end = lines.indexOfFirst { it.trim() == "// README-tariff:end" }
        val indent = lines[begin].indexOf("//")
        val block = lines.subList(begin + 1, end).joinToString("\n") { it.drop(indent) }
        val text = readme.readText()
        val marker = text.indexOf("<!-- tested: ReadmeTest.tariff -->")
        assertTrue(marker >= 0, "the README marks its tariff meter example")
        val fenced = text.substring(marker).substringAfter("```kotlin\n").substringBefore("\n```")
        assertEquals(block, fenced, "the README's tariff meter example differs from ReadmeTest's")

        val printed = mutableListOf<String>()
        fun println(line: String) { printed += line }
        // README-tariff:begin
        // 10 per second and 1 per byte sent (atomic units, decimal), 1000 prepaid; times in ms
        Ws402TariffMeter(paid = "1000", maxSessionSeconds = 3600uL, startMs = 0uL, perSecond = "10", perByteOut = "1").use { meter ->
            meter.onEvent(2_000uL, Ws402SessionEvent.BytesOut(100uL))  // 20 + 100
            meter.onEvent(3_000uL, Ws402SessionEvent.Suspend)  // the connection dropped: nothing accrues until Resume
            meter.onEvent(60_000uL, Ws402SessionEvent.Resume)
            val frame = meter.maySend(60_500uL, 900uL)  // 35 + 100 + 900 > 1000: the frame is not sent
            if (frame.status == Ws402TariffStatus.ENDED) println("${frame.end?.reason} ${frame.end?.consumed} ${frame.end?.refund}")
        }
        // README-tariff:end
        assertEquals(listOf("BALANCE_EXHAUSTED 135 865"), printed)
    }

    @Test
    fun `the README's client example pays an EVM and a Solana offer`() {
        val rpc = JsonRpc(allowance = BigInteger.TEN.pow(18))
        val facilitator = Facilitator()
        val shops = listOf(Shop(listOf(Scheme.EXACT_PERMIT2.offer), facilitator.url), Shop(listOf(Scheme.EXACT_SVM.offer), facilitator.url))
        try {
            val usdc = USDC
            val usdcDevnet = SvmVector.mint
            val privateKey = EVM_KEY
            val solanaSeed = SvmVector.seed
            val baseSepoliaRpc = rpc.url.toString()
            val solanaDevnetRpc = rpc.url.toString()
            val printed = mutableListOf<String>()
            fun println(line: String) { printed += line }
            for (url in shops.map { it.url.toString() }) {
                // README:begin
                val budget = ClientBudget()  // limits per (network, asset), EVM and Solana together
                budget.add("eip155:84532", usdc, BudgetLimits(perRequest = "50000", total = "1000000"))
                budget.add("solana-devnet", usdcDevnet, BudgetLimits(perRequest = "50000", total = "1000000"))
                val client = X402HttpClient(
                    HttpClient.newHttpClient(), budget, networks = listOf("eip155:84532", "solana-devnet"),
                    evm = EvmPayer(privateKey, listOf(usdc), rpcUrl = URI(baseSepoliaRpc)),  // Permit2 allowance: eth_call
                    solana = SolanaPayer(solanaSeed, listOf(usdcDevnet), rpcUrl = URI(solanaDevnetRpc)),  // getLatestBlockhash
                )
                try {
                    val response = client.send(HttpRequest.newBuilder(URI(url)).build())  // a 402 is paid once
                    println("${response.statusCode()} ${response.body().decodeToString()}")
                } catch (e: X402PaymentRefused) {  // the paid retry was refused; definitive: the budget got it back
                    println("refused ${e.status}: ${e.code} ${e.detailCode} ${e.serverMessage} definitive=${e.definitive}")
                } catch (e: Permit2ApprovalRequired) {  // nothing sent: approve Permit2 first
                    val a = e.approval
                    println("approve ${a.spender} for ${a.amount} of ${a.token} on chain ${a.chainId}")
                } catch (e: Pay402Exception.Budget) {  // over a limit: nothing signed or sent
                    println("${e.code}: asked ${e.amount}, left ${e.remaining}")
                }
                // README:end
            }
            assertEquals(
                listOf("""200 {"payer":"$EVM_PAYER"}""", """200 {"payer":"${svmPublicKey(SvmVector.seed)}"}"""),
                printed,
            )
        } finally {
            shops.forEach { it.close() }
            facilitator.close()
            rpc.close()
        }
    }
}
