//! `evm.*` ops.

use super::{code, Outcome};
use crate::input;
use pay402::evm::{recover_address, Address, Eip712Domain, PrivateKey, SignaturePolicy, TransferWithAuthorization};
use pay402::u256::LeadingZeros;
use pay402::U256;
use serde_json::{json, Value};

fn address(value: &Value, key: &str) -> Result<Address, String> {
    Address::parse(input::str(value, key)?.as_bytes()).map_err(|_| input::bad(key))
}

fn u256(value: &Value, key: &str) -> Result<U256, String> {
    let text = input::str(value, key)?;
    U256::parse_decimal(text.as_bytes(), LeadingZeros::Reject).map_err(|_| input::bad(key))
}

/// Reads `domain` and `message`; returns the authorization and the domain's owned strings.
fn typed_data(input: &Value) -> Result<(TransferWithAuthorization, Option<String>, Option<String>, u64, Address), String> {
    let domain = input::get(input, "domain")?;
    let message = input::get(input, "message")?;
    let authorization = TransferWithAuthorization {
        from: address(message, "from")?,
        to: address(message, "to")?,
        value: u256(message, "value")?,
        valid_after: u256(message, "validAfter")?,
        valid_before: u256(message, "validBefore")?,
        nonce: input::hex_array::<32>(input::str(message, "nonce")?, "message.nonce")?,
    };
    Ok((
        authorization,
        input::opt_str(domain, "name").map(str::to_owned),
        input::opt_str(domain, "version").map(str::to_owned),
        input::u64(domain, "chainId")?,
        address(domain, "verifyingContract")?,
    ))
}

pub fn eip3009_digest(input: &Value) -> Outcome {
    let (authorization, name, version, chain_id, contract) = typed_data(input)?;
    let domain = Eip712Domain {
        name: name.as_deref(),
        version: version.as_deref(),
        chain_id: Some(chain_id),
        verifying_contract: Some(contract),
    };
    let hashes = authorization.digests(&domain);
    Ok(json!({
        "domain_separator": input::to_0x(&hashes.domain_separator),
        "struct_hash": input::to_0x(&hashes.struct_hash),
        "digest": input::to_0x(&hashes.digest),
    }))
}

pub fn eip3009_sign(input: &Value) -> Outcome {
    let key = input::hex_array::<32>(input::str(input, "private_key_hex")?, "private_key_hex")?;
    let key = PrivateKey::from_bytes(&key).map_err(|e| code(&e))?;
    let (authorization, name, version, chain_id, contract) = typed_data(input)?;
    let domain = Eip712Domain {
        name: name.as_deref(),
        version: version.as_deref(),
        chain_id: Some(chain_id),
        verifying_contract: Some(contract),
    };
    let signature = key.sign_prehash(&authorization.digest(&domain));
    Ok(json!({ "signature": input::to_0x(&signature), "address": key.address().to_string() }))
}

pub fn recover(input: &Value) -> Outcome {
    let digest = input::hex_array::<32>(input::str(input, "digest")?, "digest")?;
    let signature = input::hex_bytes(input::str(input, "signature")?, "signature")?;
    let policy = match input::opt_str(input, "policy") {
        None | Some("strict") => SignaturePolicy::Strict,
        Some("lenient") => SignaturePolicy::Lenient,
        Some(_) => return Err(input::bad("policy")),
    };
    let address = recover_address(&digest, &signature, policy).map_err(|e| code(&e))?;
    Ok(json!({ "address": address.to_string() }))
}
