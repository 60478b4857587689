// The paying HTTP client of the Kotlin binding, on the JDK's java.net.http.HttpClient: a 402 that
// carries x402 requirements is answered once with a payment of any scheme the core signs (exact
// EIP-3009, exact Permit2, upto Permit2, Solana exact) within a ClientBudget, and the paid answer
// is returned. Every decision — which offer, what is signed, the approval a Permit2 payment
// needs, whether a refusal is definitive, what the budget counts — is the core's (X402Client);
// this file does the I/O: the HTTP requests, the allowance read (eth_call) and the Solana chain
// state (getLatestBlockhash, getAccountInfo), over JSON-RPC with the same HttpClient.
package org.pay402

import java.math.BigInteger
import java.net.ConnectException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.security.SecureRandom
import java.time.Duration
import java.util.Base64

/**
 * A paid retry the server refused: its [code], [detailCode] and [serverMessage] (the x402
 * `error`, `errorDetail` and `errorMessage`), the [status] and the [response]. When [definitive],
 * the payment was not taken and the budget got the amount back; otherwise the amount stays counted.
 */
class X402PaymentRefused(
    val status: Int,
    val code: String,
    val detailCode: String?,
    val serverMessage: String?,
    val definitive: Boolean,
    val response: HttpResponse<ByteArray>,
) : RuntimeException(
    "the server refused the payment ($status): $code" +
        (detailCode?.let { " ($it)" } ?: "") + (serverMessage?.let { ": $it" } ?: ""),
)

/**
 * A Permit2 offer was chosen but [owner]'s ERC-20 allowance to Permit2 ([allowance]) is below
 * what it needs: make [approval] (`token.approve(spender, amount)` on `chainId`) and send again.
 * Nothing was signed, sent or counted.
 */
class Permit2ApprovalRequired(
    val approval: Permit2Approval,
    val owner: String,
    val allowance: BigInteger,
    cause: Pay402Exception,
) : RuntimeException(
    "approve Permit2 (${approval.spender}) to spend at least ${approval.amount} of ${approval.token} " +
        "on chain ${approval.chainId} for $owner (allowance: $allowance)",
    cause,
)

/** A JSON-RPC call failed or answered an error (`code` is `rpc_failed` or `unknown_mint`). */
class X402RpcException(val code: String, message: String) : RuntimeException(message)

/**
 * The Solana payer: its 32-byte ed25519 [seed], the [mints] it pays with, and where the chain
 * state comes from: [recentBlockhash] (given the network's CAIP-2 id, a base58 blockhash) or
 * `getLatestBlockhash` on [rpcUrl]; a mint's decimals and program from [mint], the mints the core
 * knows (USDC), or the mint account on [rpcUrl].
 */
class SolanaPayer(
    val seed: ByteArray,
    val mints: List<String>,
    val rpcUrl: URI? = null,
    val recentBlockhash: ((network: String) -> String)? = null,
    val mint: ((mint: String) -> SvmMint?)? = null,
) {
    init {
        require(seed.size == 32) { "seed: 32 bytes" }
    }
}

/**
 * An external wallet (a hardware key, a wallet app) that signs EIP-712 typed data: the
 * `eth_signTypedData_v4` parameter and its 32-byte digest, answering the 65-byte signature
 * `r ‖ s ‖ v`.
 */
fun interface EvmSigner {
    fun signTypedData(typedDataJson: String, digest: ByteArray): ByteArray
}

/**
 * The EVM payer: its 32-byte secp256k1 private key, or its [address] and an [EvmSigner]; the
 * ERC-20 [assets] it pays with; and where its ERC-20 allowance to Permit2 comes from (for Permit2
 * offers): [allowance] (given the approval needed and the owner) or `eth_call allowance(owner,
 * spender)` on [rpcUrl]. With neither, the allowance is not read and a missing approval shows as
 * the facilitator's refusal.
 */
class EvmPayer private constructor(
    /** The payer's address. */
    val address: String,
    internal val privateKey: ByteArray?,
    internal val signer: EvmSigner?,
    val assets: List<String>,
    val rpcUrl: URI?,
    val allowance: ((approval: Permit2Approval, owner: String) -> BigInteger)?,
) {
    /** A payer whose key the app holds. */
    @JvmOverloads constructor(
        privateKey: ByteArray,
        assets: List<String>,
        rpcUrl: URI? = null,
        allowance: ((approval: Permit2Approval, owner: String) -> BigInteger)? = null,
    ) : this(privateKeyToAddress(privateKey), privateKey.copyOf(), null, assets, rpcUrl, allowance)

    /** A payer whose wallet signs: the signature must recover [address]. */
    @JvmOverloads constructor(
        address: String,
        signer: EvmSigner,
        assets: List<String>,
        rpcUrl: URI? = null,
        allowance: ((approval: Permit2Approval, owner: String) -> BigInteger)? = null,
    ) : this(address, null, signer, assets, rpcUrl, allowance)
}

/**
 * Sends requests through [http] and pays a 402 once, within [budget]: the offer is chosen among
 * the [networks] and the payers' assets, paid with [evm] or [solana], and the request is sent
 * again with the payment. [send] returns the paid answer, or throws [X402PaymentRefused] (the
 * paid retry was refused), [Permit2ApprovalRequired], or [Pay402Exception] (`Budget`: over a limit,
 * nothing sent; `Client`: no acceptable offer, …). [clock] gives Unix seconds.
 */
class X402HttpClient @JvmOverloads constructor(
    private val http: HttpClient,
    val budget: ClientBudget,
    networks: List<String>,
    private val evm: EvmPayer? = null,
    private val solana: SolanaPayer? = null,
    schemes: List<String> = emptyList(),
    private val clock: () -> Long = { System.currentTimeMillis() / 1000 },
    private val random: SecureRandom = SecureRandom(),
) {
    private val client = X402Client(
        X402ClientConfig(
            networks = networks,
            evmAssets = evm?.assets ?: emptyList(),
            svmAssets = solana?.mints ?: emptyList(),
            schemes = schemes,
        ),
        budget,
    )

    /** Sends [request]; a 402 with x402 requirements is paid once and the paid answer returned. */
    fun send(request: HttpRequest): HttpResponse<ByteArray> {
        val response = http.send(request, HttpResponse.BodyHandlers.ofByteArray())
        if (response.statusCode() != 402 || !carriesX402(response)) return response
        return pay(request, response)
    }

    private fun carriesX402(response: HttpResponse<ByteArray>): Boolean =
        response.headers().firstValue("PAYMENT-REQUIRED").isPresent ||
            response.body().decodeToString().contains("\"x402Version\"")

    private fun pay(request: HttpRequest, response: HttpResponse<ByteArray>): HttpResponse<ByteArray> {
        val now = clock().toULong()
        client.choose(headersOf(response), response.body(), now).use { chosen ->
            val payment = when (chosen.kind()) {
                "exact_svm" -> {
                    val payer = solana ?: throw IllegalStateException("a Solana offer was chosen but no SolanaPayer was given")
                    client.paySvm(chosen, payer.seed, svmChain(chosen, payer), bytes(16), now)
                }
                else -> {
                    val payer = evm ?: throw IllegalStateException("an EVM offer was chosen but no EvmPayer was given")
                    chosen.approval()?.let { checkAllowance(chosen, it, payer) }
                    val nonce = bytes(32)
                    if (payer.privateKey != null) {
                        client.payEvm(chosen, payer.privateKey, now, nonce)
                    } else {
                        val typed = client.typedData(chosen, payer.address, now, nonce)
                        val signature = payer.signer!!.signTypedData(typed.typedDataJson, typed.digest)
                        client.payEvmSigned(chosen, payer.address, now, nonce, signature)
                    }
                }
            }
            payment.use { return retry(request, it) }
        }
    }

    private fun checkAllowance(chosen: X402ChosenOffer, approval: Permit2Approval, payer: EvmPayer) {
        val allowance = when {
            payer.allowance != null -> payer.allowance.invoke(approval, payer.address)
            payer.rpcUrl != null -> erc20Allowance(payer.rpcUrl, approval.token, payer.address, approval.spender)
            else -> return
        }
        try {
            client.checkAllowance(chosen, allowance.toString())
        } catch (e: Pay402Exception.Client) {
            if (e.code == "permit2_allowance_required") throw Permit2ApprovalRequired(approval, payer.address, allowance, e)
            throw e
        }
    }

    private fun retry(request: HttpRequest, payment: X402Payment): HttpResponse<ByteArray> {
        val paidRequest = HttpRequest.newBuilder(request) { name, _ -> !name.equals(payment.headerName(), ignoreCase = true) }
            .header(payment.headerName(), payment.headerValue())
            .build()
        val paid = try {
            http.send(paidRequest, HttpResponse.BodyHandlers.ofByteArray())
        } catch (e: ConnectException) {
            payment.release() // the payment never reached the server
            throw e
        } // any other failure may have reached it: the amount stays counted
        when (val outcome = client.complete(payment, paid.statusCode().toUShort(), headersOf(paid), paid.body())) {
            is X402PaidOutcome.Refused -> throw X402PaymentRefused(
                outcome.status.toInt(), outcome.code, outcome.detailCode, outcome.message, outcome.definitive, paid,
            )
            else -> return paid
        }
    }

    private fun bytes(n: Int) = ByteArray(n).also { random.nextBytes(it) }

    // ---------------------------------------------------------------- chain reads (JSON-RPC)

    private fun svmChain(chosen: X402ChosenOffer, payer: SolanaPayer): SvmChainState {
        val url = payer.rpcUrl
        fun need(what: String) = X402RpcException("solana_rpc_required", "a Solana payment needs $what: give SolanaPayer.rpcUrl")
        val blockhash = payer.recentBlockhash?.invoke(chosen.network())
            ?: url?.let { rpc(it, "getLatestBlockhash", """[{"commitment":"confirmed"}]""").field("blockhash") }
            ?: throw need("a recent blockhash")
        val asset = chosen.asset()
        val mint = payer.mint?.invoke(asset) ?: svmKnownMint(asset) ?: run {
            val rpcUrl = url ?: throw need("the decimals and token program of mint $asset")
            val answer = rpc(rpcUrl, "getAccountInfo", """["$asset",{"encoding":"base64"}]""")
            val data = Regex(""""data"\s*:\s*\[\s*"([A-Za-z0-9+/=]*)"""").find(answer)?.groupValues?.get(1)
                ?: throw X402RpcException("unknown_mint", "mint $asset does not exist")
            val account = Base64.getDecoder().decode(data)
            if (account.size < 45) throw X402RpcException("unknown_mint", "mint $asset: not a mint account")
            SvmMint(decimals = account[44].toUByte(), tokenProgram = answer.field("owner"))
        }
        return SvmChainState(recentBlockhash = blockhash, decimals = mint.decimals, tokenProgram = mint.tokenProgram)
    }

    /** ERC-20 `allowance(owner, spender)` (selector 0xdd62ed3e) of [token], read at `latest`. */
    private fun erc20Allowance(url: URI, token: String, owner: String, spender: String): BigInteger {
        fun word(address: String) = address.removePrefix("0x").lowercase().padStart(64, '0')
        val data = "0xdd62ed3e" + word(owner) + word(spender)
        val result = rpc(url, "eth_call", """[{"to":"$token","data":"$data"},"latest"]""").field("result")
        return if (result == "0x") BigInteger.ZERO else BigInteger(result.removePrefix("0x"), 16)
    }

    private fun rpc(url: URI, method: String, params: String): String {
        val request = HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("""{"jsonrpc":"2.0","id":1,"method":"$method","params":$params}"""))
            .build()
        val answer = http.send(request, HttpResponse.BodyHandlers.ofString())
        val body = answer.body()
        if (answer.statusCode() != 200 || Regex(""""error"\s*:\s*\{""").containsMatchIn(body) || !body.contains("\"result\"")) {
            throw X402RpcException("rpc_failed", "$method failed (${answer.statusCode()}): ${body.take(300)}")
        }
        return body
    }

    private fun String.field(name: String): String =
        Regex(""""$name"\s*:\s*"([^"]*)"""").find(this)?.groupValues?.get(1)
            ?: throw X402RpcException("rpc_failed", "no \"$name\" in the RPC answer: ${take(300)}")

    private companion object {
        fun headersOf(response: HttpResponse<*>): List<HttpHeader> =
            response.headers().map().flatMap { (name, values) -> values.map { HttpHeader(name, it) } }
    }
}
