// The settlement ops of tests/conformance/vectors/README.md (`evm.tx.sign`, `x402.settle.calldata`)
// through the Kotlin API, named as the Rust runner (tests/conformance/runner/src/ops) names them.
package org.pay402

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put

internal object SettleOps {
    private fun JsonObject.text(key: String): String =
        (this[key] as? JsonPrimitive)?.takeIf { it.isString }?.content ?: throw BadInput(key)

    private fun JsonObject.decimalU64(key: String): ULong = text(key).toULongOrNull() ?: throw BadInput(key)

    private fun hex(text: String, field: String): ByteArray =
        try { text.removePrefix("0x").hexToBytes() } catch (e: IllegalArgumentException) { throw BadInput(field) }

    private fun ByteArray.to0x(): String = "0x" + toHex()

    fun txSign(input: JsonObject): JsonObject {
        val tx = input["tx"] as? JsonObject ?: throw BadInput("tx")
        val chainId = (tx["chainId"] as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toULongOrNull()
            ?: throw BadInput("tx.chainId")
        val accessList = (tx["accessList"] as? JsonArray ?: JsonArray(emptyList())).map { item ->
            val entry = item as? JsonObject ?: throw BadInput("accessList")
            val keys = entry["storageKeys"] as? JsonArray ?: throw BadInput("storageKeys")
            AccessListEntry(
                address = entry.text("address"),
                storageKeys = keys.map { hex((it as? JsonPrimitive)?.content ?: throw BadInput("storageKeys"), "storageKeys") },
            )
        }
        val signed = signEip1559Transaction(
            Eip1559Transaction(
                chainId = chainId,
                nonce = tx.decimalU64("nonce"),
                maxPriorityFeePerGas = tx.text("maxPriorityFeePerGas"),
                maxFeePerGas = tx.text("maxFeePerGas"),
                gas = tx.decimalU64("gas"),
                to = tx.text("to"),
                value = tx.text("value"),
                data = hex(tx.text("data"), "tx.data"),
                accessList = accessList,
            ),
            hex(input.text("private_key_hex"), "private_key_hex"),
        )
        return buildJsonObject {
            put("raw", signed.raw.to0x())
            put("hash", signed.hash.to0x())
            put("from", signed.from)
        }
    }

    fun settleCalldata(input: JsonObject): JsonObject {
        val requirements = input["requirements"] as? JsonObject ?: throw BadInput("requirements")
        val settleAmount = (input["settle_amount"] as? JsonPrimitive)?.content
        val call = x402SettleCalldata(requirements.toString(), input.text("payment"), settleAmount)
        return buildJsonObject {
            put("to", call.to)
            put("data", call.data.to0x())
        }
    }

    fun erc20Transfer(input: JsonObject): JsonObject =
        buildJsonObject { put("data", erc20TransferCalldata(input.text("to"), input.text("amount")).to0x()) }

    fun refundOrder(input: JsonObject): JsonObject {
        val o = refundOrderForSession(
            hex(input.text("session_id"), "session_id"), input.text("network"), input.text("asset"), input.text("to"),
            input.text("amount"),
        )
        return o.use {
            buildJsonObject {
                put("key", it.key().toHex())
                put("network", it.network())
                put("asset", it.asset().lowercase())
                put("to", it.to().lowercase())
                put("amount", it.amount())
                put("tx_to", it.txTo().lowercase())
                put("tx_value", it.txValue())
                put("calldata", "0x" + it.calldata().toHex())
            }
        }
    }

    fun refundOutcome(input: JsonObject): JsonObject {
        val o = input["order"] as? JsonObject ?: throw BadInput("order")
        val steps = input["steps"] as? JsonArray ?: throw BadInput("steps")
        RefundOrder(ByteArray(32), o.text("network"), o.text("asset"), o.text("to"), o.text("amount")).use { order ->
            val refunds = mutableListOf(Refund(order))
            try {
                var end: RefundResult? = null
                for (element in steps) {
                    val step = element as? JsonObject ?: throw BadInput("steps")
                    val (name, value) = step.entries.singleOrNull() ?: throw BadInput("steps")
                    fun text(): String = (value as? JsonPrimitive)?.takeIf { it.isString }?.content ?: throw BadInput(name)
                    val r = refunds.last()
                    when (name) {
                        "resume" -> refunds.add(Refund(order, text()))
                        "send_failed" -> end = r.sendFailed(text())
                        "submitted" -> end = r.submitted(text())
                        "confirmed" -> end = r.confirmed()
                        "reverted" -> end = r.reverted()
                        "receipt_unavailable" -> end = r.receiptUnavailable(text())
                        else -> throw BadInput("steps")
                    }
                }
                val result = end ?: throw BadInput("steps")
                if (refunds.last().phase() != "ended") throw BadInput("steps")
                return buildJsonObject {
                    put("verdict", result.verdict)
                    put("result", Json.parseToJsonElement(result.json))
                }
            } finally {
                refunds.forEach { it.close() }
            }
        }
    }

    fun outcome(input: JsonObject): JsonObject {
        val method = when (input.text("method")) {
            "eip3009" -> SettleMethod.EIP3009
            "permit2" -> SettleMethod.PERMIT2
            else -> throw BadInput("method")
        }
        val amount = (input["amount"] as? JsonPrimitive)?.content
        val steps = input["steps"] as? JsonArray ?: throw BadInput("steps")
        EvmSettlement(input.text("network"), input.text("payer"), method, amount).use { s ->
            var end: SettlementResult? = null
            for (element in steps) {
                val step = element as? JsonObject ?: throw BadInput("steps")
                val (name, value) = step.entries.singleOrNull() ?: throw BadInput("steps")
                fun text(): String = (value as? JsonPrimitive)?.takeIf { it.isString }?.content ?: throw BadInput(name)
                end = when (name) {
                    "refused" -> {
                        val o = value as? JsonObject ?: throw BadInput(name)
                        s.refused(o.text("reason"), (o["message"] as? JsonPrimitive)?.content)
                    }
                    "without_transaction" -> s.withoutTransaction()
                    "transfer_reverted" -> s.transferReverted(text())
                    "submitted" -> s.submitted(text())
                    "confirmed" -> s.confirmed()
                    "reverted" -> s.reverted()
                    "receipt_unavailable" -> s.receiptUnavailable(text())
                    else -> throw BadInput("steps")
                }
            }
            val result = end ?: throw BadInput("steps")
            if (s.phase() != "ended") throw BadInput("steps")
            return buildJsonObject {
                put("response", Json.parseToJsonElement(result.json))
                put("verdict", result.verdict)
            }
        }
    }

    fun svmOutcome(input: JsonObject): JsonObject {
        val steps = input["steps"] as? JsonArray ?: throw BadInput("steps")
        SvmSettlement(input.text("network"), input.text("payer")).use { s ->
            var end: SettlementResult? = null
            for (element in steps) {
                val step = element as? JsonObject ?: throw BadInput("steps")
                val (name, value) = step.entries.singleOrNull() ?: throw BadInput("steps")
                fun text(): String = (value as? JsonPrimitive)?.takeIf { it.isString }?.content ?: throw BadInput(name)
                end = when (name) {
                    "refused" -> {
                        val o = value as? JsonObject ?: throw BadInput(name)
                        s.refused(o.text("reason"), (o["message"] as? JsonPrimitive)?.content)
                    }
                    "simulation_failed" -> s.simulationFailed(text())
                    "simulation_error" -> s.simulationError(text())
                    "duplicate" -> s.duplicate()
                    "send_failed" -> s.sendFailed(text())
                    "submitted" -> s.submitted(text())
                    "confirmed" -> s.confirmed()
                    "failed" -> s.failed(text())
                    "confirmation_timeout" -> s.confirmationTimeout(text())
                    else -> throw BadInput("steps")
                }
            }
            val result = end ?: throw BadInput("steps")
            if (s.phase() != "ended") throw BadInput("steps")
            return buildJsonObject {
                put("response", Json.parseToJsonElement(result.json))
                put("verdict", result.verdict)
            }
        }
    }

    fun revertReason(input: JsonObject): JsonObject =
        buildJsonObject { put("reason", x402SettleRevertReason(input.text("revert"))) }

    fun cosign(input: JsonObject): JsonObject {
        val c = svmCosign(
            java.util.Base64.getDecoder().decode(input.text("transaction")),
            hex(input.text("fee_payer_seed_hex"), "fee_payer_seed_hex"),
        )
        return buildJsonObject {
            put("transaction", java.util.Base64.getEncoder().encodeToString(c.transaction))
            put("signature", c.signature)
        }
    }
}
