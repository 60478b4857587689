// Every shared vector file (tests/conformance/vectors/*.json and server/*.json, tests/conformance/vectors/README.md) through the Kotlin API:
// one dynamic test per case, grouped per file. An unknown op fails; only the ops of NOT_EXPOSED
// (core ops the Kotlin binding does not export yet) are skipped, by name and with their reason.
package org.pay402

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.DynamicContainer
import org.junit.jupiter.api.DynamicContainer.dynamicContainer
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.fail
import java.io.File

class VectorsTest {
    companion object {
        // Run by the Rust conformance runner (tests/conformance/runner); an op leaves this table
        // when the binding exposes it.
        val NOT_EXPOSED = mapOf(
            "ws402.record.seal" to "sealed WS402 session records are made by the core's session machine; not bound yet",
            "ws402.record.open" to "sealed WS402 session records are made by the core's session machine; not bound yet",
            "x402.settle.terms" to "Kotlin/Swift have no facilitator settlement backend that reads /settle bodies",
            "ws402.grant.refusal" to "the HTTP grant answers' bodies are bound in Python and JS (their grant middlewares); the Kotlin WS402 server is not written yet",
            "ws402.grant.charge" to "the tariff meter's HTTP charge (serve_http) is bound in Python and JS; not bound for Kotlin yet",
            "ws402.client" to "the WS402 client tracker (pay402::ws402::ClientSession) is bound in Python and JS; the Kotlin WS402 client is not written yet",
            "page.offers" to "the browser page's paying-side decisions: run in the paywall page's wasm, not bound for Kotlin",
            "page.balance_covers" to "the browser page's paying-side decisions: run in the paywall page's wasm, not bound for Kotlin",
            "page.erc20_balance_call" to "the browser page's paying-side decisions: run in the paywall page's wasm, not bound for Kotlin",
            "page.svm_mint" to "the browser page's paying-side decisions: run in the paywall page's wasm, not bound for Kotlin",
        )
    }

    private val dir = File(System.getProperty("pay402.vectors") ?: "../../tests/conformance/vectors")

    // Every file of the vector directory.
    private fun files(): List<File> =
        (dir.listFiles { f -> f.name.endsWith(".json") } ?: emptyArray()).sortedBy { it.name }

    @TestFactory
    fun vectors(): List<DynamicContainer> {
        val files = files()
        assertTrue(files.isNotEmpty(), "no vector files in ${dir.absolutePath}")
        return files.map { file ->
            val root = Json.parseToJsonElement(file.readText()) as JsonObject
            val suite = (root["suite"] as JsonPrimitive).content
            val cases = root["cases"] as JsonArray
            assertTrue(cases.isNotEmpty(), "${file.name} has no cases")
            dynamicContainer(file.relativeTo(dir).path, cases.mapIndexed { i, element ->
                val case = element as JsonObject
                val name = (case["name"] as? JsonPrimitive)?.content ?: "#$i"
                dynamicTest("$suite/$name") { check(case) }
            })
        }
    }

    private fun check(case: JsonObject) {
        val op = (case["op"] as? JsonPrimitive)?.content ?: fail("case without op")
        val reason = NOT_EXPOSED[op]
        if (reason != null) {
            println("skipped $op: $reason")
            assumeTrue(false, "$op: $reason")
        }
        val input = case["input"] as? JsonObject ?: fail("case without input")
        val expect = case["expect"] as? JsonObject ?: fail("case without expect")
        val outcome: Result<JsonObject> = try {
            Result.success(VectorOps.run(op, input))
        } catch (e: Pay402Exception) {
            Result.failure(e)
        }
        val ok = expect["ok"] as? JsonObject
        val error = (expect["error"] as? JsonPrimitive)?.content
        when {
            ok != null && error == null -> {
                val result = outcome.getOrElse { fail("expected ok $ok, got error ${(it as Pay402Exception).code}: ${it.reason}") }
                for ((key, want) in ok) {
                    val have = result[key] ?: fail("expected $key = $want, got no $key")
                    if (!valuesMatch(want, have)) fail("expected $key = $want, got $have")
                }
            }
            ok == null && error != null -> {
                val e = outcome.exceptionOrNull() as? Pay402Exception ?: fail("expected error $error, got ok ${outcome.getOrNull()}")
                if (error != "*" && e.code != error) fail("expected error $error, got error ${e.code}: ${e.reason}")
            }
            else -> fail("expected exactly one of expect.ok / expect.error")
        }
    }
}
