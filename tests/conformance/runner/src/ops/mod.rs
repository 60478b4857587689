//! One function per op of `tests/conformance/vectors/README.md`. Each takes the case's `input` and returns the
//! result object, or the core's error code.

mod bolt11;
mod evm;
mod l402;
mod macaroon;
mod offers;
mod onchain;
mod page;
mod refund;
mod server;
mod settle;
mod terms;
mod ws402;
mod ws402_client;
mod ws402_grant;
mod ws402_wire;
mod x402;
mod x402_client;

use serde_json::Value;

/// The outcome of an op: the result fields, or an error code.
pub(crate) type Outcome = Result<Value, String>;

/// Runs `op` on `input`.
pub(crate) fn run(op: &str, input: &Value) -> Outcome {
    match op {
        "x402.roundtrip" => x402::roundtrip(input),
        "x402.decode" => x402::decode(input),
        "x402.verify" => x402::verify(input),
        "svm.build" => x402::svm_build(input),
        "x402.sign" => x402_client::sign(input),
        "x402.select" => x402_client::select_op(input),
        "x402.typed_data" => x402_client::typed_data(input),
        "x402.wallet_sign" => x402_client::wallet_sign(input),
        "x402.svm_payment" => x402_client::svm_payment(input),
        "x402.client_pay" => x402_client::client_pay(input),
        "x402.paid_response" => x402_client::paid_response(input),
        "evm.eip3009.digest" => evm::eip3009_digest(input),
        "evm.eip3009.sign" => evm::eip3009_sign(input),
        "evm.recover" => evm::recover(input),
        "evm.permit2.digest" => evm::permit2_digest(input),
        "evm.tx.sign" => evm::tx_sign(input),
        "evm.signature.route" => evm::signature_route(input),
        "x402.settle.calldata" => x402::settle_calldata_op(input),
        "x402.settle.outcome" => settle::outcome(input),
        "x402.settle.revert_reason" => settle::revert_reason(input),
        "x402.settle.terms" => settle::terms(input),
        "evm.erc20.transfer" => refund::transfer(input),
        "x402.refund.order" => refund::order(input),
        "x402.refund.outcome" => refund::outcome(input),
        "svm.cosign" => settle::svm_cosign(input),
        "svm.settle.outcome" => settle::svm_outcome(input),
        "macaroon.decode" => macaroon::decode(input),
        "macaroon.mint" => macaroon::mint(input),
        "macaroon.verify" => macaroon::verify(input),
        "macaroon.bind" => macaroon::bind(input),
        "bolt11.decode" => bolt11::decode(input),
        "offers.decode" => offers::decode(input),
        "ws402.meter" => ws402::meter(input),
        // `ws402.grant.charge`: an HTTP response charged to a session, the same meter and fields.
        "ws402.session" | "ws402.grant.charge" => ws402::session(input),
        "ws402.message.decode" => ws402_wire::message_decode(input),
        "ws402.message.encode" => ws402_wire::message_encode(input),
        "ws402.resume_token" => ws402_wire::resume_token(input),
        "ws402.record.seal" => ws402_wire::record_seal(input),
        "ws402.record.open" => ws402_wire::record_open(input),
        "ws402.grant.issue" => ws402_grant::issue(input),
        "ws402.grant.check" => ws402_grant::check(input),
        "ws402.grant.refusal" => ws402_grant::refusal(input),
        "ws402.client" => ws402_client::client(input),
        "server.admit" => server::admit_op(input),
        "x402.offer_terms" => terms::offer_terms(input),
        "l402.challenge.parse" => l402::challenge_parse(input),
        "l402.challenge.encode" => l402::challenge_encode(input),
        "l402.authorization.parse" => l402::authorization_parse(input),
        "l402.verify" => l402::verify(input),
        "l402.mint" => l402::mint(input),
        "onchain.evm.verify" => onchain::evm_verify(input),
        "onchain.svm.verify" => onchain::svm_verify(input),
        "onchain.payper402.verify" => onchain::payper402_verify(input),
        "page.presentation" => page::presentation_op(input),
        "page.theme" => page::theme_op(input),
        "page.offers" => page::offers_op(input),
        "page.balance_covers" => page::balance_covers_op(input),
        "page.erc20_balance_call" => page::erc20_balance_call_op(input),
        "page.svm_mint" => page::svm_mint_op(input),
        _ => Err("unsupported op".into()),
    }
}

/// The stable code of a core error.
pub(crate) fn code(error: &impl pay402::ErrorCode) -> String {
    error.code().to_owned()
}
