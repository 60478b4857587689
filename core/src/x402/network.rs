//! x402 network identifiers: v1 names and v2 CAIP-2 ids (x402 v2 specification §11.1,
//! <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>; the v1 names are the reference SDKs' tables, <https://github.com/coinbase/x402>).
//!
//! v1 payloads name networks (`base-sepolia`); v2 uses CAIP-2 (`eip155:84532`,
//! `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp`). [`Network::parse`] accepts either form and
//! resolves it to what verification needs: an EVM chain id or a Solana cluster.

/// A resolved x402 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Network {
    /// An EVM chain (`eip155` namespace), by its chain id.
    Eip155 {
        /// The EIP-155 chain id.
        chain_id: u64,
    },
    /// A Solana cluster (`solana` namespace).
    Solana(SolanaCluster),
}

/// The Solana clusters x402 knows by name (v1 names and the CAIP-2 ids of the x402 v2
/// specification §11.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SolanaCluster {
    /// `solana`, `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp`.
    Mainnet,
    /// `solana-devnet`, `solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1`.
    Devnet,
    /// `solana-testnet`, `solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z`.
    Testnet,
}

impl SolanaCluster {
    /// The CAIP-2 id of the cluster.
    pub const fn caip2(self) -> &'static str {
        match self {
            Self::Mainnet => "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
            Self::Devnet => "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
            Self::Testnet => "solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z",
        }
    }

    /// The x402 v1 name of the cluster.
    pub const fn v1_name(self) -> &'static str {
        match self {
            Self::Mainnet => "solana",
            Self::Devnet => "solana-devnet",
            Self::Testnet => "solana-testnet",
        }
    }

    /// The Wallet Standard chain name of the cluster, as `solana:signTransaction` takes it
    /// (`solana:mainnet`, `solana:devnet`, `solana:testnet`;
    /// <https://github.com/anza-xyz/wallet-standard/blob/master/packages/core/chains/src/index.ts>).
    ///
    /// ```
    /// use pay402::x402::network::SolanaCluster;
    /// assert_eq!(SolanaCluster::Devnet.wallet_standard_chain(), "solana:devnet");
    /// ```
    pub const fn wallet_standard_chain(self) -> &'static str {
        match self {
            Self::Mainnet => "solana:mainnet",
            Self::Devnet => "solana:devnet",
            Self::Testnet => "solana:testnet",
        }
    }

    const ALL: [Self; 3] = [Self::Mainnet, Self::Devnet, Self::Testnet];
}

/// v1 EVM network names and their chain ids: the reference SDKs' table
/// (`EVM_NETWORK_CHAIN_ID_MAP`) followed by the names x402-rs adds.
pub const V1_EVM_NETWORKS: &[(&str, u64)] = &[
    ("ethereum", 1),
    ("sepolia", 11_155_111),
    ("abstract", 2741),
    ("abstract-testnet", 11_124),
    ("base-sepolia", 84_532),
    ("base", 8453),
    ("peaq", 3338),
    ("avalanche-fuji", 43_113),
    ("avalanche", 43_114),
    ("iotex", 4689),
    ("sei", 1329),
    ("sei-testnet", 1328),
    ("polygon", 137),
    ("polygon-amoy", 80_002),
    ("story", 1514),
    ("educhain", 41_923),
    ("skale-base-sepolia", 324_705_682),
    ("megaeth", 4326),
    ("monad", 143),
    ("stable", 988),
    ("stable-testnet", 2201),
    // x402-rs additions
    ("xdc", 50),
    ("xrpl-evm", 1_440_000),
    ("celo", 42_220),
    ("celo-sepolia", 11_142_220),
    ("radius", 723_487),
    ("radius-testnet", 72_344),
];

impl Network {
    /// Resolves a v1 network name (`base-sepolia`, `solana-devnet`, …). Names are matched exactly
    /// (lowercase), as the reference SDKs do.
    pub fn from_v1_name(name: &str) -> Option<Self> {
        if let Some(&(_, chain_id)) = V1_EVM_NETWORKS.iter().find(|(n, _)| *n == name) {
            return Some(Self::Eip155 { chain_id });
        }
        SolanaCluster::ALL
            .into_iter()
            .find(|c| c.v1_name() == name)
            .map(Self::Solana)
    }

    /// Resolves a CAIP-2 id: `eip155:<decimal chain id>` or one of the known `solana:<genesis>` ids.
    ///
    /// The `eip155` reference must be a canonical decimal `u64` (no sign, no leading zeros).
    pub fn from_caip2(id: &str) -> Option<Self> {
        let (namespace, reference) = id.split_once(':')?;
        match namespace {
            "eip155" => parse_chain_id(reference).map(|chain_id| Self::Eip155 { chain_id }),
            "solana" => SolanaCluster::ALL
                .into_iter()
                .find(|c| c.caip2() == id)
                .map(Self::Solana),
            _ => None,
        }
    }

    /// Resolves either form: a CAIP-2 id when the text contains `:`, else a v1 name.
    ///
    /// ```
    /// use pay402::x402::network::Network;
    /// assert_eq!(Network::parse("base-sepolia"), Some(Network::Eip155 { chain_id: 84532 }));
    /// assert_eq!(Network::parse("eip155:8453"), Some(Network::Eip155 { chain_id: 8453 }));
    /// assert_eq!(Network::parse("eip155:08453"), None);
    /// assert_eq!(Network::parse("bitcoin"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        if text.contains(':') {
            Self::from_caip2(text)
        } else {
            Self::from_v1_name(text)
        }
    }

    /// The v1 name of this network, if it has one.
    pub fn v1_name(self) -> Option<&'static str> {
        match self {
            Self::Eip155 { chain_id } => V1_EVM_NETWORKS
                .iter()
                .find(|(_, id)| *id == chain_id)
                .map(|(name, _)| *name),
            Self::Solana(cluster) => Some(cluster.v1_name()),
        }
    }

    /// The EVM chain id, for `eip155` networks.
    pub fn chain_id(self) -> Option<u64> {
        match self {
            Self::Eip155 { chain_id } => Some(chain_id),
            Self::Solana(_) => None,
        }
    }
}

/// Parses a canonical decimal `u64`: ASCII digits, no sign, no leading zero unless the value is 0.
fn parse_chain_id(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || (bytes.len() > 1 && bytes.first() == Some(&b'0')) {
        return None;
    }
    bytes.iter().try_fold(0u64, |acc, &b| {
        let digit = char::from(b).to_digit(10)?;
        acc.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_names_resolve_to_the_reference_chain_ids() {
        assert_eq!(
            Network::parse("base"),
            Some(Network::Eip155 { chain_id: 8453 })
        );
        assert_eq!(
            Network::parse("polygon-amoy"),
            Some(Network::Eip155 { chain_id: 80002 })
        );
        assert_eq!(
            Network::parse("skale-base-sepolia"),
            Some(Network::Eip155 {
                chain_id: 324_705_682
            })
        );
        assert_eq!(
            Network::parse("solana-devnet"),
            Some(Network::Solana(SolanaCluster::Devnet))
        );
    }

    #[test]
    fn v1_names_are_case_sensitive() {
        assert_eq!(Network::parse("Base"), None);
    }

    #[test]
    fn caip2_ids_resolve() {
        assert_eq!(
            Network::parse("eip155:84532"),
            Some(Network::Eip155 { chain_id: 84532 })
        );
        assert_eq!(
            Network::parse("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"),
            Some(Network::Solana(SolanaCluster::Mainnet))
        );
        assert_eq!(
            Network::parse("eip155:18446744073709551615"),
            Some(Network::Eip155 { chain_id: u64::MAX })
        );
    }

    #[test]
    fn rejects_malformed_caip2_references() {
        for bad in [
            "eip155:",
            "eip155:-1",
            "eip155:+1",
            "eip155:1 ",
            "eip155:0x1",
            "eip155:18446744073709551616",
            "solana:unknown",
            "cosmos:1",
            ":1",
        ] {
            assert_eq!(Network::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn chain_ids_map_back_to_v1_names() {
        assert_eq!(
            Network::Eip155 { chain_id: 84532 }.v1_name(),
            Some("base-sepolia")
        );
        assert_eq!(Network::Eip155 { chain_id: 999_999 }.v1_name(), None);
    }
}
