//! The paywall page's wasm module (built alone by `ffi-wasm/build.sh` as the npm package's
//! `paywall/`): the twelve exports the page calls (`ffi-wasm/page/src/core.mjs` lists the
//! contract). Strings, numbers and `Uint8Array` in; JSON text, strings, booleans and
//! `Uint8Array` out; errors thrown with the core's `code`.
//!
//! No export reaches secp256k1 recovery or signing, nor ed25519: the wallet signs, and the
//! EVM signature is carried by [`PaymentDraft::with_unverified_wallet_signature`] (the server
//! verifies it). `ffi-wasm/tests/paywall-names.mjs` checks the module holds none of that code.
//!
//! On wasm32 the crate is `no_std` and its panic handler traps: a panic stops the call (the JS
//! caller sees a `RuntimeError`), and no panic message, location or `core::fmt` code is in the
//! module. On other targets (and for its tests) it builds with std, for `cargo test` and clippy
//! over the workspace.

#![cfg_attr(all(target_arch = "wasm32", not(test)), no_std)]

extern crate alloc;

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use pay402::ErrorCode;
use pay402::base64::{Base64Policy, decode_public_into, decoded_len_max};
use pay402::evm::Address;
use pay402::json::RawValue;
use pay402::page::{self, erc20_balance_of_call, mint_decimals, write_offers};
use pay402::svm::{Pubkey, TokenAccounts};
use pay402::u256::{LeadingZeros, U256};
use pay402::writer::{Writer, write_all};
use pay402::x402::client::{
    PaidResponse, PaymentDraft, SvmChainState, payment_header_name, read_paid_response,
    svm_unsigned_transfer_between, write_svm_payment_header,
};
use pay402::x402::settle_response::SettleResponse;
use pay402::x402::{PaymentRequired, header};
use wasm_bindgen::prelude::*;

/// A small allocator for the page's module: `lol_alloc`'s free list behind its spin lock (a
/// safe constant; the crate holds the `unsafe`), in place of the default dlmalloc.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

/// Traps: nothing to format, nowhere to unwind to.
#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// What every export returns: the value, or the `Error` to throw.
type JsResult<T> = Result<T, JsValue>;

const NAME: &str = "PaywallError";

// The three JS calls an error needs, bound here (no `js-sys`): `Reflect.set` on a fresh `Error`
// cannot throw, so it is bound without wasm-bindgen's `catch` wrapper.
#[wasm_bindgen]
extern "C" {
    type Error;
    #[wasm_bindgen(constructor)]
    fn new(message: &str) -> Error;
    #[wasm_bindgen(method, setter)]
    fn set_name(this: &Error, name: &str);
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set(target: &Error, key: &str, value: &str) -> bool;
}

/// An `Error` named `name` with `message`, `code` and, when given, `detailCode`.
fn coded(name: &str, message: &str, code: &str, detail: Option<&str>) -> JsValue {
    let error = Error::new(message);
    error.set_name(name);
    reflect_set(&error, "code", code);
    if let Some(detail) = detail {
        reflect_set(&error, "detailCode", detail);
    }
    error.into()
}

// Errors carry the core's code as their message too: the core's `Display` texts (and the
// formatting machinery behind them) would cost the page's budget, and the page words its
// messages by code.
fn fail(e: &impl ErrorCode) -> JsValue {
    coded(NAME, e.code(), e.code(), e.detail_code())
}

/// A malformed argument: code `invalid_argument`, the argument's name as `detailCode`.
fn invalid(field: &str) -> JsValue {
    coded(NAME, field, "invalid_argument", Some(field))
}

/// Runs `f` with a buffer, doubling it while the core answers `buffer_too_small`.
fn grow<T, E: ErrorCode>(mut f: impl FnMut(&mut [u8]) -> Result<T, E>) -> Result<T, E> {
    let mut size = header::RECOMMENDED_BUFFER_LEN;
    loop {
        let mut buf = vec![0u8; size];
        match f(&mut buf) {
            Err(e) if e.code() == "buffer_too_small" && size < (1 << 22) => size *= 2,
            other => return other,
        }
    }
}

/// What `write` wrote, as text (the core's writers write UTF-8; anything else is `not_utf8`).
fn written<E: ErrorCode + From<pay402::BufferTooSmall>>(
    mut write: impl FnMut(&mut Writer<'_>) -> Result<(), E>,
) -> JsResult<String> {
    grow(|buf| {
        let n = write_all(buf, &mut write)?;
        Ok::<_, E>(buf.get(..n).unwrap_or_default().to_vec())
    })
    .map_err(|e| fail(&e))
    .and_then(|bytes| {
        String::from_utf8(bytes).map_err(|_| coded(NAME, "not_utf8", "not_utf8", None))
    })
}

/// Decimal digits of `v`.
fn dec(v: U256) -> String {
    let mut buf = [0u8; 78];
    v.to_decimal(&mut buf).to_owned()
}

/// `0x` and the lowercase hex digits of `bytes`.
fn hex0x(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("0x");
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// `s` as a JSON string literal (as `JSON.stringify` writes it).
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                out.push_str("\\u00");
                let byte = u8::try_from(u32::from(c)).unwrap_or(0);
                out.push_str(hex0x(&[byte]).get(2..).unwrap_or_default());
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `{"k":v,…}` from keys and already-encoded JSON values.
fn object(fields: &[(&str, String)]) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(k);
        out.push_str("\":");
        out.push_str(v);
    }
    out.push('}');
    out
}

/// The `PAYMENT-REQUIRED` value decoded into its JSON bytes.
fn required_json(required: &str) -> JsResult<Vec<u8>> {
    let mut buf = vec![0u8; decoded_len_max(required.len())];
    let n = header::decode(required.as_bytes(), &mut buf)
        .map_err(|e| fail(&e))?
        .len();
    buf.truncate(n);
    Ok(buf)
}

fn parse_required(json: &[u8]) -> JsResult<PaymentRequired<'_>> {
    PaymentRequired::from_json(json).map_err(|e| fail(&e))
}

fn index_of(index: u32) -> usize {
    usize::try_from(index).unwrap_or(usize::MAX)
}

/// `{"name":…,"value":…}`.
fn header_json(name: &str, value: &str) -> String {
    object(&[("name", json_str(name)), ("value", json_str(value))])
}

/// Unix seconds given as a JS number: a non-negative integer.
fn unix_seconds(now: f64) -> JsResult<u64> {
    // `f64::fract` is std's; an integer is what survives the round trip through `u64` (below
    // 2^53, both casts are exact; NaN fails the range check).
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        clippy::float_cmp,
        reason = "a non-negative number below 2^53, checked first; the round trip is exact"
    )]
    let seconds = (0.0..=9_007_199_254_740_991.0)
        .contains(&now)
        .then_some(now as u64)
        .filter(|&s| s as f64 == now);
    seconds.ok_or_else(|| invalid("now"))
}

fn hex_bytes<const N: usize>(text: &str, field: &str) -> JsResult<[u8; N]> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    pay402::hex::decode_array(digits.as_bytes()).map_err(|_| invalid(field))
}

fn text_of(v: Option<RawValue<'_>>) -> Option<String> {
    v?.as_str().map(|s| unescaped(&s))
}

fn unescaped(s: &pay402::json::JsonStr<'_>) -> String {
    let mut buf = vec![0u8; s.decoded_len()];
    s.unescape_into(&mut buf)
        .map(str::to_owned)
        .unwrap_or_default()
}

/// The offers of the page data, as [`pay402::page::write_offers`] writes them: `[{index,
/// kind, chainIdHex?|walletChain?|reason?, network, amount, amountDisplay, symbol, asset,
/// payTo}]`.
#[wasm_bindgen]
pub fn offers(page_data_json: &str) -> JsResult<String> {
    let mut scratch = vec![0u8; decoded_len_max(page_data_json.len())];
    written(|w| write_offers(w, page_data_json.as_bytes(), &mut scratch))
}

fn draft<'a>(
    required: &PaymentRequired<'a>,
    index: u32,
    from: &str,
    now: f64,
    nonce_hex: &str,
) -> JsResult<PaymentDraft<'a>> {
    let payer = Address::parse(from.as_bytes()).map_err(|e| fail(&e))?;
    let nonce: [u8; 32] = hex_bytes(nonce_hex, "nonceHex")?;
    PaymentDraft::new(required, index_of(index), payer, unix_seconds(now)?, &nonce)
        .map_err(|e| fail(&e))
}

/// The `eth_signTypedData_v4` JSON of the EIP-3009 authorization for `accepts[index]`, paid by
/// `from` at `now` (unix seconds) with the 32-byte nonce `nonceHex`.
#[wasm_bindgen(js_name = evmTypedData)]
pub fn evm_typed_data(
    required: &str,
    index: u32,
    from: &str,
    now: f64,
    nonce_hex: &str,
) -> JsResult<String> {
    let json = required_json(required)?;
    let required = parse_required(&json)?;
    let draft = draft(&required, index, from, now, nonce_hex)?;
    written(|w| draft.write_typed_data(w))
}

/// `{name, value}` of the payment header for the wallet's `signatureHex` over
/// [`evm_typed_data`] of the same inputs (the draft is rebuilt from them). The signature is
/// checked for form only: see [`PaymentDraft::with_unverified_wallet_signature`].
#[wasm_bindgen(js_name = evmPaymentHeader)]
pub fn evm_payment_header(
    required: &str,
    index: u32,
    from: &str,
    now: f64,
    nonce_hex: &str,
    signature_hex: &str,
) -> JsResult<String> {
    let json = required_json(required)?;
    let required = parse_required(&json)?;
    let draft = draft(&required, index, from, now, nonce_hex)?;
    let digits = signature_hex.strip_prefix("0x").unwrap_or(signature_hex);
    let mut signature = vec![0u8; digits.len() / 2];
    let signature = pay402::hex::decode_into(digits.as_bytes(), &mut signature)
        .map_err(|_| invalid("signatureHex"))?;
    let signed = draft
        .with_unverified_wallet_signature(signature)
        .map_err(|e| fail(&e))?;
    let value = grow(|buf| {
        let (scratch, out) = buf.split_at_mut(buf.len() / 2);
        signed.write_header(scratch, out).map(str::to_owned)
    })
    .map_err(|e| fail(&e))?;
    Ok(header_json(signed.header_name(), &value))
}

/// The `eth_call` reading `owner`'s ERC-20 balance of `asset`: `{to, data}`
/// ([`pay402::page::erc20_balance_of_call`]).
#[wasm_bindgen(js_name = evmBalanceCall)]
pub fn evm_balance_call(asset: &str, owner: &str) -> JsResult<String> {
    let asset = Address::parse(asset.as_bytes()).map_err(|e| fail(&e))?;
    let owner = Address::parse(owner.as_bytes()).map_err(|e| fail(&e))?;
    Ok(object(&[
        ("to", json_str(&hex0x(&asset.0))),
        ("data", json_str(&hex0x(&erc20_balance_of_call(&owner)))),
    ]))
}

/// Whether the `eth_call` answer `resultHex` covers `amount` (decimal atomic units):
/// [`pay402::page::balance_covers`].
#[wasm_bindgen(js_name = balanceCovers)]
pub fn balance_covers(result_hex: &str, amount: &str) -> JsResult<bool> {
    let amount =
        U256::parse_decimal(amount.as_bytes(), LeadingZeros::Reject).map_err(|e| fail(&e))?;
    page::balance_covers(result_hex.as_bytes(), amount).map_err(|e| fail(&e))
}

/// An SPL mint account (`getAccountInfo` data, base64, and its `owner`): `{decimals,
/// tokenProgram}` ([`pay402::page::mint_decimals`]).
#[wasm_bindgen(js_name = svmMint)]
pub fn svm_mint(account_info_base64_data: &str, owner: &str) -> JsResult<String> {
    let program = Pubkey::parse(owner.as_bytes()).map_err(|e| fail(&e))?;
    let mut data = vec![0u8; decoded_len_max(account_info_base64_data.len())];
    let data = decode_public_into(
        account_info_base64_data.as_bytes(),
        &Base64Policy::STANDARD_PADDED,
        &mut data,
    )
    .map_err(|e| fail(&e))?;
    let decimals = mint_decimals(&program, data).map_err(|e| fail(&e))?;
    Ok(object(&[
        ("decimals", dec(U256::from_u64(u64::from(decimals)))),
        ("tokenProgram", json_str(owner)),
    ]))
}

/// The payer's token account that pays `amount` (decimal atomic units) of `mint`, base58, from
/// the `getTokenAccountsByOwner` answer's `value` (JSON: `[{pubkey, account: {owner, data:
/// [<base64>, "base64"]}}]`): [`pay402::page::source_token_account`]. Errors
/// `token_account_missing`, `insufficient_balance`, `rpc_answer_invalid`.
#[wasm_bindgen(js_name = svmSourceAccount)]
pub fn svm_source_account(
    payer: &str,
    mint: &str,
    amount: &str,
    accounts_json: &str,
) -> JsResult<String> {
    let payer = Pubkey::parse(payer.as_bytes()).map_err(|e| fail(&e))?;
    let mint = Pubkey::parse(mint.as_bytes()).map_err(|e| fail(&e))?;
    let amount = U256::parse_decimal(amount.as_bytes(), LeadingZeros::Reject)
        .map_err(|e| fail(&e))?
        .to_u64()
        .ok_or_else(|| invalid("amount"))?;
    let answer = || fail(&page::PageError::RpcAnswer);
    let list = RawValue::parse(accounts_json.as_bytes()).map_err(|_| answer())?;
    let mut accounts = Vec::new();
    for entry in list.elements().ok_or_else(answer)? {
        let key =
            |v: Option<RawValue<'_>>| text_of(v).and_then(|t| Pubkey::parse(t.as_bytes()).ok());
        let account = entry.get("account");
        let address = key(entry.get("pubkey")).ok_or_else(answer)?;
        let program = key(account.and_then(|a| a.get("owner"))).ok_or_else(answer)?;
        let data = text_of(
            account
                .and_then(|a| a.get("data"))
                .and_then(|d| d.elements())
                .and_then(|mut d| d.next()),
        )
        .ok_or_else(answer)?;
        let mut bytes = vec![0u8; decoded_len_max(data.len())];
        let n = decode_public_into(data.as_bytes(), &Base64Policy::STANDARD_PADDED, &mut bytes)
            .map_err(|_| answer())?
            .len();
        bytes.truncate(n);
        accounts.push((address, program, bytes));
    }
    let source = page::source_token_account(
        accounts.iter().map(|(a, p, d)| (*a, *p, d.as_slice())),
        &mint,
        &payer,
        amount,
    )
    .map_err(|e| fail(&e))?;
    let mut b58 = [0u8; 44];
    Ok(source.to_base58(&mut b58).to_owned())
}

/// The unsigned Solana transfer for `accepts[index]` (what `solana:signTransaction` signs) from
/// the payer's `source` token account (see [`svm_source_account`]) to the payee's
/// `destination` (the offer's `payToTokenAccounts` entry of the mint's program): payer, token
/// accounts, recent blockhash and mint program in base58, the mint's decimals, and 16 random
/// bytes `memoHex` (the memo is `extra.memo` when the offer has one).
#[allow(
    clippy::too_many_arguments,
    reason = "the page's strings, converted here one by one"
)]
#[wasm_bindgen(js_name = svmUnsignedTransfer)]
pub fn svm_unsigned_transfer_bytes(
    required: &str,
    index: u32,
    payer: &str,
    source: &str,
    destination: &str,
    blockhash: &str,
    decimals: u8,
    token_program: &str,
    memo_hex: &str,
) -> JsResult<Vec<u8>> {
    let json = required_json(required)?;
    let required = parse_required(&json)?;
    let key = |text: &str| Pubkey::parse(text.as_bytes()).map_err(|e| fail(&e));
    let payer = key(payer)?;
    let accounts = TokenAccounts {
        source: key(source)?,
        destination: key(destination)?,
    };
    let chain = SvmChainState {
        recent_blockhash: key(blockhash)?.0,
        decimals,
        token_program: key(token_program)?,
    };
    let memo: [u8; 16] = hex_bytes(memo_hex, "memoHex")?;
    let mut wire = vec![0u8; pay402::svm::transaction::MAX_TRANSACTION_LEN];
    let n = svm_unsigned_transfer_between(
        &required,
        index_of(index),
        payer,
        &accounts,
        &chain,
        &memo,
        &mut wire,
    )
    .map_err(|e| fail(&e))?
    .len();
    wire.truncate(n);
    Ok(wire)
}

/// `{name, value}` of the payment header carrying the wallet's signed transaction.
#[wasm_bindgen(js_name = svmPaymentHeader)]
pub fn svm_payment_header(required: &str, index: u32, signed_tx: &[u8]) -> JsResult<String> {
    let json = required_json(required)?;
    let required = parse_required(&json)?;
    let value = grow(|buf| {
        let (scratch, out) = buf.split_at_mut(buf.len() / 2);
        write_svm_payment_header(&required, index_of(index), signed_tx, scratch, out)
            .map(str::to_owned)
    })
    .map_err(|e| fail(&e))?;
    Ok(header_json(payment_header_name(required.version()), &value))
}

/// The `Authorization` value `L402 <macaroon>:<preimage>` for the challenge's base64 macaroon
/// and the 32-byte payment preimage (hex).
#[wasm_bindgen(js_name = l402Authorization)]
pub fn l402_authorization(macaroon_b64: &str, preimage_hex: &str) -> JsResult<String> {
    let mut mac = vec![0u8; decoded_len_max(macaroon_b64.len())];
    let mac = pay402::base64::decode_into(macaroon_b64.as_bytes(), &Base64Policy::ANY, &mut mac)
        .map_err(|e| fail(&e))?;
    let preimage: [u8; 32] = hex_bytes(preimage_hex, "preimageHex")?;
    written(|w| pay402::l402::write_authorization(w, pay402::l402::Scheme::L402, mac, &preimage))
}

/// The server's refusal of a paid request: `{code, detailCode, message}` from the status,
/// the headers (`[[name, value], …]` JSON) and the body, read as the core's client reads it
/// (`read_paid_response`); an answer that is no refusal is `served` or `undetermined`.
#[wasm_bindgen(js_name = readRefusal)]
pub fn read_refusal(status: u16, headers_json: &str, body: &str) -> JsResult<String> {
    let headers = RawValue::parse(headers_json.as_bytes()).map_err(|e| fail(&e))?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    for pair in headers.elements().ok_or_else(|| invalid("headers"))? {
        let mut it = pair.elements().ok_or_else(|| invalid("headers"))?;
        match (text_of(it.next()), text_of(it.next())) {
            (Some(n), Some(v)) => pairs.push((n, v)),
            _ => return Err(invalid("headers")),
        }
    }
    let pairs: Vec<(&str, &[u8])> = pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let mut buf = vec![0u8; 4 * header::RECOMMENDED_BUFFER_LEN];
    let (code, detail, message) =
        match read_paid_response(status, &pairs, body.as_bytes(), &mut buf) {
            PaidResponse::Refused(r) => (
                unescaped(&r.code),
                r.detail_code.map(|d| unescaped(&d)),
                r.message.map(|m| unescaped(&m)).unwrap_or_default(),
            ),
            PaidResponse::Undetermined => ("undetermined".to_owned(), None, String::new()),
            PaidResponse::Served { .. } => ("served".to_owned(), None, String::new()),
        };
    Ok(object(&[
        ("code", json_str(&code)),
        (
            "detailCode",
            detail.map_or_else(|| "null".to_owned(), |d| json_str(&d)),
        ),
        ("message", json_str(&message)),
    ]))
}

/// The `PAYMENT-RESPONSE` receipt decoded: its JSON (`{success, transaction, network, payer, …}`).
#[wasm_bindgen(js_name = readReceipt)]
pub fn read_receipt(header_value: &str) -> JsResult<String> {
    let mut buf = vec![0u8; decoded_len_max(header_value.len())];
    let receipt =
        SettleResponse::from_header(header_value.as_bytes(), &mut buf).map_err(|e| fail(&e))?;
    written(|w| receipt.write_json(w))
}
