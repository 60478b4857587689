//! Default tokens per chain and their EIP-712 domains (the reference SDKs' tables, <https://github.com/coinbase/x402>,
//! and x402-rs's).
//!
//! These are **hints** for building requirements and for diagnosing a failed signature. During
//! verification the domain comes only from `requirements.extra` (`name`, `version`): `extra`
//! always wins, and a missing domain is an error, never a silent fallback to this table.
//!
//! The EIP-712 `name` is not uniform across chains (Base "USD Coin" vs Base Sepolia "USDC"); where
//! implementations disagree the entry is flagged with [`DefaultAsset::disputed`].

/// How the payer moves the tokens under the `exact` scheme (`extra.assetTransferMethod`,
/// <https://github.com/coinbase/x402/blob/main/specs/schemes/exact/scheme_exact_evm.md>): for a
/// default asset, and for an offer the client selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssetTransferMethod {
    /// EIP-3009 `transferWithAuthorization` (the default when `extra` does not say).
    Eip3009,
    /// A Permit2 witness transfer through the x402 exact proxy. Client selection returns such
    /// entries only when [`crate::x402::client::PayerPolicy::allow_permit2`] is set.
    Permit2,
}

impl AssetTransferMethod {
    /// The name bindings and vectors use: `eip3009` or `permit2` (the wire value of
    /// `extra.assetTransferMethod` for Permit2 is `permit2` too).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eip3009 => "eip3009",
            Self::Permit2 => "permit2",
        }
    }
}

/// One chain's default payment token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DefaultAsset {
    /// The EIP-155 chain id.
    pub chain_id: u64,
    /// The token contract address as the reference SDKs write it (EIP-55 or lowercase).
    pub address: &'static str,
    /// Token symbol.
    pub symbol: &'static str,
    /// EIP-712 domain `name`.
    pub eip712_name: &'static str,
    /// EIP-712 domain `version`, when known.
    pub eip712_version: Option<&'static str>,
    /// Token decimals.
    pub decimals: u8,
    /// How the token is transferred.
    pub transfer_method: AssetTransferMethod,
    /// `true` when implementations disagree on the domain; the token's on-chain
    /// `name()`/`version()` decide.
    pub disputed: bool,
}

const fn usdc(
    chain_id: u64,
    address: &'static str,
    eip712_name: &'static str,
    eip712_version: Option<&'static str>,
    disputed: bool,
) -> DefaultAsset {
    DefaultAsset {
        chain_id,
        address,
        symbol: "USDC",
        eip712_name,
        eip712_version,
        decimals: 6,
        transfer_method: AssetTransferMethod::Eip3009,
        disputed,
    }
}

const V2: Option<&str> = Some("2");

/// The default asset table, keyed by chain id.
pub const DEFAULT_ASSETS: &[DefaultAsset] = &[
    usdc(
        8453,
        "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
        "USD Coin",
        V2,
        false,
    ),
    usdc(
        84_532,
        "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
        "USDC",
        V2,
        false,
    ),
    // x402-rs says "USDC"; the TS, Go and legacy SDKs say "USD Coin".
    usdc(
        137,
        "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359",
        "USD Coin",
        V2,
        true,
    ),
    usdc(
        80_002,
        "0x41E94Eb019C0762f9Bfcf9Fb1E58725BfB0e7582",
        "USDC",
        V2,
        false,
    ),
    usdc(
        43_114,
        "0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E",
        "USD Coin",
        V2,
        false,
    ),
    usdc(
        43_113,
        "0x5425890298aed601595a70AB815c96711a31Bc65",
        "USD Coin",
        V2,
        false,
    ),
    usdc(
        42_161,
        "0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
        "USD Coin",
        V2,
        false,
    ),
    usdc(
        421_614,
        "0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d",
        "USD Coin",
        V2,
        false,
    ),
    usdc(
        143,
        "0x754704Bc059F8C67012fEd69BC8A327a5aafb603",
        "USD Coin",
        V2,
        false,
    ),
    usdc(
        1329,
        "0xe15fC38F6D8c56aF07bbCBe3BAf5708A2Bf42392",
        "USDC",
        V2,
        false,
    ),
    usdc(
        1328,
        "0x4fCF1784B31630811181f670Aea7A7bEF803eaED",
        "USDC",
        V2,
        false,
    ),
    usdc(
        4689,
        "0xcdf79194c6c285077a58da47641d4dbe51f63542",
        "Bridged USDC",
        V2,
        false,
    ),
    usdc(
        3338,
        "0xbbA60da06c2c5424f03f7434542280FCAd453d10",
        "USDC",
        V2,
        false,
    ),
    usdc(
        2741,
        "0x84a71ccd554cc1b02749b35d22f684cc8ec987e1",
        "Bridged USDC",
        None,
        false,
    ),
    usdc(
        11_124,
        "0xe4C7fBB0a626ed208021ccabA6Be1566905E2dFc",
        "Bridged USDC",
        None,
        false,
    ),
    usdc(
        1514,
        "0xF1815bd50389c46847f0Bda824eC8da914045D14",
        "Bridged USDC",
        None,
        false,
    ),
    usdc(
        41_923,
        "0x12a272A581feE5577A5dFa371afEB4b2F3a8C2F8",
        "Bridged USDC (Stargate)",
        None,
        false,
    ),
    usdc(
        324_705_682,
        "0x2e08028E3C4c2356572E096d8EF835cD5C6030bD",
        "Bridged USDC (SKALE Bridge)",
        None,
        false,
    ),
    usdc(
        1,
        "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
        "USD Coin",
        V2,
        false,
    ),
    usdc(
        11_155_111,
        "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238",
        "USDC",
        V2,
        false,
    ),
    usdc(
        10,
        "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85",
        "USD Coin",
        V2,
        false,
    ),
    usdc(
        11_155_420,
        "0x5fd84259d66Cd46123540766Be93DFE6D43130D7",
        "USDC",
        V2,
        false,
    ),
    usdc(
        42_220,
        "0xcebA9300f2b948710d2653dD7B07f33A8B32118C",
        "USDC",
        None,
        false,
    ),
    // x402-rs says "USDC"; UltravioletaDAO says "USD Coin".
    usdc(
        11_142_220,
        "0x01C5C0122039549AD1493B8220cABEdD739BC44E",
        "USDC",
        None,
        true,
    ),
    usdc(
        50,
        "0xfA2958CB79b0491CC627c1557F441eF849Ca8eb1",
        "USDC",
        V2,
        false,
    ),
    usdc(
        51,
        "0xb5AB69F7bBada22B28e79C8FFAECe55eF1c771D4",
        "USDC",
        V2,
        false,
    ),
    DefaultAsset {
        chain_id: 4326,
        address: "0xFAfDdbb3FC7688494971a79cc65DCa3EF82079E7",
        symbol: "MegaUSD",
        eip712_name: "MegaUSD",
        eip712_version: Some("1"),
        decimals: 18,
        transfer_method: AssetTransferMethod::Permit2,
        disputed: false,
    },
    DefaultAsset {
        chain_id: 31_611,
        address: "0x118917a40FAF1CD7a13dB0Ef56C86De7973Ac503",
        symbol: "mUSD",
        eip712_name: "Mezo USD",
        eip712_version: Some("1"),
        decimals: 18,
        transfer_method: AssetTransferMethod::Permit2,
        disputed: false,
    },
];

/// The default asset of a chain, if the table has one.
///
/// ```
/// use pay402::x402::default_assets::default_asset;
/// let base_sepolia = default_asset(84532).unwrap();
/// assert_eq!(base_sepolia.eip712_name, "USDC");
/// assert_eq!(default_asset(8453).unwrap().eip712_name, "USD Coin");
/// ```
pub fn default_asset(chain_id: u64) -> Option<&'static DefaultAsset> {
    DEFAULT_ASSETS.iter().find(|a| a.chain_id == chain_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evm::Address;

    #[test]
    fn every_default_address_is_a_valid_evm_address() {
        for asset in DEFAULT_ASSETS {
            assert!(
                Address::parse(asset.address.as_bytes()).is_ok(),
                "{}",
                asset.address
            );
        }
    }

    #[test]
    fn chain_ids_are_unique() {
        for (i, a) in DEFAULT_ASSETS.iter().enumerate() {
            assert!(
                DEFAULT_ASSETS
                    .iter()
                    .skip(i + 1)
                    .all(|b| b.chain_id != a.chain_id),
                "{}",
                a.chain_id
            );
        }
    }

    #[test]
    fn base_mainnet_and_base_sepolia_differ_in_domain_name() {
        assert_eq!(default_asset(8453).map(|a| a.eip712_name), Some("USD Coin"));
        assert_eq!(default_asset(84_532).map(|a| a.eip712_name), Some("USDC"));
    }
}
