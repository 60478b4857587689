//! The page's own decisions, on the paying side: which offers it shows and how (decoded from its
//! page data, each assessed by the x402 client, its amount in the asset's units), the ERC-20
//! balance it reads and whether that balance covers the price, and the Solana mint account it
//! reads. The page's script only moves these bytes between the wallet, the RPC and the DOM.

use crate::ErrorCode;
use crate::evm::Address;
use crate::json::{JsonStr, ObjectWriter, RawValue};
use crate::svm::{Pubkey, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};
use crate::u256::U256;
use crate::writer::Writer;
use crate::x402::client::{AssetId, ClientError, PayKind, assess, known_mint};
use crate::x402::default_assets::default_asset;
use crate::x402::network::Network;
use crate::x402::{PaymentRequired, header};

use super::error::PageError;
use super::page_data::{PAGE_DATA_VERSION, validate_symbol};
use super::write::write_amount;

/// The ERC-20 `balanceOf(address)` selector (<https://eips.ethereum.org/EIPS/eip-20>).
pub const ERC20_BALANCE_OF: [u8; 4] = [0x70, 0xa0, 0x82, 0x31];

/// The length of an SPL mint account's base layout
/// (<https://github.com/solana-program/token/blob/main/program/src/state.rs>).
pub const MINT_LEN: usize = 82;

fn data_error(detail: &'static str) -> PageError {
    PageError::Data { detail }
}

/// A display hint read back from the page data: decimals and symbol.
fn hint(
    display: Option<RawValue<'_>>,
    index: usize,
) -> Result<Option<(u8, JsonStr<'_>)>, PageError> {
    let Some(display) = display else {
        return Ok(None);
    };
    let invalid = || data_error(PageError::Display.code());
    let Some(hint) = display.elements().ok_or_else(invalid)?.nth(index) else {
        return Ok(None);
    };
    let decimals = hint
        .get("decimals")
        .and_then(|d| d.as_u64())
        .and_then(|d| u8::try_from(d).ok())
        .ok_or_else(invalid)?;
    let symbol = hint
        .get("symbol")
        .and_then(|s| s.as_str())
        .ok_or_else(invalid)?;
    validate_symbol(decimals, symbol.as_plain().ok_or_else(invalid)?).map_err(|_| invalid())?;
    Ok(Some((decimals, symbol)))
}

/// The SPL Token program id, base58.
const TOKEN_PROGRAM: &str = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
/// The Token-2022 program id, base58.
const TOKEN_2022_PROGRAM: &str = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";

/// The payee's token accounts of offer `index` from the page data's `svmPayTo` (written by the
/// server, which derives them): `(token, token2022)`, each a base58 public key.
fn svm_pay_to(
    list: Option<RawValue<'_>>,
    index: usize,
) -> Result<Option<(JsonStr<'_>, JsonStr<'_>)>, PageError> {
    let invalid = || data_error("page_svm_pay_to_invalid");
    let Some(list) = list else {
        return Ok(None);
    };
    for entry in list.elements().ok_or_else(invalid)? {
        let at = entry
            .get("index")
            .and_then(|i| i.as_u64())
            .ok_or_else(invalid)?;
        if usize::try_from(at).ok() != Some(index) {
            continue;
        }
        let key = |name| {
            entry
                .get(name)
                .and_then(|v| v.as_str())
                .filter(|s| {
                    s.as_plain()
                        .is_some_and(|p| Pubkey::parse(p.as_bytes()).is_ok())
                })
                .ok_or_else(invalid)
        };
        return Ok(Some((key("token")?, key("token2022")?)));
    }
    Ok(None)
}

/// Writes the offers the page shows, from its page data (the JSON [`super::write_page_data`]
/// writes): one object per `accepts` entry of its `paymentRequired`, `[]` when it has none:
///
/// `{"index","kind","chainIdHex"|"walletChain"+"payToTokenAccounts"|"reason","network","amount",
/// "amountDisplay","symbol","asset","payTo"}`
///
/// `kind` is `evm_eip3009` (with `chainIdHex`, the chain id as `wallet_switchEthereumChain`
/// takes it, <https://eips.ethereum.org/EIPS/eip-3326>) or `svm_exact` (with `walletChain`, the
/// Wallet Standard chain, and `payToTokenAccounts`, the payee's token account by token program id
/// from the page data's `svmPayTo`; without one the offer is `unpayable`,
/// `page_pay_to_account_missing`) when the page can pay it, else `unpayable` with the x402 client's
/// `reason` (Permit2 `exact` and `upto` need an allowance first: `permit2_not_supported`).
/// `amountDisplay` is the atomic `amount` in the asset's units ([`write_amount`]) with the
/// decimals and symbol of the page data's display hint, else (for an offer the page can pay)
/// of the chain's default asset or the Solana USDC mints, else the atomic amount and no symbol.
///
/// `scratch` holds the decoded `PAYMENT-REQUIRED` JSON ([`header::RECOMMENDED_BUFFER_LEN`] is
/// enough for every real offer). Errors: [`PageError::Data`] (the page data is not an object,
/// `v` is not 1, `paymentRequired` is not a string or does not decode, a display hint is
/// invalid), [`PageError::BufferTooSmall`]. Run under [`crate::writer::write_all`] for nothing
/// half-written.
///
/// ```
/// use pay402::page::write_offers;
/// use pay402::writer::write_all;
/// let mut scratch = [0u8; 1024];
/// let mut out = [0u8; 64];
/// let n = write_all(&mut out, |w| write_offers(w, br#"{"v":1}"#, &mut scratch)).unwrap();
/// assert_eq!(&out[..n], b"[]");
/// ```
pub fn write_offers(
    w: &mut Writer<'_>,
    page_data: &[u8],
    scratch: &mut [u8],
) -> Result<(), PageError> {
    let data = RawValue::parse(page_data).map_err(|e| data_error(e.code()))?;
    if data.members().is_none() {
        return Err(data_error("json_not_object"));
    }
    if data.get("v").and_then(|v| v.as_u64()) != Some(PAGE_DATA_VERSION) {
        return Err(data_error("page_data_version"));
    }
    let Some(required) = data.get("paymentRequired") else {
        return w.push_str("[]").map_err(Into::into);
    };
    let offer_invalid = || data_error(PageError::Offer.code());
    let value = required.as_str().ok_or_else(offer_invalid)?;
    let value = value.as_plain().ok_or_else(offer_invalid)?;
    let json = header::decode(value.as_bytes(), scratch).map_err(|e| data_error(e.code()))?;
    let required = PaymentRequired::from_json(json).map_err(|e| data_error(e.code()))?;
    let display = data.get("display");
    let svm_pay_to_list = data.get("svmPayTo");
    w.push_byte(b'[')?;
    for index in 0..required.accepts_len() {
        let Some(entry) = required.accept(index) else {
            break;
        };
        let hint = hint(display, index)?;
        if index > 0 {
            w.push_byte(b',')?;
        }
        let mut o = ObjectWriter::begin(w)?;
        o.field_u64("index", u64::try_from(index).unwrap_or(u64::MAX))?;
        let mut default: Option<(u8, &str)> = None;
        match assess(index, entry) {
            Ok(choice) => match (choice.kind, choice.network, choice.asset) {
                (PayKind::ExactEip3009, Network::Eip155 { chain_id }, AssetId::Evm(asset)) => {
                    o.field_str("kind", "evm_eip3009")?;
                    o.field_with("chainIdHex", |w| write_hex_quantity(w, chain_id))?;
                    default = default_asset(chain_id)
                        .filter(|d| Address::parse(d.address.as_bytes()).is_ok_and(|a| a == asset))
                        .map(|d| (d.decimals, d.symbol));
                }
                (PayKind::ExactSvm { .. }, Network::Solana(cluster), AssetId::Svm(mint)) => {
                    if let Some((token, token_2022)) = svm_pay_to(svm_pay_to_list, index)? {
                        o.field_str("kind", "svm_exact")?;
                        o.field_str("walletChain", cluster.wallet_standard_chain())?;
                        o.field_with("payToTokenAccounts", |w| {
                            let mut accounts = ObjectWriter::begin(w)?;
                            accounts.field_json_str(TOKEN_PROGRAM, &token)?;
                            accounts.field_json_str(TOKEN_2022_PROGRAM, &token_2022)?;
                            accounts.end()
                        })?;
                        // the mints the core knows are USDC's
                        default = known_mint(&mint).map(|(d, _)| (d, "USDC"));
                    } else {
                        o.field_str("kind", "unpayable")?;
                        o.field_str("reason", PageError::NoPayToAccount.code())?;
                    }
                }
                _ => {
                    o.field_str("kind", "unpayable")?;
                    o.field_str("reason", ClientError::Permit2NotSupported.code())?;
                }
            },
            Err(e) => {
                o.field_str("kind", "unpayable")?;
                o.field_str("reason", e.code())?;
            }
        }
        o.field_json_str("network", &entry.network())?;
        let mut digits = [0u8; 78];
        let amount = entry.amount().to_decimal(&mut digits);
        o.field_str("amount", amount)?;
        let decimals = hint.map(|(d, _)| d).or(default.map(|(d, _)| d));
        o.field_with("amountDisplay", |w| {
            w.push_byte(b'"')?;
            match decimals {
                Some(d) => write_amount(w, amount, d).map_err(|_| crate::BufferTooSmall)?,
                None => w.push_str(amount)?,
            }
            w.push_byte(b'"')
        })?;
        match (hint, default) {
            (Some((_, symbol)), _) => o.field_json_str("symbol", &symbol)?,
            (None, Some((_, symbol))) => o.field_str("symbol", symbol)?,
            (None, None) => o.field_str("symbol", "")?,
        }
        o.field_json_str("asset", &entry.asset())?;
        o.field_json_str("payTo", &entry.pay_to())?;
        o.end()?;
    }
    w.push_byte(b']')?;
    Ok(())
}

/// `"0x…"`: `value` as an Ethereum JSON-RPC quantity (lower-case hex, no leading zeros).
fn write_hex_quantity(w: &mut Writer<'_>, value: u64) -> Result<(), crate::BufferTooSmall> {
    w.push_str("\"0x")?;
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(7);
    let bytes = bytes.get(first..).unwrap_or_default();
    let mut digits = [0u8; 16];
    let n = crate::writer::write_all(&mut digits, |d| crate::hex::write_lower(d, bytes))?;
    let text = digits.get(..n).unwrap_or_default();
    let start = usize::from(text.first() == Some(&b'0') && text.len() > 1);
    w.push(text.get(start..).unwrap_or_default())?;
    w.push_byte(b'"')
}

/// The `eth_call` data reading `owner`'s ERC-20 balance: [`ERC20_BALANCE_OF`] and the owner
/// left-padded to 32 bytes (the ABI encoding of `balanceOf(address)`).
///
/// ```
/// use pay402::evm::Address;
/// use pay402::page::erc20_balance_of_call;
/// let call = erc20_balance_of_call(&Address([0x11; 20]));
/// assert_eq!(call[..4], [0x70, 0xa0, 0x82, 0x31]);
/// assert_eq!(call[4..16], [0; 12]);
/// assert_eq!(call[16..], [0x11; 20]);
/// ```
#[must_use]
pub fn erc20_balance_of_call(owner: &Address) -> [u8; 36] {
    let mut call = [0u8; 36];
    let (selector, rest) = call.split_at_mut(4);
    selector.copy_from_slice(&ERC20_BALANCE_OF);
    if let Some(tail) = rest.get_mut(12..) {
        tail.copy_from_slice(&owner.0);
    }
    call
}

/// Whether the `eth_call` answer `result` of [`erc20_balance_of_call`] (a `uint256`: `0x` and
/// 1 to 64 hex digits) covers `amount`. [`PageError::RpcAnswer`] for anything else.
///
/// ```
/// use pay402::page::balance_covers;
/// use pay402::u256::U256;
/// let ten = b"0x000000000000000000000000000000000000000000000000000000000000000a";
/// assert_eq!(balance_covers(ten, U256::from_u64(10)), Ok(true));
/// assert_eq!(balance_covers(ten, U256::from_u64(11)), Ok(false));
/// assert!(balance_covers(b"0x", U256::from_u64(1)).is_err());
/// ```
pub fn balance_covers(result: &[u8], amount: U256) -> Result<bool, PageError> {
    let balance = U256::parse_hex_prefixed(result).map_err(|_| PageError::RpcAnswer)?;
    Ok(balance >= amount)
}

/// The SPL token account length (`Account::LEN`); Token-2022 accounts with extensions are longer.
pub const TOKEN_ACCOUNT_LEN: usize = 165;

/// Which of the payer's token accounts pays `amount` of `mint`: the first of `accounts`
/// (`(address, owner program, data)`, as `getTokenAccountsByOwner` lists them) that is an
/// initialized (not frozen) SPL Token or Token-2022 account of `mint` owned by `payer` and holds
/// at least `amount` (account layout: mint at 0, owner at 32, amount `u64` little-endian at 64,
/// state at 108 with 1 = initialized;
/// <https://github.com/solana-program/token/blob/main/program/src/state.rs>).
///
/// Errors: [`PageError::NoTokenAccount`] (none of them is such an account),
/// [`PageError::InsufficientBalance`] (none holds the amount).
pub fn source_token_account<'a>(
    accounts: impl IntoIterator<Item = (Pubkey, Pubkey, &'a [u8])>,
    mint: &Pubkey,
    payer: &Pubkey,
    amount: u64,
) -> Result<Pubkey, PageError> {
    let mut found = false;
    for (address, program, data) in accounts {
        if program != TOKEN_PROGRAM_ID && program != TOKEN_2022_PROGRAM_ID {
            continue;
        }
        let (Some(account_mint), Some(owner), Some(balance), Some(&1)) = (
            data.get(..32),
            data.get(32..64),
            data.get(64..72),
            data.get(108),
        ) else {
            continue;
        };
        if data.len() < TOKEN_ACCOUNT_LEN || account_mint != mint.0 || owner != payer.0 {
            continue;
        }
        found = true;
        let mut le = [0u8; 8];
        le.copy_from_slice(balance);
        if u64::from_le_bytes(le) >= amount {
            return Ok(address);
        }
    }
    Err(if found {
        PageError::InsufficientBalance
    } else {
        PageError::NoTokenAccount
    })
}

/// The decimals of a mint account read over RPC (`getAccountInfo`: its `owner` and its data):
/// the owner must be SPL Token or Token-2022 ([`PageError::MintProgram`]), the data an
/// initialized mint of at least [`MINT_LEN`] bytes, `decimals` at byte 44 and `is_initialized`
/// (1) at byte 45 ([`PageError::Mint`]).
pub fn mint_decimals(owner: &Pubkey, data: &[u8]) -> Result<u8, PageError> {
    if *owner != TOKEN_PROGRAM_ID && *owner != TOKEN_2022_PROGRAM_ID {
        return Err(PageError::MintProgram);
    }
    match (data.len() >= MINT_LEN, data.get(44), data.get(45)) {
        (true, Some(&decimals), Some(&1)) => Ok(decimals),
        _ => Err(PageError::Mint),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_quantity() {
        for (value, text) in [
            (0, "\"0x0\""),
            (1, "\"0x1\""),
            (84532, "\"0x14a34\""),
            (8453, "\"0x2105\""),
        ] {
            let mut buf = [0u8; 24];
            let mut w = Writer::new(&mut buf);
            write_hex_quantity(&mut w, value).unwrap();
            assert_eq!(w.written(), text.as_bytes());
        }
    }
}
