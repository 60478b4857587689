// The x402 client flow in Swift (macOS CI only: there is no Swift toolchain on the Linux
// reference machine). Mirrors ffi-uniffi/kotlin/src/test/kotlin/org/pay402/ClientFlowTest.kt.
import Foundation
import CryptoKit
import XCTest
@testable import Pay402

final class ClientFlowTests: XCTestCase {
    let usdc = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
    let payTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
    var offer: String {
        #"{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"\#(usdc)","payTo":"\#(payTo)","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2"}}"#
    }
    var body: String {
        #"{"x402Version":2,"resource":{"url":"https://api.example.com/premium-data","description":"Access to premium market data","mimeType":"application/json"},"accepts":[\#(offer)]}"#
    }
    let key = Data(repeating: 0x11, count: 32)
    let nonce = Data(repeating: 0x42, count: 32)
    let now: UInt64 = 1_740_672_100

    func testSelectSignVerify() throws {
        let json = try x402HeaderToJson(header: try x402EncodeHeader(json: body))
        let policy = PayerPolicy(networks: ["eip155:84532"], assets: [usdc], maxAmount: "20000", allowPermit2: false)
        let chosen = try x402Select(paymentRequiredJson: json, policy: policy)
        XCTAssertEqual(chosen.index, 0)
        XCTAssertEqual(chosen.chainId, 84532)
        let header = try x402Sign(paymentRequiredJson: json, acceptIndex: chosen.index, privateKey: key, now: now, nonce: nonce)
        XCTAssertEqual(header.headerName, "PAYMENT-SIGNATURE")
        let verified = try x402Verify(requirementsJson: offer, paymentHeader: header.headerValue, now: now, options: VerifyOptions())
        guard case let .evm(payment) = verified else {
            return XCTFail("expected an EVM payment, got \(verified)")
        }
        XCTAssertEqual(payment.payer, try privateKeyToAddress(privateKey: key))
        XCTAssertEqual(payment.amount, "10000")
        XCTAssertEqual(payment.kind, .exactEip3009)
    }

    func testSolanaBuildThenVerifyWithFeePayers() throws {
        let seed = { (label: String) in Data(SHA256.hash(data: Data("pay402 swift \(label)".utf8))) }
        let mint = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"
        let feePayer = try svmPublicKey(payerSeed: seed("fee payer"))
        let payTo = try svmPublicKey(payerSeed: seed("merchant"))
        let offer = """
            {"scheme":"exact","network":"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1","amount":"10000","asset":"\(mint)","payTo":"\(payTo)","maxTimeoutSeconds":60,"extra":{"feePayer":"\(feePayer)"}}
            """
        let wire = try svmBuildTransfer(
            payerSeed: seed("payer"), feePayer: feePayer, mint: mint, payTo: payTo,
            tokenProgram: "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", amount: "10000", decimals: 6,
            recentBlockhash: seed("blockhash"), memo: "0123456789abcdef0123456789abcdef")
        let required = """
            {"x402Version":2,"resource":{"url":"https://api.example.com/premium","description":"","mimeType":"application/json"},"accepts":[\(offer)]}
            """
        let header = try svmPaymentHeader(paymentRequiredJson: required, acceptIndex: 0, transaction: wire)
        XCTAssertEqual(header.headerName, "PAYMENT-SIGNATURE")
        XCTAssertThrowsError(try svmPaymentHeader(paymentRequiredJson: required, acceptIndex: 1, transaction: wire)) { error in
            guard case let Pay402Error.Client(code, _) = error else {
                return XCTFail("expected Pay402Error.Client, got \(error)")
            }
            XCTAssertEqual(code, "accept_index_out_of_range")
        }
        let verified = try x402Verify(requirementsJson: offer, paymentHeader: header.headerValue, now: 0, options: VerifyOptions(feePayers: [feePayer]))
        guard case let .svm(payment) = verified else {
            return XCTFail("expected a Solana payment, got \(verified)")
        }
        XCTAssertEqual(payment.payer, try svmPublicKey(payerSeed: seed("payer")))
        XCTAssertEqual(payment.amount, "10000")
        XCTAssertEqual(payment.feePayer, feePayer)
        XCTAssertEqual(payment.stillToCheck.first, .recentBlockhash)
    }

    func testErrorsCarryTheCoreCode() {
        let policy = PayerPolicy(networks: ["eip155:84532"], assets: [usdc], maxAmount: "9999", allowPermit2: false)
        XCTAssertThrowsError(try x402Select(paymentRequiredJson: body, policy: policy)) { error in
            guard case let Pay402Error.Client(code, reason) = error else {
                return XCTFail("expected Pay402Error.Client, got \(error)")
            }
            XCTAssertEqual(code, "amount_exceeds_budget")
            XCTAssertFalse(reason.isEmpty)
        }
    }
}
