// One function per op of tests/conformance/vectors/README.md, through the Kotlin API only: each reads the
// case's `input`, calls the bindings, and returns the result fields the way the Rust runner
// (tests/conformance/runner/src/ops) names them. A core failure surfaces as the Pay402Exception's code.
package org.pay402

import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.put
import kotlinx.serialization.json.putJsonArray
import java.util.Base64

/** A malformed vector input: a defect of the file, never a core verdict. */
class BadInput(field: String) : Exception("bad_vector_input:$field")

/** An op this suite does not know: the case fails, it is never skipped. */
class UnsupportedOp(op: String) : Exception("unsupported op $op")

private fun JsonObject.str(key: String): String =
    (this[key] as? JsonPrimitive)?.takeIf { it.isString }?.content ?: throw BadInput(key)

private fun JsonObject.optStr(key: String): String? =
    (this[key] as? JsonPrimitive)?.takeIf { it.isString }?.content

private fun JsonObject.u64(key: String): ULong =
    (this[key] as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toULongOrNull() ?: throw BadInput(key)

private fun JsonObject.u32(key: String): UInt =
    u64(key).takeIf { it <= UInt.MAX_VALUE.toULong() }?.toUInt() ?: throw BadInput(key)

private fun JsonObject.optU64(key: String): ULong? = if (this[key] == null) null else u64(key)

private fun onchainPayment(p: OnchainPayment): JsonObject = buildJsonObject {
    put("tx_key", p.txKey)
    put("payer", p.payer)
    put("amount", p.amount)
}

private fun onchainEvmVerify(i: JsonObject): JsonObject = onchainPayment(
    verifyEvmTransaction(
        i.str("receipt_json"), i.str("block_json"), i.str("head_json"), i.optStr("transaction_json"),
        i.u64("chain_id"), i.str("tx_hash"), i.str("asset"), i.str("pay_to"), i.str("min_amount"),
        i.optU64("max_age_secs"), i.u64("min_confirmations"), i.u64("now"),
    )
)

private fun onchainSvmVerify(i: JsonObject): JsonObject {
    val asset = i["asset"] as? JsonObject
    if (asset == null && i.optStr("asset") != "native") throw BadInput("asset")
    return onchainPayment(
        verifySvmTransaction(
            i.str("result_json"), i.str("fetched_at"), i.str("signature"),
            asset?.str("mint"), asset?.str("token_program"), i.str("pay_to"), i.str("min_amount"),
            i.optStr("reference"), i.optU64("max_age_secs"), i.str("min_commitment"), i.u64("now"),
        )
    )
}

private fun onchainPayper402Verify(i: JsonObject): JsonObject = onchainPayment(
    verifyPayper402(
        i.str("challenge"), i.u64("decimals").takeIf { it <= 255UL }?.toUByte() ?: throw BadInput("decimals"),
        i.str("signature"), i.str("result_json"), i.str("fetched_at"), i.str("mint"), i.str("token_program"),
        i.str("pay_to"), i.optStr("reference"), i.optU64("max_age_secs"), i.str("min_commitment"), i.u64("now"),
    )
)

private fun evmSignatureRoute(i: JsonObject): JsonObject {
    val r = routeSignature(i.hex("signature"), i.hex("code"), i.strings("allowed_factories"))
    return buildJsonObject {
        put("route", r.route)
        put("signature", r.signature.to0x())
        r.delegate?.let { put("delegate", it) }
        r.factory?.let { put("factory", it) }
        r.factoryCalldata?.let { put("factory_calldata", it.to0x()) }
    }
}

private fun JsonObject.obj(key: String): JsonObject = this[key] as? JsonObject ?: throw BadInput(key)

private fun JsonObject.arr(key: String): JsonArray = this[key] as? JsonArray ?: throw BadInput(key)

private fun JsonObject.strings(key: String): List<String> = when (val v = this[key]) {
    is JsonPrimitive -> if (v.isString) listOf(v.content) else throw BadInput(key)
    is JsonArray -> v.map { (it as? JsonPrimitive)?.takeIf { p -> p.isString }?.content ?: throw BadInput(key) }
    else -> throw BadInput(key)
}

private fun JsonObject.hex(key: String): ByteArray =
    try { str(key).hexToBytes() } catch (e: IllegalArgumentException) { throw BadInput(key) }

private fun ByteArray.to0x(): String = "0x" + toHex()

private fun std64(bytes: ByteArray): String = Base64.getEncoder().encodeToString(bytes)

private const val BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

/** The 32 bytes of a base58 Solana key or blockhash, or null (the input's defect). */
internal fun base58(text: String): ByteArray? {
    var n = java.math.BigInteger.ZERO
    for (c in text) {
        val digit = BASE58.indexOf(c).takeIf { it >= 0 } ?: return null
        n = n * java.math.BigInteger.valueOf(58) + java.math.BigInteger.valueOf(digit.toLong())
    }
    val body = n.toByteArray().dropWhile { it == 0.toByte() }
    val bytes = ByteArray(text.takeWhile { it == '1' }.length) + body.toByteArray()
    return bytes.takeIf { it.size == 32 }
}

/** Base64 of any alphabet, padded or not (as the core's `Base64Policy::ANY`). */
private fun anyBase64(text: String): ByteArray =
    Base64.getDecoder().decode(text.replace('-', '+').replace('_', '/').trimEnd('='))

object VectorOps {
    fun run(op: String, input: JsonObject): JsonObject = when (op) {
        "x402.roundtrip" -> x402Roundtrip(input)
        "x402.decode" -> x402Decode(input)
        "x402.verify" -> x402Verify(input)
        "x402.sign" -> x402Sign(input)
        "x402.select" -> x402Select(input)
        "x402.typed_data" -> x402TypedData(input)
        "x402.wallet_sign" -> x402WalletSign(input)
        "onchain.evm.verify" -> onchainEvmVerify(input)
        "onchain.svm.verify" -> onchainSvmVerify(input)
        "onchain.payper402.verify" -> onchainPayper402Verify(input)
        "evm.signature.route" -> evmSignatureRoute(input)
        "svm.build" -> svmBuild(input)
        "x402.svm_payment" -> x402SvmPayment(input)
        "x402.client_pay" -> x402ClientPay(input)
        "x402.paid_response" -> x402PaidResponseOp(input)
        "evm.eip3009.digest" -> eip3009Digest(input)
        "evm.eip3009.sign" -> eip3009SignOp(input)
        "evm.recover" -> evmRecover(input)
        "evm.permit2.digest" -> permit2Digest(input)
        "evm.tx.sign" -> SettleOps.txSign(input)
        "x402.settle.calldata" -> SettleOps.settleCalldata(input)
        "x402.settle.outcome" -> SettleOps.outcome(input)
        "evm.erc20.transfer" -> SettleOps.erc20Transfer(input)
        "x402.refund.order" -> SettleOps.refundOrder(input)
        "x402.refund.outcome" -> SettleOps.refundOutcome(input)
        "x402.settle.revert_reason" -> SettleOps.revertReason(input)
        "svm.cosign" -> SettleOps.cosign(input)
        "svm.settle.outcome" -> SettleOps.svmOutcome(input)
        "macaroon.decode" -> macaroonDecodeOp(input)
        "macaroon.mint" -> macaroonMintOp(input)
        "macaroon.verify" -> macaroonVerifyOp(input)
        "macaroon.bind" -> macaroonBindOp(input)
        "bolt11.decode" -> bolt11DecodeOp(input)
        "offers.decode" -> offersDecodeOp(input)
        "ws402.meter" -> ws402MeterOp(input)
        "ws402.session" -> ws402SessionOp(input)
        "ws402.message.decode", "ws402.message.encode", "ws402.resume_token" -> ws402WireOp(op, input)
        "ws402.grant.issue" -> ws402GrantIssueOp(input)
        "ws402.grant.check" -> ws402GrantCheckOp(input)
        "l402.challenge.parse" -> l402ChallengeParse(input)
        "l402.challenge.encode" -> l402ChallengeEncode(input)
        "l402.authorization.parse" -> l402AuthorizationParse(input)
        "l402.verify" -> l402VerifyOp(input)
        "l402.mint" -> l402MintOp(input)
        "server.admit" -> serverAdmit(input)
        "x402.offer_terms" -> offerTerms(input)
        "page.presentation" -> pagePresentationOp(input)
        "page.theme" -> pageThemeOp(input)
        else -> throw UnsupportedOp(op)
    }

    // ------------------------------------------------------------------ x402 codecs
    private fun kind(input: JsonObject): X402Kind = when (input.str("kind")) {
        "payment_required" -> X402Kind.PAYMENT_REQUIRED
        "payment_payload" -> X402Kind.PAYMENT_PAYLOAD
        "settle_response" -> X402Kind.SETTLE_RESPONSE
        else -> throw BadInput("kind")
    }

    private fun x402Roundtrip(input: JsonObject): JsonObject {
        val decoded = x402DecodeHeader(kind(input), input.str("header"))
        return buildJsonObject { put("header", x402EncodeHeader(decoded.json)) }
    }

    private fun x402Decode(input: JsonObject): JsonObject {
        val kind = kind(input)
        val header = input.optStr("header")
        val body = input.optStr("body")
        val decoded = when {
            header != null && body == null -> x402DecodeHeader(kind, header)
            header == null && body != null -> x402DecodeJson(kind, body)
            else -> throw BadInput("header|body")
        }
        return buildJsonObject {
            put("json", decoded.json)
            decoded.x402Version?.let { put("x402Version", it.toLong()) }
        }
    }

    private fun x402Verify(input: JsonObject): JsonObject {
        val policy = input["policy"] as? JsonObject
        val defaults = VerifyOptions()
        val options = VerifyOptions(
            amount = when (policy?.optStr("amount")) {
                null, "exact" -> null
                "at_least" -> AmountRule.AT_LEAST
                else -> throw BadInput("policy.amount")
            },
            signature = signaturePolicy(policy?.optStr("signature"), "policy.signature"),
            validBeforeSlack = if (policy?.containsKey("valid_before_slack") == true) policy.u64("valid_before_slack") else 6uL,
            settleAmount = input.optStr("settle_amount"),
            facilitator = input.optStr("facilitator"),
            // Solana (tests/conformance/runner/src/ops/x402.rs `svm_policy`); absent fields keep the core's defaults.
            feePayers = if (input.containsKey("fee_payers")) input.arr("fee_payers").map {
                (it as? JsonPrimitive)?.takeIf { p -> p.isString }?.content ?: throw BadInput("fee_payers")
            } else emptyList(),
            maxComputeUnitPrice = if (policy?.containsKey("max_compute_unit_price") == true)
                policy.u64("max_compute_unit_price") else defaults.maxComputeUnitPrice,
            maxComputeUnitLimit = if (policy?.containsKey("max_compute_unit_limit") == true)
                policy.u32("max_compute_unit_limit") else defaults.maxComputeUnitLimit,
            maxInstructions = if (policy?.containsKey("max_instructions") == true)
                policy.u32("max_instructions") else defaults.maxInstructions,
        )
        return when (val verified = x402Verify(input.obj("requirements").toString(), input.str("payment"), input.u64("now"), options)) {
            is VerifiedPayment.Evm -> buildJsonObject {
                put("payer", verified.payment.payer)
                put("nonce", verified.payment.nonce.to0x())
                put("amount", verified.payment.amount)
            }
            is VerifiedPayment.Svm -> buildJsonObject {
                put("payer", verified.payment.payer)
                put("amount", verified.payment.amount)
            }
        }
    }

    // ------------------------------------------------------------------ Solana client
    private fun svmBuild(input: JsonObject): JsonObject {
        val decimals = input.u64("decimals")
        if (decimals > 255uL) throw BadInput("decimals")
        val wire = svmBuildTransfer(
            payerSeed = input.hex("payer_seed_hex"),
            feePayer = input.str("fee_payer"),
            mint = input.str("mint"),
            payTo = input.str("pay_to"),
            tokenProgram = input.str("token_program"),
            amount = input.str("amount"),
            decimals = decimals.toUByte(),
            recentBlockhash = base58(input.str("recent_blockhash")) ?: throw BadInput("recent_blockhash"),
            memo = input.optStr("memo"),
        )
        return buildJsonObject { put("transaction", std64(wire)) }
    }

    private fun signaturePolicy(text: String?, field: String): SignaturePolicy? = when (text) {
        null, "strict" -> SignaturePolicy.STRICT
        "lenient" -> SignaturePolicy.LENIENT
        else -> throw BadInput(field)
    }

    // ------------------------------------------------------------------ x402 client
    private fun required(input: JsonObject): String = input.obj("payment_required").toString()

    private fun acceptIndex(input: JsonObject): UInt =
        if (input.containsKey("accept_index")) input.u64("accept_index").toUInt() else 0u

    private fun x402SvmPayment(input: JsonObject): JsonObject {
        val transaction = try {
            Base64.getDecoder().decode(input.str("transaction"))
        } catch (e: IllegalArgumentException) {
            throw BadInput("transaction")
        }
        val header = svmPaymentHeader(required(input), acceptIndex(input), transaction)
        return buildJsonObject { put("payment", header.headerValue) }
    }

    private fun x402ClientPay(input: JsonObject): JsonObject {
        val p = input.obj("policy")
        val chosen = x402Choose(
            required(input),
            ChoosePolicy(
                networks = p.strings("networks"),
                evmAssets = if (p.containsKey("evm_assets")) p.strings("evm_assets") else emptyList(),
                svmAssets = if (p.containsKey("svm_assets")) p.strings("svm_assets") else emptyList(),
                schemes = if (p.containsKey("schemes")) p.strings("schemes") else null,
                maxAmount = p.str("max_amount"),
                permit2Allowance = input.optStr("permit2_allowance"),
            ),
        )
        val payment = if (chosen.kind == "exact_svm") {
            val chain = input.obj("svm_chain")
            x402PaySvm(
                required(input), chosen.index, input.hex("svm_seed_hex"), chain.str("recent_blockhash"),
                chain.u64("decimals").toUByte(), chain.str("token_program"), input.hex("memo_nonce_hex"),
            )
        } else {
            x402PayEvm(required(input), chosen.index, input.hex("private_key_hex"), input.u64("now"), input.hex("nonce"))
        }
        return buildJsonObject {
            put("index", chosen.index.toLong())
            put("kind", chosen.kind)
            put("asset", chosen.asset)
            put("amount", chosen.amount)
            put("payment", payment)
        }
    }

    private fun x402PaidResponseOp(input: JsonObject): JsonObject {
        val headers = (input["headers"] as? JsonArray ?: JsonArray(emptyList())).map { pair ->
            val a = pair as? JsonArray ?: throw BadInput("headers")
            HttpHeader((a[0] as JsonPrimitive).content, (a[1] as JsonPrimitive).content)
        }
        val body = (input.optStr("body") ?: "").toByteArray()
        val a = x402PaidResponse(input.u64("status").toUShort(), headers, body)
        return buildJsonObject {
            put("verdict", a.verdict)
            when (a.verdict) {
                "served" -> { put("settled_amount", a.settledAmount); put("transaction", a.transaction) }
                "refused" -> {
                    put("code", a.code); put("detail_code", a.detailCode); put("message", a.message); put("definitive", a.definitive)
                }
            }
        }
    }

    private fun x402Sign(input: JsonObject): JsonObject {
        val header = x402Sign(required(input), acceptIndex(input), input.hex("private_key_hex"), input.u64("now"), input.hex("nonce"))
        return buildJsonObject { put("payment", header.headerValue) }
    }

    private fun x402Select(input: JsonObject): JsonObject {
        val policy = PayerPolicy(
            networks = input.arr("networks").map { (it as? JsonPrimitive)?.contentOrNull ?: throw BadInput("networks") },
            assets = input.arr("assets").map { (it as? JsonPrimitive)?.contentOrNull ?: throw BadInput("assets") },
            maxAmount = input.str("max_amount"),
            allowPermit2 = (input["allow_permit2"] as? JsonPrimitive)?.booleanOrNull ?: false,
        )
        val chosen = x402Select(required(input), policy)
        return buildJsonObject {
            put("index", chosen.index.toLong())
            put("method", if (chosen.method == AssetTransferMethod.EIP3009) "eip3009" else "permit2")
            put("chainId", chosen.chainId.toLong())
        }
    }

    private fun draft(input: JsonObject): PaymentDraft =
        PaymentDraft(required(input), acceptIndex(input), input.str("from"), input.u64("now"), input.hex("nonce"))

    private fun x402TypedData(input: JsonObject): JsonObject = draft(input).use { d ->
        buildJsonObject {
            put("digest", d.digest().to0x())
            put("typed_data", Json.parseToJsonElement(d.typedDataJson()))
        }
    }

    private fun x402WalletSign(input: JsonObject): JsonObject {
        val signature = input.str("signature")
        return draft(input).use { d ->
            val header = d.withWalletSignature(signature)
            buildJsonObject {
                put("payment", header.headerValue)
                put("signature", header.signature.to0x())
            }
        }
    }

    // ------------------------------------------------------------------ EVM
    private fun domain(input: JsonObject): Eip712Domain {
        val d = input.obj("domain")
        return Eip712Domain(d.optStr("name"), d.optStr("version"), d.u64("chainId"), d.str("verifyingContract"))
    }

    private fun message(input: JsonObject): TransferWithAuthorization {
        val m = input.obj("message")
        return TransferWithAuthorization(m.str("from"), m.str("to"), m.str("value"), m.str("validAfter"), m.str("validBefore"), m.hex("nonce"))
    }

    private fun hashes(h: TypedDataHashes): JsonObject = buildJsonObject {
        put("domain_separator", h.domainSeparator.to0x())
        put("struct_hash", h.structHash.to0x())
        put("digest", h.digest.to0x())
    }

    private fun eip3009Digest(input: JsonObject): JsonObject = hashes(eip3009Digest(domain(input), message(input)))

    private fun eip3009SignOp(input: JsonObject): JsonObject {
        val key = input.hex("private_key_hex")
        val signature = eip3009Sign(key, domain(input), message(input))
        return buildJsonObject {
            put("signature", signature.to0x())
            put("address", privateKeyToAddress(key))
        }
    }

    private fun evmRecover(input: JsonObject): JsonObject {
        val policy = signaturePolicy(input.optStr("policy"), "policy")!!
        return buildJsonObject { put("address", recoverAddress(input.hex("digest"), input.hex("signature"), policy)) }
    }

    private fun permit2Digest(input: JsonObject): JsonObject {
        val permit = input.obj("permit")
        val permitted = permit.obj("permitted")
        val witness = permit.obj("witness")
        val transfer = Permit2Transfer(
            token = permitted.str("token"),
            amount = permitted.str("amount"),
            spender = permit.str("spender"),
            nonce = permit.str("nonce"),
            deadline = permit.str("deadline"),
            to = witness.str("to"),
            validAfter = witness.str("validAfter"),
            facilitator = witness.optStr("facilitator"),
        )
        return hashes(permit2Digest(input.u64("chainId"), transfer))
    }

    // ------------------------------------------------------------------ macaroons
    private fun macaroonDecodeOp(input: JsonObject): JsonObject {
        val mac = macaroonDecode(input.str("token"))
        return buildJsonObject {
            put("version", mac.version.toLong())
            put("location", mac.location)
            put("identifier_hex", mac.identifier.toHex())
            putJsonArray("caveats") {
                for (c in mac.caveats) {
                    add(buildJsonObject {
                        put("id_hex", c.id.toHex())
                        if (c.vid.isNotEmpty()) put("vid_hex", c.vid.toHex())
                        if (c.location.isNotEmpty()) put("location", c.location)
                    })
                }
            }
            put("signature_hex", mac.signature.toHex())
        }
    }

    private fun macaroonMintOp(input: JsonObject): JsonObject {
        val caveats = input.arr("caveats").map { (it as? JsonPrimitive)?.contentOrNull ?: throw BadInput("caveats") }
        val minted = macaroonMint(input.hex("root_key_hex"), input.hex("identifier_hex"), input.str("location"), caveats)
        return buildJsonObject {
            put("signature_hex", minted.signature.toHex())
            put("v2_base64", minted.base64)
        }
    }

    private fun macaroonVerifyOp(input: JsonObject): JsonObject {
        val mode = when (input.optStr("mode")) {
            null, "strict" -> MacaroonMode.STRICT
            "l402" -> MacaroonMode.L402
            else -> throw BadInput("mode")
        }
        val discharges = if (input.containsKey("discharges")) input.strings("discharges") else emptyList()
        val accept = if (input.containsKey("accept")) input.strings("accept") else emptyList()
        macaroonVerify(input.str("token"), input.hex("root_key_hex"), discharges, accept, mode)
        return JsonObject(emptyMap())
    }

    private fun macaroonBindOp(input: JsonObject): JsonObject = buildJsonObject {
        put("signature_hex", macaroonBind(input.hex("root_signature_hex"), input.hex("discharge_signature_hex")).toHex())
    }

    // ------------------------------------------------------------------ BOLT11
    private fun network(n: LightningNetwork): String = when (n) {
        LightningNetwork.BITCOIN -> "bc"
        LightningNetwork.TESTNET -> "tb"
        LightningNetwork.SIGNET -> "tbs"
        LightningNetwork.REGTEST -> "bcrt"
        LightningNetwork.SIMNET -> "sb"
    }

    private fun bolt11DecodeOp(input: JsonObject): JsonObject {
        val requireSecret = (input["policy"] as? JsonObject)?.get("require_payment_secret")?.let {
            (it as? JsonPrimitive)?.booleanOrNull ?: throw BadInput("policy.require_payment_secret")
        } ?: true
        val inv = bolt11Decode(input.str("invoice"), requireSecret)
        return buildJsonObject {
            put("network", network(inv.network))
            put("amount_msat", inv.amountMsat?.let { JsonPrimitive(it.toString().toBigInteger()) } ?: JsonNull)
            put("timestamp", inv.timestamp.toLong())
            put("payment_hash_hex", inv.paymentHash.toHex())
            inv.paymentSecret?.let { put("payment_secret_hex", it.toHex()) }
            inv.description?.let { put("description", it) }
            inv.descriptionHash?.let { put("description_hash_hex", it.toHex()) }
            put("expiry", JsonPrimitive(inv.expiry.toString().toBigInteger()))
            put("min_final_cltv_expiry", JsonPrimitive(inv.minFinalCltvExpiry.toString().toBigInteger()))
            put("payee_hex", inv.payee.toHex())
            inv.features?.let { put("features_hex", it.toHex()) }
            inv.metadata?.let { put("metadata_hex", it.toHex()) }
            putJsonArray("fallbacks") {
                for (f in inv.fallbacks) add(buildJsonObject {
                    put("version", f.version.toLong())
                    put("program_hex", f.program.toHex())
                })
            }
            putJsonArray("route_hints") {
                for (r in inv.routeHints) add(JsonArray(r.hops.map { h ->
                    buildJsonObject {
                        put("src_node_id_hex", h.srcNodeId.toHex())
                        put("short_channel_id_hex", "%016x".format(h.shortChannelId.toLong()))
                        put("fee_base_msat", h.feeBaseMsat.toLong())
                        put("fee_proportional_millionths", h.feeProportionalMillionths.toLong())
                        put("cltv_expiry_delta", h.cltvExpiryDelta.toLong())
                    }
                }))
            }
        }
    }

    // ------------------------------------------------------------------ offers
    private fun offersDecodeOp(input: JsonObject): JsonObject {
        val body = offersDecode(input.str("body"))
        // The canonical re-encoding must decode to the same value (as the Rust runner checks).
        val again = offersDecode(body.canonicalJson)
        check(again.copy(canonicalJson = body.canonicalJson) == body) { "canonical re-encoding decodes differently" }
        return buildJsonObject {
            put("version", body.version)
            put("payment_request_url", body.paymentRequestUrl)
            put("payment_context_token", body.paymentContextToken)
            putJsonArray("offers") {
                for (o in body.offers) add(buildJsonObject {
                    put("id", o.id)
                    put("title", o.title)
                    put("description", o.description)
                    put("amount", JsonPrimitive(o.amount.toBigInteger()))
                    put("currency", o.currency)
                    put("type", o.offerType)
                    o.balance?.let { put("balance", JsonPrimitive(it.toString().toBigInteger())) }
                    o.duration?.let { put("duration", it) }
                    putJsonArray("payment_methods") { o.paymentMethods.forEach { add(JsonPrimitive(it)) } }
                })
            }
            put("terms_url", body.termsUrl)
        }
    }

    // ------------------------------------------------------------------ WS402 HTTP grants
    private fun ws402GrantIssueOp(input: JsonObject): JsonObject = buildJsonObject {
        put("token", ws402GrantIssue(input.hex("secret_hex"), input.hex("session_id_hex"), input.str("resource_url"),
            input.u32("generation"), input.u64("expires_ms")))
    }

    private fun ws402GrantCheckOp(input: JsonObject): JsonObject {
        val s = input["session"] as? JsonObject ?: throw BadInput("session")
        val authorization = when (val a = input["authorization"]) {
            is JsonNull -> null
            is JsonPrimitive -> a.takeIf { it.isString }?.content ?: throw BadInput("authorization")
            else -> throw BadInput("authorization")
        }
        val v = ws402GrantCheck(input.hex("secret_hex"), authorization, input.str("resource_url"), input.u64("now_ms"),
            s.hex("session_id_hex"), s.str("phase"), s.u32("generation"))
        // A refusal is the core's verdict, returned (not thrown): its code is the case's error.
        v.code?.let { throw Pay402Exception.Ws402(it, "refused with status ${v.status}") }
        check(v.status.toInt() == 200) { "granted with status ${v.status}" }
        val id = v.sessionId ?: error("granted without a session id")
        check(ws402GrantLookupId(authorization)?.contentEquals(id) == true) { "ws402GrantLookupId disagrees" }
        return buildJsonObject {
            put("session_id_hex", id.toHex())
            put("generation", JsonPrimitive(v.generation!!.toLong()))
            put("expires_ms", JsonPrimitive(v.expiresMs!!.toString().toBigInteger()))
        }
    }

    // ------------------------------------------------------------------ WS402 wire (ws402wire)
    private fun ws402WireOp(op: String, input: JsonObject): JsonObject {
        if (op == "ws402.resume_token") {
            val payer = input["payer"] as? JsonObject ?: throw BadInput("payer")
            val secret = input.hex("secret_hex")
            val id = input.hex("session_id_hex")
            val kind = payer.str("kind")
            val bytes = payer.hex("hex")
            if (input.containsKey("presented")) ws402CheckResumeToken(secret, id, kind, bytes, input.str("presented"))
            return buildJsonObject { put("token", ws402ResumeToken(secret, id, kind, bytes)) }
        }
        if (op == "ws402.message.decode") {
            val f = ws402MessageFrame(input.str("frame"))
            return buildJsonObject {
                put("type", f.messageType)
                put("frame", f.frame)
            }
        }
        val amounts = if (input.containsKey("amounts")) input.str("amounts") else "string"
        if (amounts != "string" && amounts != "number_when_safe") throw BadInput("amounts")
        val message = input["message"] as? JsonObject ?: throw BadInput("message")
        return buildJsonObject { put("frame", ws402MessageFrame(message.toString(), amounts).frame) }
    }

    // ------------------------------------------------------------------ WS402
    private fun ws402MeterOp(input: JsonObject): JsonObject {
        var meter = Ws402Meter(input.str("price_per_second"), input.str("paid"), input.u64("max_session_seconds"), input.u64("start_ms"))
        for (e in input.arr("events")) {
            val event = e as? JsonObject ?: throw BadInput("events")
            val n = if (event.containsKey("n")) event.u64("n") else null
            val ev = when (event.str("kind")) {
                "tick" -> Ws402Event.Tick
                "close" -> Ws402Event.Close
                "bytes_in" -> Ws402Event.BytesIn(n ?: throw BadInput("n"))
                "bytes_out" -> Ws402Event.BytesOut(n ?: throw BadInput("n"))
                "message" -> Ws402Event.Message(n ?: 1uL)
                else -> throw BadInput("kind")
            }
            meter.onEvent(event.u64("at_ms"), ev)
            // Persist and resume between events: a resumed session meters as an uninterrupted one.
            val record = meter.record()
            meter.close()
            meter = Ws402Meter.fromRecord(record)
        }
        val state = meter.use { it.state() }
        return buildJsonObject {
            put("consumed", state.consumed)
            put("refund", state.refund)
            put("ended_by", state.end?.reason?.let {
                when (it) {
                    Ws402EndReason.CLIENT_CLOSE -> "client_close"
                    Ws402EndReason.BALANCE_EXHAUSTED -> "balance_exhausted"
                    Ws402EndReason.MAX_DURATION -> "max_duration"
                }
            })
            put("ended_at_ms", state.end?.atMs?.let { JsonPrimitive(it.toString().toBigInteger()) } ?: JsonNull)
            put("close_code", state.end?.closeCode?.let { JsonPrimitive(it.toLong()) } ?: JsonNull)
            put("bytes_in", JsonPrimitive(state.bytesIn.toString().toBigInteger()))
            put("bytes_out", JsonPrimitive(state.bytesOut.toString().toBigInteger()))
            put("messages", JsonPrimitive(state.messages.toString().toBigInteger()))
        }
    }

    // The tariff meter (the Rust runner's ops/ws402.rs `session`): one step per event, a refused
    // event's error code as its step.
    private fun ws402SessionOp(input: JsonObject): JsonObject {
        val t = input["tariff"] as? JsonObject ?: throw BadInput("tariff")
        val meter = Ws402TariffMeter(
            paid = input.str("paid"),
            maxSessionSeconds = input.u64("max_session_seconds"),
            startMs = input.u64("start_ms"),
            perSecond = if (t.containsKey("per_second")) t.str("per_second") else null,
            perByteIn = if (t.containsKey("per_byte_in")) t.str("per_byte_in") else null,
            perByteOut = if (t.containsKey("per_byte_out")) t.str("per_byte_out") else null,
            perMessage = if (t.containsKey("per_message")) t.str("per_message") else null,
            deadlineMs = input.optU64("deadline_ms"),
        )
        return meter.use { m ->
            val steps = mutableListOf<String>()
            for (e in input.arr("events")) {
                val event = e as? JsonObject ?: throw BadInput("events")
                val at = event.u64("at_ms")
                val n = if (event.containsKey("n")) event.u64("n") else null
                val kind = event.str("kind")
                val ev = when (kind) {
                    "may_send" -> null
                    "tick" -> Ws402SessionEvent.Tick
                    "client_close" -> Ws402SessionEvent.ClientClose
                    "server_close" -> Ws402SessionEvent.ServerClose
                    "server_error" -> Ws402SessionEvent.ServerError
                    "suspend" -> Ws402SessionEvent.Suspend
                    "resume" -> Ws402SessionEvent.Resume
                    "grace_expired" -> Ws402SessionEvent.GraceExpired
                    "bytes_in" -> Ws402SessionEvent.BytesIn(n ?: throw BadInput("n"))
                    "bytes_out" -> Ws402SessionEvent.BytesOut(n ?: throw BadInput("n"))
                    "message" -> Ws402SessionEvent.Message(n ?: 1uL)
                    else -> throw BadInput("kind")
                }
                val messages = if (event.containsKey("messages")) event.u64("messages") else 1uL
                steps += try {
                    if (ev == null) {
                        val o = m.maySend(at, n ?: throw BadInput("n"), messages)
                        if (o.status == Ws402TariffStatus.RUNNING) "send" else tariffStatus(o.status)
                    } else {
                        tariffStatus(m.onEvent(at, ev).status)
                    }
                } catch (err: Pay402Exception.Ws402) {
                    err.code
                }
            }
            val state = m.state()
            buildJsonObject {
                put("consumed", state.consumed)
                put("refund", state.refund)
                put("ended_by", state.end?.reason?.let {
                    when (it) {
                        Ws402SessionEndReason.CLIENT_CLOSE -> "client_close"
                        Ws402SessionEndReason.BALANCE_EXHAUSTED -> "balance_exhausted"
                        Ws402SessionEndReason.MAX_DURATION -> "max_duration"
                        Ws402SessionEndReason.DEADLINE -> "deadline"
                        Ws402SessionEndReason.SERVER_CLOSE -> "server_close"
                        Ws402SessionEndReason.CONNECTION_LOST -> "connection_lost"
                    }
                })
                put("ended_at_ms", state.end?.atMs?.let { JsonPrimitive(it.toString().toBigInteger()) } ?: JsonNull)
                put("close_code", state.end?.closeCode?.let { JsonPrimitive(it.toLong()) } ?: JsonNull)
                put("active_ms", JsonPrimitive(state.activeMs.toString().toBigInteger()))
                put("suspended", state.suspended)
                put("bytes_in", JsonPrimitive(state.bytesIn.toString().toBigInteger()))
                put("bytes_out", JsonPrimitive(state.bytesOut.toString().toBigInteger()))
                put("messages", JsonPrimitive(state.messages.toString().toBigInteger()))
                putJsonArray("steps") { steps.forEach { add(JsonPrimitive(it)) } }
            }
        }
    }

    private fun tariffStatus(s: Ws402TariffStatus): String = when (s) {
        Ws402TariffStatus.RUNNING -> "running"
        Ws402TariffStatus.ENDED -> "ended"
        Ws402TariffStatus.ALREADY_ENDED -> "already_ended"
    }

    // ------------------------------------------------------------------ x402 resource server
    private fun x402Offer(o: JsonObject): X402Offer = X402Offer(
        scheme = o.str("scheme"),
        network = o.str("network"),
        asset = o.str("asset"),
        amount = o.str("amount"),
        payTo = o.str("pay_to"),
        maxTimeoutSeconds = o.u64("max_timeout_seconds"),
        eip712Name = o.optStr("eip712_name"),
        eip712Version = o.optStr("eip712_version"),
        transferMethod = o.optStr("transfer_method"),
        facilitator = o.optStr("facilitator"),
        feePayer = o.optStr("fee_payer"),
    )

    /** A refusal as the Rust runner reports it: the challenge header (Content-Type, which goes
     *  with the body, is left out) and the body parsed as JSON. `detailCode` is left out when
     *  the binding does not report one (a step refusing a replay carries no codes). */
    private fun refused(status: UShort, code: String, detailCode: JsonElement?, headers: List<HttpHeader>, body: ByteArray?): JsonObject {
        val (contentType, sent) = headers.partition { it.name.equals("Content-Type", ignoreCase = true) }
        check(body == null || contentType.singleOrNull()?.value == "application/json") { "a body without its Content-Type: $headers" }
        return buildJsonObject {
            put("admitted", false)
            put("status", status.toLong())
            put("code", code)
            detailCode?.let { put("detail_code", it) }
            putJsonArray("headers") { for (h in sent) add(JsonArray(listOf(JsonPrimitive(h.name), JsonPrimitive(h.value)))) }
            // errorMessage is free text: removed, and `body_message` says it was a non-empty
            // string (tests/conformance/vectors/README.md); the rest is compared exactly.
            val parsed = body?.let { Json.parseToJsonElement(it.decodeToString()) }
            val message = ((parsed as? JsonObject)?.get("errorMessage") as? JsonPrimitive)
                ?.takeIf { it.isString && it.content.isNotEmpty() }
            put("body", if (message != null) JsonObject((parsed as JsonObject) - "errorMessage") else parsed ?: JsonNull)
            put("body_message", message != null)
        }
    }

    /** Admission, then the exchange's first step with the replay state of `reserved`: a held
     *  key ends it (`refuse_replay`), a fresh one lets the handler run. */
    private fun serverAdmit(input: JsonObject): JsonObject {
        val offers = input.arr("offers").map { x402Offer(it as? JsonObject ?: throw BadInput("offers")) }
        val r = input.obj("resource")
        val resource = X402Resource(r.str("url"), r.optStr("description") ?: "", r.optStr("mime_type"))
        val headers = input.arr("headers").map { h ->
            val pair = (h as? JsonArray)?.map { (it as? JsonPrimitive)?.takeIf { p -> p.isString }?.content }
            HttpHeader(pair?.getOrNull(0) ?: throw BadInput("headers"), pair.getOrNull(1) ?: throw BadInput("headers"))
        }
        val reserved = if (input.containsKey("reserved")) input.strings("reserved").map { it.lowercase() } else emptyList()
        return X402Server(offers, resource).use { server ->
            when (val admission = server.admit(headers, input.u64("now"))) {
                is X402Admission.Refused -> admission.reply.let { refused(it.status, it.code, JsonPrimitive(it.detailCode), it.headers, it.body) }
                is X402Admission.Admitted -> admission.payment.use { payment ->
                    val key = payment.replayKey().to0x()
                    server.exchange(payment).use { exchange ->
                        val step = exchange.reserved(key !in reserved)
                        when (step.action) {
                            X402StepAction.RUN_HANDLER -> buildJsonObject {
                                put("admitted", true)
                                put("offer_index", payment.offerIndex().toLong())
                                put("x402Version", payment.x402Version().toLong())
                                put("payer", payment.payer())
                                put("amount", payment.amount())
                                put("replay_key", key)
                                put("ttl", JsonPrimitive(payment.ttl().toString().toBigInteger()))
                            }
                            // The step carries the challenge; the refusal's code is its `error`.
                            X402StepAction.REFUSE_REPLAY -> {
                                val challenge = step.headers.single { it.name == "PAYMENT-REQUIRED" }.value
                                val code = (Json.parseToJsonElement(x402HeaderToJson(challenge)) as JsonObject).str("error")
                                refused(step.status, code, null, step.headers, step.body)
                            }
                            else -> error("reserved() answered ${step.action}")
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ payment options
    /** A seller's payment option resolved by the core through `X402Server`: the v2 requirements
     *  entry of its challenge (the Rust runner's `ops/terms.rs`). */
    private fun offerTerms(input: JsonObject): JsonObject {
        val o = input.obj("option")
        val offer = X402Offer(
            scheme = o.optStr("scheme") ?: "",
            network = o.optStr("network") ?: "",
            asset = o.optStr("asset") ?: "",
            amount = o.optStr("amount") ?: "",
            payTo = o.optStr("pay_to") ?: "",
            maxTimeoutSeconds = if (o.containsKey("max_timeout_seconds")) o.u64("max_timeout_seconds") else null,
            price = o.optStr("price"),
            decimals = if (o.containsKey("decimals")) o.u64("decimals").takeIf { it <= 255u }?.toUByte() ?: throw BadInput("decimals") else null,
            eip712Name = o.optStr("eip712_name"),
            eip712Version = o.optStr("eip712_version"),
            transferMethod = o.optStr("transfer_method"),
            facilitator = o.optStr("facilitator"),
            feePayer = o.optStr("fee_payer"),
        )
        return X402Server(listOf(offer), X402Resource("https://api.example.com/resource", "", null)).use { server ->
            val header = server.challenge(null).headers.single { it.name == "PAYMENT-REQUIRED" }.value
            val accepts = (Json.parseToJsonElement(x402HeaderToJson(header)) as JsonObject).arr("accepts")
            buildJsonObject { put("requirements", accepts[0]) }
        }
    }

    // ------------------------------------------------------------------ the paywall page (ops/page.rs)
    private fun pagePresentationOp(input: JsonObject): JsonObject {
        val headers = input.arr("headers").map { pair ->
            val p = pair as? JsonArray ?: throw BadInput("headers")
            val name = (p.getOrNull(0) as? JsonPrimitive)?.takeIf { it.isString }?.content ?: throw BadInput("headers")
            val value = (p.getOrNull(1) as? JsonPrimitive)?.takeIf { it.isString }?.content ?: throw BadInput("headers")
            PageHeader(name, value)
        }
        val policy = input["policy"] as? JsonObject
        fun flag(key: String, default: Boolean): Boolean = when (val v = policy?.get(key)) {
            null -> default
            else -> (v as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toBooleanStrictOrNull() ?: throw BadInput(key)
        }
        val answer = pagePresentation(
            input.str("method"), headers,
            enabled = flag("enabled", true),
            requireMozillaUserAgent = flag("require_mozilla_user_agent", false),
        )
        return buildJsonObject { put("presentation", answer) }
    }

    private fun pageThemeOp(input: JsonObject): JsonObject {
        val colors = input.obj("colors")
        pageThemeValidate(
            title = input.str("title"),
            background = colors.str("background"),
            text = colors.str("text"),
            accent = colors.str("accent"),
            accentText = colors.str("accentText"),
            lang = input.str("lang"),
            logo = input.optStr("logo"),
        )
        return buildJsonObject { }
    }

    // ------------------------------------------------------------------ L402
    private fun scheme(s: L402Scheme): String = if (s == L402Scheme.L402) "L402" else "LSAT"

    private fun l402ChallengeParse(input: JsonObject): JsonObject {
        val found = input.strings("headers").flatMap { l402ParseChallenges(it) }
        return buildJsonObject {
            putJsonArray("challenges") {
                for (c in found) add(buildJsonObject {
                    put("scheme", scheme(c.scheme))
                    put("macaroon", c.macaroon)
                    put("invoice", c.invoice)
                })
            }
        }
    }

    private fun l402ChallengeEncode(input: JsonObject): JsonObject {
        val macaroon = try { anyBase64(input.str("macaroon")) } catch (e: IllegalArgumentException) { throw BadInput("macaroon") }
        val headers = l402EncodeChallenges(macaroon, input.str("invoice"))
        return buildJsonObject { putJsonArray("headers") { headers.forEach { add(JsonPrimitive(it)) } } }
    }

    private fun l402AuthorizationParse(input: JsonObject): JsonObject {
        val cred = l402ParseAuthorization(input.str("header"))
        return buildJsonObject {
            put("scheme", scheme(cred.scheme))
            putJsonArray("macaroons") { cred.macaroons.forEach { add(JsonPrimitive(std64(it))) } }
            put("preimage_hex", cred.preimage.toHex())
        }
    }

    private fun l402VerifyOp(input: JsonObject): JsonObject {
        val id = l402Verify(input.strings("authorization"), input.hex("root_key_hex"), input.str("service"), input.optStr("capability"), input.u64("now"))
        return buildJsonObject {
            put("payment_hash_hex", id.paymentHash.toHex())
            put("token_id_hex", id.tokenId.toHex())
        }
    }

    private fun l402MintOp(input: JsonObject): JsonObject {
        val caveats = if (input.containsKey("caveats")) input.strings("caveats") else emptyList()
        val token = l402Mint(input.hex("root_key_hex"), input.hex("payment_hash_hex"), input.hex("token_id_hex"), caveats, input.optStr("location"))
        return buildJsonObject {
            put("token", token.base64)
            put("signature_hex", token.signature.toHex())
        }
    }
}

/** JSON equality as the Rust runner's `compare.rs`: addresses case-insensitively, numbers by text. */
fun valuesMatch(want: JsonElement, have: JsonElement): Boolean = when {
    want is JsonPrimitive && have is JsonPrimitive && want.isString && have.isString && isAddress(want.content) && isAddress(have.content) ->
        want.content.equals(have.content, ignoreCase = true)
    want is JsonArray && have is JsonArray -> want.size == have.size && want.zip(have).all { (a, b) -> valuesMatch(a, b) }
    want is JsonObject && have is JsonObject -> want.size == have.size && want.all { (k, v) -> have[k]?.let { valuesMatch(v, it) } == true }
    want is JsonPrimitive && have is JsonPrimitive && !want.isString && !have.isString -> want.content == have.content
    else -> want == have
}

private fun isAddress(s: String) = s.length == 42 && s.startsWith("0x") && s.drop(2).all { it.isDigit() || it.lowercaseChar() in 'a'..'f' }
