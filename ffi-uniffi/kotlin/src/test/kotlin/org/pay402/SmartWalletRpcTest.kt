// Smart-wallet payers through a Kotlin RPC object: x402VerifyWithRpc asks rpc.getCode for the
// payer's code, then (for a payer with code, or a counterfactual ERC-6492 wallet) makes one
// rpc.call, and the core decides each step. The fake RPC answers with the constants of the
// specifications, never with values taken from pay402: the EIP-1271 magic value 0x1626ba7e as an
// ABI-encoded bytes4 (https://eips.ethereum.org/EIPS/eip-1271), the EIP-7702 delegation
// designator 0xef0100 || address (https://eips.ethereum.org/EIPS/eip-7702) and the ERC-6492
// suffix 0x6492…6492 (https://eips.ethereum.org/EIPS/eip-6492). The payment is the x402 v2
// specification's EIP-3009 example (https://github.com/coinbase/x402,
// specs/schemes/exact/scheme_exact_evm.md). The same cases as ffi-python/tests/test_smart_wallet.py
// and ffi-wasm/tests/smart-wallet-rpc.mjs; the chain itself is exercised by
// core/host/tests/chain_smart_wallet.rs on the local node (tests/chain/run.sh).
package org.pay402

import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.util.Base64

class SmartWalletRpcTest {
    private val requirements =
        """{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e","payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"""
    private val payer = "0x857b06519E91e3A54538791bDbb0E22373e36b66"
    private val eoaSignature =
        "0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c"
    private val now = 1_740_672_100uL
    private val magic = hex("1626ba7e") + ByteArray(28)
    private val contractCode = hex("6080604052")
    private val delegate = "0x" + "22".repeat(20)
    private val smartSignature = "0x" + "ab".repeat(100) // a wallet's own format, not an EOA's 65 bytes

    private fun hex(text: String): ByteArray =
        text.removePrefix("0x").chunked(2).map { it.toInt(16).toByte() }.toByteArray()

    private fun header(signature: String): String {
        val payment =
            """{"x402Version":2,"accepted":$requirements,"payload":{"signature":"$signature","authorization":{"from":"$payer","to":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","value":"10000","validAfter":"1740672089","validBefore":"1740672154","nonce":"0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"}}}"""
        return Base64.getEncoder().encodeToString(payment.toByteArray())
    }

    /** Answers from fixed values and records what it was asked. */
    private class FakeRpc(
        val code: ByteArray = ByteArray(0),
        val answer: ByteArray? = null,
        val throws: String? = null,
    ) : EvmRpc {
        val asked = mutableListOf<String>()
        val calls = mutableListOf<Pair<String, ByteArray>>()

        override fun getCode(address: String): ByteArray {
            asked += address
            if (throws == "getCode") throw Pay402Exception.InvalidArgument("io", "connection refused")
            return code
        }

        override fun call(to: String, data: ByteArray): ByteArray? {
            calls += to to data
            if (throws == "call") throw Pay402Exception.InvalidArgument("io", "read timed out")
            return answer
        }
    }

    private fun verify(rpc: EvmRpc, signature: String = eoaSignature, factories: List<String> = emptyList()) =
        x402VerifyWithRpc(requirements, header(signature), now, VerifyOptions(), rpc, factories)

    @Test
    fun `an EOA payer without code is recovered and needs no call`() {
        val rpc = FakeRpc()
        val ok = verify(rpc)
        assertNull(ok.route)
        assertEquals(payer, ok.payment.payer)
        assertEquals("10000", ok.payment.amount)
        assertEquals(listOf(payer), rpc.asked)
        assertEquals(0, rpc.calls.size)
    }

    @Test
    fun `strict offline verification keeps refusing a smart-wallet signature, saying why`() {
        val e = assertThrows<Pay402Exception.X402> { x402Verify(requirements, header(smartSignature), now, VerifyOptions()) }
        assertEquals("invalid_exact_evm_signature", e.code)
        assertEquals("smart_wallet_needs_rpc", e.detailCode)
    }

    @Test
    fun `a contract payer is checked with EIP-1271 isValidSignature on the payer`() {
        val rpc = FakeRpc(code = contractCode, answer = magic)
        val ok = verify(rpc, smartSignature)
        assertEquals("eip1271", ok.route)
        assertEquals(1, rpc.calls.size)
        val (to, data) = rpc.calls[0]
        assertEquals(payer, to)
        assertArrayEquals(hex("1626ba7e"), data.copyOfRange(0, 4)) // isValidSignature(bytes32,bytes)
        assertArrayEquals(hex("ab".repeat(100)), data.copyOfRange(100, 200)) // the signature argument
    }

    @Test
    fun `a contract payer is refused unless the magic value comes back`() {
        for ((answer, detail) in listOf(ByteArray(32) to "eip1271_rejected", null to "eip1271_reverted")) {
            val e = assertThrows<Pay402Exception.X402> { verify(FakeRpc(code = contractCode, answer = answer), smartSignature) }
            assertEquals("invalid_exact_evm_signature", e.code)
            assertEquals(detail, e.detailCode)
        }
    }

    @Test
    fun `an EIP-7702 delegated EOA takes the EIP-1271 route on itself`() {
        val rpc = FakeRpc(code = hex("ef0100") + hex(delegate), answer = magic)
        assertEquals("eip7702_eip1271", verify(rpc, smartSignature).route)
        assertEquals(payer, rpc.calls.single().first)
    }

    @Test
    fun `an RPC that throws fails closed`() {
        for (where in listOf("getCode", "call")) {
            val e = assertThrows<Pay402Exception.X402> { verify(FakeRpc(code = contractCode, answer = magic, throws = where), smartSignature) }
            assertEquals("rpc_unavailable", e.code)
        }
    }

    // --- the same payer through X402Server: admitWithRpc admits it, admit (no chain) says why not ---

    private val server = X402Server(
        listOf(
            X402Offer(
                scheme = "exact", network = "eip155:84532", asset = "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                amount = "10000", payTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", maxTimeoutSeconds = 60uL,
                eip712Name = "USDC", eip712Version = "2",
            ),
        ),
        X402Resource("https://api.example.com/premium-data", "Access to premium market data", "application/json"),
    )
    private val paid = listOf(HttpHeader("PAYMENT-SIGNATURE", header(smartSignature)))

    private fun refusal(admission: X402Admission): X402Reply =
        (admission as? X402Admission.Refused ?: error("admitted: $admission")).reply

    @Test
    fun `the server admits a smart-wallet payer through the chain, and says why without one`() {
        val rpc = FakeRpc(code = contractCode, answer = magic)
        val admitted = server.admitWithRpc(paid, now, rpc, emptyList())
        val payment = (admitted as? X402Admission.Admitted ?: error("refused: $admitted")).payment
        assertEquals(payer, payment.payer())
        assertEquals(listOf(payer), rpc.asked)
        assertEquals(1, rpc.calls.size)

        val offline = refusal(server.admit(paid, now))
        assertEquals(402.toUShort(), offline.status)
        assertEquals("smart_wallet_needs_rpc", offline.detailCode)
    }

    @Test
    fun `the server refuses a wallet that does not vouch for the signature, and fails closed when the chain cannot be read`() {
        val rejected = refusal(server.admitWithRpc(paid, now, FakeRpc(code = contractCode, answer = ByteArray(32)), emptyList()))
        assertEquals(402.toUShort(), rejected.status)
        assertEquals("eip1271_rejected", rejected.detailCode)

        val down = refusal(server.admitWithRpc(paid, now, FakeRpc(code = contractCode, answer = magic, throws = "getCode"), emptyList()))
        assertEquals(503.toUShort(), down.status)
        assertEquals("smart_wallet_check_unavailable", down.code)
    }

    @Test
    fun `a counterfactual wallet is refused while its factory is not allow-listed`() {
        val factory = "0x" + "fa".repeat(20)
        val word = { n: Int -> ByteArray(31) + byteArrayOf(n.toByte()) }
        val calldata = hex("5fbfb9cf") + ByteArray(60) // 64 bytes
        val inner = hex("ab".repeat(100))
        val padded = { b: ByteArray -> word(b.size) + b + ByteArray((32 - b.size % 32) % 32) }
        // abi.encode(address factory, bytes calldata, bytes signature) || the ERC-6492 suffix
        val wrapped = ByteArray(12) + hex(factory) + word(96) + word(96 + padded(calldata).size) +
            padded(calldata) + padded(inner) + hex("6492".repeat(16))
        val signature = "0x" + wrapped.joinToString("") { "%02x".format(it) }
        val e = assertThrows<Pay402Exception.X402> { verify(FakeRpc(), signature) }
        assertEquals("eip6492_factory_not_allowed", e.code)
    }
}
