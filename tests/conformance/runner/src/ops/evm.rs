//! `evm.*` ops.

use super::{Outcome, code};
use crate::input;
use pay402::U256;
use pay402::evm::{
    AccessListItem, Address, Eip712Domain, Eip1559Transaction, Permit2Witness,
    PermitWitnessTransferFrom, PrivateKey, SignaturePolicy, TokenPermissions,
    TransferWithAuthorization, permit2_domain, recover_address,
};
use pay402::u256::LeadingZeros;
use serde_json::{Value, json};

fn address(value: &Value, key: &str) -> Result<Address, String> {
    Address::parse(input::str(value, key)?.as_bytes()).map_err(|_| input::bad(key))
}

fn u256(value: &Value, key: &str) -> Result<U256, String> {
    let text = input::str(value, key)?;
    U256::parse_decimal(text.as_bytes(), LeadingZeros::Reject).map_err(|_| input::bad(key))
}

/// The `domain` and `message` of an EIP-3009 typed-data case.
struct TypedData {
    authorization: TransferWithAuthorization,
    name: Option<String>,
    version: Option<String>,
    chain_id: u64,
    verifying_contract: Address,
}

impl TypedData {
    fn read(input: &Value) -> Result<Self, String> {
        let domain = input::get(input, "domain")?;
        let message = input::get(input, "message")?;
        Ok(Self {
            authorization: TransferWithAuthorization {
                from: address(message, "from")?,
                to: address(message, "to")?,
                value: u256(message, "value")?,
                valid_after: u256(message, "validAfter")?,
                valid_before: u256(message, "validBefore")?,
                nonce: input::hex_array::<32>(input::str(message, "nonce")?, "message.nonce")?,
            },
            name: input::opt_str(domain, "name").map(str::to_owned),
            version: input::opt_str(domain, "version").map(str::to_owned),
            chain_id: input::u64(domain, "chainId")?,
            verifying_contract: address(domain, "verifyingContract")?,
        })
    }

    fn domain(&self) -> Eip712Domain<'_> {
        Eip712Domain {
            name: self.name.as_deref(),
            version: self.version.as_deref(),
            chain_id: Some(self.chain_id),
            verifying_contract: Some(self.verifying_contract),
        }
    }
}

pub(crate) fn eip3009_digest(input: &Value) -> Outcome {
    let data = TypedData::read(input)?;
    let hashes = data.authorization.digests(&data.domain());
    Ok(json!({
        "domain_separator": input::to_0x(&hashes.domain_separator),
        "struct_hash": input::to_0x(&hashes.struct_hash),
        "digest": input::to_0x(&hashes.digest),
    }))
}

pub(crate) fn eip3009_sign(input: &Value) -> Outcome {
    let key = input::hex_array::<32>(input::str(input, "private_key_hex")?, "private_key_hex")?;
    let key = PrivateKey::from_bytes(&key).map_err(|e| code(&e))?;
    let data = TypedData::read(input)?;
    let signature = key.sign_prehash(&data.authorization.digest(&data.domain()));
    Ok(json!({ "signature": input::to_0x(&signature), "address": key.address().to_string() }))
}

pub(crate) fn recover(input: &Value) -> Outcome {
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

/// `chainId` and `permit` of a Permit2 typed-data case; the witness is the `upto` shape when it
/// names a `facilitator`.
pub(crate) fn permit2_digest(input: &Value) -> Outcome {
    let chain_id = input::u64(input, "chainId")?;
    let permit = input::get(input, "permit")?;
    let permitted = input::get(permit, "permitted")?;
    let witness = input::get(permit, "witness")?;
    let to = address(witness, "to")?;
    let valid_after = u256(witness, "validAfter")?;
    let witness = match input::opt_str(witness, "facilitator") {
        None => Permit2Witness::Exact { to, valid_after },
        Some(_) => Permit2Witness::Upto {
            to,
            facilitator: address(witness, "facilitator")?,
            valid_after,
        },
    };
    let message = PermitWitnessTransferFrom {
        permitted: TokenPermissions {
            token: address(permitted, "token")?,
            amount: u256(permitted, "amount")?,
        },
        spender: address(permit, "spender")?,
        nonce: u256(permit, "nonce")?,
        deadline: u256(permit, "deadline")?,
        witness,
    };
    let hashes = message.digests(&permit2_domain(chain_id));
    Ok(json!({
        "domain_separator": input::to_0x(&hashes.domain_separator),
        "struct_hash": input::to_0x(&hashes.struct_hash),
        "digest": input::to_0x(&hashes.digest),
    }))
}

/// A decimal string that fits in a `u64` (nonce, gas).
fn dec_u64(value: &Value, key: &str) -> Result<u64, String> {
    input::str(value, key)?
        .parse::<u64>()
        .map_err(|_| input::bad(key))
}

/// `evm.tx.sign`: an EIP-1559 transaction signed with `private_key_hex` → `raw`, `hash`, `from`.
pub(crate) fn tx_sign(input: &Value) -> Outcome {
    let tx = input::get(input, "tx")?;
    let data = input::hex_bytes(input::str(tx, "data")?, "tx.data")?;
    let mut items = Vec::new();
    for item in tx
        .get("accessList")
        .map(|v| v.as_array().ok_or_else(|| input::bad("tx.accessList")))
        .transpose()?
        .into_iter()
        .flatten()
    {
        let keys = input::get(item, "storageKeys")?
            .as_array()
            .ok_or_else(|| input::bad("storageKeys"))?
            .iter()
            .map(|k| {
                k.as_str()
                    .ok_or_else(|| input::bad("storageKeys"))
                    .and_then(|k| input::hex_array::<32>(k, "storageKeys"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        items.push((address(item, "address")?, keys));
    }
    let access_list: Vec<AccessListItem<'_>> = items
        .iter()
        .map(|(address, keys)| AccessListItem {
            address: *address,
            storage_keys: keys,
        })
        .collect();
    let transaction = Eip1559Transaction {
        chain_id: input::u64(tx, "chainId")?,
        nonce: dec_u64(tx, "nonce")?,
        max_priority_fee_per_gas: u256(tx, "maxPriorityFeePerGas")?,
        max_fee_per_gas: u256(tx, "maxFeePerGas")?,
        gas_limit: dec_u64(tx, "gas")?,
        to: Some(address(tx, "to")?),
        value: u256(tx, "value")?,
        data: &data,
        access_list: &access_list,
    };
    let key = PrivateKey::from_hex(input::str(input, "private_key_hex")?.as_bytes())
        .map_err(|e| code(&e))?;
    let mut out = vec![0u8; transaction.max_signed_len()];
    let signed = transaction.sign(&key, &mut out).map_err(|e| code(&e))?;
    Ok(json!({
        "raw": input::to_0x(signed.raw),
        "hash": input::to_0x(&signed.hash),
        "from": signed.from.to_string(),
    }))
}

/// `evm.signature.route`: how a payer's signature is checked once its code is known →
/// `route` (`ecdsa`, `eip1271`, `eip7702_eip1271`, `erc6492_counterfactual`), the (inner)
/// `signature`, and `delegate` / `factory` + `factory_calldata` where they apply.
pub(crate) fn signature_route(input: &Value) -> Outcome {
    use pay402::x402::smart_wallet::{SignatureRoute, route_signature};
    let signature = input::hex_bytes(input::str(input, "signature")?, "signature")?;
    let code_bytes = input::hex_bytes(input::str(input, "code")?, "code")?;
    let factories = input::get(input, "allowed_factories")?
        .as_array()
        .ok_or_else(|| input::bad("allowed_factories"))?
        .iter()
        .map(|f| {
            f.as_str()
                .and_then(|s| Address::parse(s.as_bytes()).ok())
                .ok_or_else(|| input::bad("allowed_factories"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let lower = |a: &Address| {
        let mut buf = [0u8; 42];
        a.to_checksum(&mut buf).to_ascii_lowercase()
    };
    Ok(
        match route_signature(&signature, &code_bytes, &factories).map_err(|e| code(&e))? {
            SignatureRoute::Ecdsa { signature } => {
                json!({"route": "ecdsa", "signature": input::to_0x(signature)})
            }
            SignatureRoute::Eip1271 {
                signature,
                delegation: None,
            } => json!({"route": "eip1271", "signature": input::to_0x(signature)}),
            SignatureRoute::Eip1271 {
                signature,
                delegation: Some(delegate),
            } => json!({"route": "eip7702_eip1271", "signature": input::to_0x(signature),
                "delegate": lower(&delegate)}),
            SignatureRoute::Counterfactual {
                factory,
                factory_calldata,
                signature,
            } => json!({"route": "erc6492_counterfactual", "signature": input::to_0x(signature),
                "factory": lower(&factory), "factory_calldata": input::to_0x(factory_calldata)}),
        },
    )
}
