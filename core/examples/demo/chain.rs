//! Local-chain mode: settle the x402 payment for real on a development chain.
//!
//! When a Hardhat or Anvil node answers on `PAY402_DEMO_RPC` (default `http://127.0.0.1:8545`)
//! with chain id 31337, the demo deploys its own EIP-3009 token there, mints the price to the
//! payer, and settles the paid request as a self-hosted facilitator does: the calldata of
//! `transferWithAuthorization` from the core (`pay402::x402::settle_calldata`), an EIP-1559
//! transaction signed by the core (`pay402::evm::Eip1559Transaction`), sent with
//! `eth_sendRawTransaction`, and the receipt's outcome turned into the `SettleResponse` by the
//! core's settlement state machine (`pay402::x402::evm_settlement`).
//!
//! The keys are Hardhat's public test accounts (#0 pays, #1 pays the gas), so the demo refuses
//! any chain id but 31337 and any RPC host but loopback. No chain answering: the stand-in.
//!
//! `Eip3009Token.hex` is the creation code of `tests/chain/contracts/Eip3009Token.sol` as
//! `tests/chain/compile.mjs` compiles it (solc-js 0.8.26, optimizer on, 200 runs, cancun);
//! `tests/chain/run.sh` checks that the two are the same bytes.

use crate::http;
use pay402::U256;
use pay402::evm::abi;
use pay402::evm::{Address, Eip1559Transaction, PrivateKey, keccak256};
use pay402::json::RawValue;
use pay402::writer::{Writer, write_all};
use pay402::x402::evm_settlement::{Broadcast, Built, SettleMethod};
use pay402::x402::facilitator::SettleRequest;
use pay402::x402::refund::{Refund, RefundOrder, RefundPhase, RefundVerdict};
use pay402::x402::settle_calldata;

/// Hardhat/Anvil's chain id: the only chain the public test keys may be used on.
pub(crate) const CHAIN_ID: u64 = 31_337;
/// The default RPC URL of Hardhat and Anvil.
const DEFAULT_RPC: &str = "http://127.0.0.1:8545";
/// Hardhat/Anvil account #1, public knowledge: the facilitator that pays the gas (and, in the
/// WS402 round, the seller that is paid and refunds).
const FACILITATOR_KEY: &str = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/// The token's EIP-712 domain and symbol (its constructor arguments).
pub(crate) const TOKEN_NAME: &str = "pay402 Demo Dollar";
pub(crate) const TOKEN_VERSION: &str = "2";
const TOKEN_SYMBOL: &str = "P4DD";
const CREATION_CODE: &str = include_str!("Eip3009Token.hex");
/// How long the demo waits for a receipt before reporting the settlement as pending.
const RECEIPT_TIMEOUT: core::time::Duration = core::time::Duration::from_secs(30);

/// A development chain the demo settles on, with its token deployed.
pub(crate) struct LocalChain {
    port: u16,
    /// The CAIP-2 network, `eip155:31337`.
    pub(crate) network: String,
    /// The token the demo sells for.
    pub(crate) token: String,
}

/// The chain named by `PAY402_DEMO_RPC`, or Hardhat/Anvil's default port: `Ok(None)` when
/// nothing answers there (the stand-in is used), an error when something answers but is not a
/// local development chain, or when `PAY402_DEMO_RPC` names one that does not answer.
pub(crate) fn detect() -> Result<Option<LocalChain>, String> {
    let configured = std::env::var("PAY402_DEMO_RPC").ok();
    let url = configured.as_deref().unwrap_or(DEFAULT_RPC);
    let port = loopback_port(url)?;
    let chain_id = match rpc(port, "eth_chainId", "[]") {
        Ok(id) => quantity(&id)?,
        Err(e) if configured.is_none() => {
            println!("  no local chain on {url} ({e}): settlement is the stand-in");
            return Ok(None);
        }
        Err(e) => return Err(format!("PAY402_DEMO_RPC={url}: {e}")),
    };
    if chain_id != CHAIN_ID {
        return Err(format!(
            "the chain on {url} has id {chain_id}; the demo's keys are public test keys and settle only on a local development chain (id {CHAIN_ID})"
        ));
    }
    let mut chain = LocalChain {
        port,
        network: format!("eip155:{CHAIN_ID}"),
        token: String::new(),
    };
    chain.token = chain.deploy_token()?;
    println!(
        "  LOCAL CHAIN on {url} (chain id {CHAIN_ID}): deployed EIP-3009 token \"{TOKEN_NAME}\" at {}",
        chain.token
    );
    Ok(Some(chain))
}

/// `http://127.0.0.1:PORT` or `http://localhost:PORT`: the demo sends its public test keys'
/// transactions to nothing else.
fn loopback_port(url: &str) -> Result<u16, String> {
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .or_else(|| url.strip_prefix("http://localhost:"))
        .ok_or_else(|| format!("{url}: the demo talks only to http://127.0.0.1:PORT"))?;
    rest.trim_end_matches('/')
        .parse()
        .map_err(|_| format!("{url}: no port"))
}

/// Sends one JSON-RPC request and returns its `result` as JSON text.
fn rpc(port: u16, method: &str, params: &str) -> Result<String, String> {
    let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#);
    let response = http::post_json(port, "/", body.as_bytes()).map_err(|e| e.to_string())?;
    let value = RawValue::parse(&response.body).map_err(|e| format!("{method}: {e}"))?;
    if let Some(error) = value.get("error") {
        let message = error
            .get("message")
            .and_then(|m| m.as_str())
            .map_or_else(|| error.as_text().to_owned(), |m| m.chars().collect());
        return Err(format!("{method}: {message}"));
    }
    value
        .get("result")
        .map(|r| r.as_text().to_owned())
        .ok_or_else(|| format!("{method}: no result"))
}

/// A JSON-RPC quantity (`"0x1b4"`).
fn quantity(json: &str) -> Result<u64, String> {
    let digits = json
        .trim_matches('"')
        .strip_prefix("0x")
        .ok_or_else(|| format!("not a quantity: {json}"))?;
    u64::from_str_radix(digits, 16).map_err(|_| format!("not a quantity: {json}"))
}

fn hex(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2];
    pay402::hex::encode_lower_into(bytes, &mut out)
        .map(str::to_owned)
        .unwrap_or_default()
}

fn selector(signature: &str) -> [u8; 4] {
    let h = keccak256(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// What sending a transaction led to.
enum Sent {
    /// The node accepted it: its hash.
    Hash(String),
    /// Gas estimation (the simulation) reverted: the revert text.
    Reverted(String),
}

impl LocalChain {
    /// Estimates, signs (the core) and sends `data` to `to` (`None`: a contract creation) from
    /// `key`.
    fn send(&self, key: &PrivateKey, to: Option<Address>, data: &[u8]) -> Result<Sent, String> {
        self.send_value(key, to, U256::ZERO, data)
    }

    /// [`LocalChain::send`] with `value` wei attached (a native-coin refund).
    fn send_value(
        &self,
        key: &PrivateKey,
        to: Option<Address>,
        value: U256,
        data: &[u8],
    ) -> Result<Sent, String> {
        let from = key.address();
        // a JSON-RPC quantity: 0x and the hex digits without leading zeros ("0x0" for zero)
        let digits = hex(&value.to_be_bytes());
        let digits = digits.trim_start_matches('0');
        let value_hex = format!("0x{}", if digits.is_empty() { "0" } else { digits });
        let call = match to {
            Some(to) => format!(
                r#"{{"from":"{from}","to":"{to}","value":"{value_hex}","data":"0x{}"}}"#,
                hex(data)
            ),
            None => format!(
                r#"{{"from":"{from}","value":"{value_hex}","data":"0x{}"}}"#,
                hex(data)
            ),
        };
        let gas = match rpc(self.port, "eth_estimateGas", &format!("[{call}]")) {
            Ok(gas) => quantity(&gas)?,
            Err(revert) => return Ok(Sent::Reverted(revert)),
        };
        let nonce = quantity(&rpc(
            self.port,
            "eth_getTransactionCount",
            &format!(r#"["{from}","pending"]"#),
        )?)?;
        let block = rpc(self.port, "eth_getBlockByNumber", r#"["latest",false]"#)?;
        let base_fee = RawValue::parse(block.as_bytes())
            .ok()
            .and_then(|b| b.get("baseFeePerGas"))
            .map(|f| f.as_text().to_owned())
            .ok_or("latest block without baseFeePerGas")?;
        let base_fee = quantity(&base_fee)?;
        let tip = quantity(&rpc(self.port, "eth_maxPriorityFeePerGas", "[]")?)?;
        let tx = Eip1559Transaction {
            chain_id: CHAIN_ID,
            nonce,
            max_priority_fee_per_gas: U256::from_u64(tip),
            max_fee_per_gas: U256::from_u64(base_fee.saturating_mul(2).saturating_add(tip)),
            gas_limit: gas.saturating_add(gas / 5),
            to,
            value,
            data,
            access_list: &[],
        };
        let mut raw = vec![0u8; tx.max_signed_len()];
        let signed = tx.sign(key, &mut raw).map_err(|e| e.to_string())?;
        let hash = rpc(
            self.port,
            "eth_sendRawTransaction",
            &format!(r#"["0x{}"]"#, hex(signed.raw)),
        )?;
        Ok(Sent::Hash(hash.trim_matches('"').to_owned()))
    }

    /// The receipt of `hash` within [`RECEIPT_TIMEOUT`]: `Some(receipt JSON)`, `None` on timeout.
    fn receipt(&self, hash: &str) -> Result<Option<String>, String> {
        let deadline = std::time::Instant::now() + RECEIPT_TIMEOUT;
        loop {
            let receipt = rpc(
                self.port,
                "eth_getTransactionReceipt",
                &format!(r#"["{hash}"]"#),
            )?;
            if receipt != "null" {
                return Ok(Some(receipt));
            }
            if std::time::Instant::now() > deadline {
                return Ok(None);
            }
            std::thread::sleep(core::time::Duration::from_millis(100));
        }
    }

    fn receipt_field(receipt: &str, field: &str) -> Option<String> {
        RawValue::parse(receipt.as_bytes())
            .ok()
            .and_then(|r| r.get(field))
            .and_then(|v| v.as_str())
            .map(|v| v.chars().collect())
    }

    /// Deploys the demo token from account #0 (which becomes its minter); returns its address.
    fn deploy_token(&self) -> Result<String, String> {
        let deployer = test_key(crate::x402_round::TEST_KEY)?;
        let mut code = vec![0u8; CREATION_CODE.trim().len() / 2];
        let code = pay402::hex::decode_into(CREATION_CODE.trim().as_bytes(), &mut code)
            .map_err(|e| e.to_string())?
            .to_vec();
        let mut data = vec![0u8; code.len() + 32 * 9];
        let n = write_all(&mut data, |w| {
            w.push(&code)?;
            // constructor(string name, string version, string symbol): three offsets, three tails.
            let strings = [TOKEN_NAME, TOKEN_VERSION, TOKEN_SYMBOL];
            let mut offset = strings.len() * 32;
            for s in strings {
                abi::write_usize(w, offset)?;
                offset += abi::bytes_tail_len(s.as_bytes());
            }
            for s in strings {
                abi::write_bytes_tail(w, s.as_bytes())?;
            }
            Ok::<(), pay402::BufferTooSmall>(())
        })
        .map_err(|e| e.to_string())?;
        data.truncate(n);
        let Sent::Hash(hash) = self.send(&deployer, None, &data)? else {
            return Err("deploying the demo token reverted".into());
        };
        let receipt = self
            .receipt(&hash)?
            .ok_or("no receipt for the token deployment")?;
        Self::receipt_field(&receipt, "contractAddress")
            .ok_or_else(|| "the token deployment has no contract address".into())
    }

    /// Mints `amount` of the token to `to` (account #0 is the minter) and waits for it.
    pub(crate) fn mint(&self, to: &Address, amount: u64) -> Result<(), String> {
        let minter = test_key(crate::x402_round::TEST_KEY)?;
        let mut data = [0u8; 4 + 64];
        write_all(&mut data, |w| {
            w.push(&selector("mint(address,uint256)"))?;
            abi::write_address(w, to)?;
            abi::write_uint(w, &U256::from_u64(amount))
        })
        .map_err(|e| e.to_string())?;
        let Sent::Hash(hash) = self.send(&minter, Some(self.token_address()?), &data)? else {
            return Err("mint reverted".into());
        };
        self.receipt(&hash)?.ok_or("no receipt for the mint")?;
        Ok(())
    }

    /// The token balance of `owner`, read with `eth_call`.
    pub(crate) fn balance_of(&self, owner: &str) -> Result<u64, String> {
        let owner = Address::parse(owner.as_bytes()).map_err(|e| e.to_string())?;
        let mut data = [0u8; 4 + 32];
        write_all(&mut data, |w| {
            w.push(&selector("balanceOf(address)"))?;
            abi::write_address(w, &owner)
        })
        .map_err(|e| e.to_string())?;
        let call = format!(
            r#"[{{"to":"{}","data":"0x{}"}},"latest"]"#,
            self.token,
            hex(&data)
        );
        let word = rpc(self.port, "eth_call", &call)?;
        let digits = word.trim_matches('"').trim_start_matches("0x");
        let tail = digits.get(digits.len().saturating_sub(16)..).unwrap_or("");
        u64::from_str_radix(tail, 16).map_err(|_| format!("balanceOf: {word}"))
    }

    fn token_address(&self) -> Result<Address, String> {
        Address::parse(self.token.as_bytes()).map_err(|e| e.to_string())
    }

    /// Settles the `/settle` body as a facilitator: the core builds the calldata and the
    /// transaction and decides the `SettleResponse` (returned as JSON) from what the chain did.
    pub(crate) fn settle(&self, settle_body: &[u8], payer: &str) -> Result<Vec<u8>, String> {
        let request = SettleRequest::from_json(settle_body).map_err(|e| e.to_string())?;
        let mut calldata = vec![0u8; 2048];
        let call = settle_calldata(
            &request.payment_requirements,
            &request.payment_payload,
            None,
            &mut calldata,
        )
        .map_err(|e| e.to_string())?;
        let network = request.payment_requirements.network();
        let network: String = network.chars().collect();
        let built = Built::new(&network, payer, SettleMethod::Eip3009, None);
        let facilitator = test_key(FACILITATOR_KEY)?;
        println!(
            "    [facilitator {}] transferWithAuthorization on {} ({} bytes of calldata, EIP-1559 transaction signed by the core)",
            facilitator.address(),
            call.to,
            call.data.len()
        );
        let sent = self.send(&facilitator, Some(call.to), call.data)?;
        let (hash, receipt) = match &sent {
            Sent::Reverted(text) => return json(&built.transfer_reverted(text)),
            Sent::Hash(hash) => (hash.as_str(), self.receipt(hash)?),
        };
        let submitted = match built.submitted(hash) {
            Broadcast::Submitted(submitted) => submitted,
            Broadcast::Ended(result) => return json(&result),
        };
        println!("    [facilitator] sent {hash}");
        let result = match receipt {
            None => submitted.receipt_unavailable("no receipt within 30 s"),
            Some(r) if Self::receipt_field(&r, "status").as_deref() == Some("0x1") => {
                submitted.confirmed()
            }
            Some(_) => submitted.reverted(),
        };
        json(&result)
    }
}

/// The settler's address (Hardhat/Anvil account #1): it pays the gas of every settlement and,
/// as the WS402 seller's `payTo`, holds the prepayment it refunds from.
pub(crate) fn settler() -> Result<Address, String> {
    test_key(FACILITATOR_KEY).map(|k| k.address())
}

impl LocalChain {
    /// Pays a refund order as the settler: the order's own transaction (`to`
    /// [`RefundOrder::tx_to`], `value` [`RefundOrder::tx_value`], data [`RefundOrder::calldata`]:
    /// the ERC-20 `transfer(to, amount)` to the token, or a value transfer to the payer for the
    /// native coin), an EIP-1559 transaction signed by the core, and the core's refund machine
    /// ([`Refund`]) turns what the chain did into the verdict. Returns the verdict and the
    /// transaction hash (empty when nothing was sent).
    pub(crate) fn refund(&self, order: &RefundOrder) -> Result<(RefundVerdict, String), String> {
        if order.chain_id() != CHAIN_ID {
            return Err(format!(
                "a refund on chain {} is not the local chain's",
                order.chain_id()
            ));
        }
        let mut calldata = [0u8; pay402::evm::erc20::TRANSFER_CALLDATA_LEN];
        let data = order.calldata(&mut calldata).map_err(|e| e.to_string())?;
        let settler = test_key(FACILITATOR_KEY)?;
        println!(
            "    [settler {}] refund of {} to {}: transaction to {} with value {} and {} bytes of calldata, built by the core",
            settler.address(),
            order.amount(),
            order.to(),
            order.tx_to(),
            order.tx_value(),
            data.len()
        );
        let mut refund = Refund::at(*order, RefundPhase::Built);
        let sent = self.send_value(&settler, Some(order.tx_to()), order.tx_value(), data)?;
        let result = match &sent {
            Sent::Reverted(text) => refund.send_failed(text),
            Sent::Hash(hash) => match refund.submitted(hash) {
                Ok(Some(ended)) => Ok(ended),
                Ok(None) => match self.receipt(hash)? {
                    None => refund.receipt_unavailable("no receipt within 30 s"),
                    Some(r) if Self::receipt_field(&r, "status").as_deref() == Some("0x1") => {
                        refund.confirmed()
                    }
                    Some(_) => refund.reverted(),
                },
                Err(e) => Err(e),
            },
        }
        .map_err(|e| e.to_string())?;
        Ok((result.verdict(), result.transaction.to_owned()))
    }
}

fn test_key(hex_key: &str) -> Result<PrivateKey, String> {
    PrivateKey::from_hex(hex_key.as_bytes()).map_err(|e| e.to_string())
}

fn json(result: &pay402::x402::evm_settlement::SettlementResult<'_>) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; 2048];
    let n = write_all(&mut out, |w: &mut Writer<'_>| result.write_json(w))
        .map_err(|e| e.to_string())?;
    out.truncate(n);
    Ok(out)
}
