//! The human-readable part: `ln` + currency prefix + optional amount and multiplier
//! (BOLT 11 § Human-Readable Part).

use super::error::Bolt11Error;

/// The chain an invoice is payable on, named by its BOLT11 currency prefix.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Network {
    /// `bc`: Bitcoin mainnet.
    Bitcoin,
    /// `tb`: Bitcoin testnet.
    Testnet,
    /// `tbs`: Bitcoin signet.
    Signet,
    /// `bcrt`: Bitcoin regtest.
    Regtest,
    /// `sb`: simnet (lnd).
    Simnet,
}

impl Network {
    /// Currency prefixes, longest first so that `bcrt` wins over `bc` and `tbs` over `tb`.
    const BY_PREFIX: [(&'static str, Network); 5] = [
        ("bcrt", Network::Regtest),
        ("tbs", Network::Signet),
        ("bc", Network::Bitcoin),
        ("tb", Network::Testnet),
        ("sb", Network::Simnet),
    ];

    /// The BOLT11 currency prefix (`bc`, `tb`, `tbs`, `bcrt`, `sb`).
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Bitcoin => "bc",
            Self::Testnet => "tb",
            Self::Signet => "tbs",
            Self::Regtest => "bcrt",
            Self::Simnet => "sb",
        }
    }

    /// The network a configuration names, as lnd's and Bitcoin Core's `--network`/`-chain`
    /// options spell them: `bitcoin` (also `mainnet`, lnd's alias), `testnet`, `signet`,
    /// `regtest`, `simnet`; exact, lower case. `None` for any other name.
    ///
    /// ```
    /// use pay402::bolt11::Network;
    /// assert_eq!(Network::from_name("regtest"), Some(Network::Regtest));
    /// assert_eq!(Network::from_name("mainnet"), Some(Network::Bitcoin));
    /// assert_eq!(Network::from_name("Regtest"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "bitcoin" | "mainnet" => Self::Bitcoin,
            "testnet" => Self::Testnet,
            "signet" => Self::Signet,
            "regtest" => Self::Regtest,
            "simnet" => Self::Simnet,
            _ => return None,
        })
    }
}

impl core::fmt::Display for Network {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.prefix())
    }
}

/// Millisatoshis per BTC: 10¹¹.
const MSAT_PER_BTC: u64 = 100_000_000_000;

/// Parses an already case-checked human-readable part into its network and amount in msat.
pub(crate) fn parse(hrp: &[u8]) -> Result<(Network, Option<u64>), Bolt11Error> {
    let rest = match hrp {
        [l, n, rest @ ..] if l.eq_ignore_ascii_case(&b'l') && n.eq_ignore_ascii_case(&b'n') => rest,
        _ => return Err(Bolt11Error::InvalidHrp),
    };
    let (network, amount) = Network::BY_PREFIX
        .iter()
        .find_map(|(prefix, network)| {
            let p = prefix.as_bytes();
            let head = rest.get(..p.len())?;
            head.eq_ignore_ascii_case(p)
                .then(|| (*network, rest.get(p.len()..).unwrap_or_default()))
        })
        .ok_or(Bolt11Error::InvalidHrp)?;
    Ok((network, parse_amount(amount)?))
}

/// `amount` = positive decimal integer without leading zeros, then an optional multiplier
/// `m`/`u`/`n`/`p`; `p` amounts must end in `0` (whole millisatoshis). Checked arithmetic.
fn parse_amount(text: &[u8]) -> Result<Option<u64>, Bolt11Error> {
    let Some((&last, init)) = text.split_last() else {
        return Ok(None);
    };
    let (digits, multiplier) = if last.is_ascii_digit() {
        (text, None)
    } else if last.is_ascii_alphabetic() && init.iter().all(u8::is_ascii_digit) && !init.is_empty()
    {
        (init, Some(last.to_ascii_lowercase()))
    } else {
        return Err(Bolt11Error::InvalidAmount);
    };
    if !digits.iter().all(u8::is_ascii_digit) || digits.first() == Some(&b'0') {
        return Err(Bolt11Error::InvalidAmount);
    }
    let value = digits.iter().try_fold(0u64, |acc, d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    });
    let value = value.ok_or(Bolt11Error::InvalidAmount)?;
    let msat = match multiplier {
        None => value.checked_mul(MSAT_PER_BTC),
        Some(b'm') => value.checked_mul(MSAT_PER_BTC / 1_000),
        Some(b'u') => value.checked_mul(MSAT_PER_BTC / 1_000_000),
        Some(b'n') => value.checked_mul(MSAT_PER_BTC / 1_000_000_000),
        Some(b'p') => {
            if value % 10 != 0 {
                return Err(Bolt11Error::SubMillisatoshiAmount);
            }
            Some(value / 10)
        }
        Some(found) => {
            return Err(Bolt11Error::InvalidMultiplier {
                found: char::from(found),
            });
        }
    };
    msat.map(Some).ok_or(Bolt11Error::InvalidAmount)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipliers_convert_to_millisatoshis_as_the_spec_examples_do() {
        // BOLT11 examples: 2500u = 250 000 000 msat, 20m = 2 000 000 000 msat, 9678785340p = 967
        // 878 534 msat; the L402 protocol specification's example invoice: 1500n = 150 000 msat.
        assert_eq!(
            parse(b"lnbc2500u"),
            Ok((Network::Bitcoin, Some(250_000_000)))
        );
        assert_eq!(
            parse(b"lntb20m"),
            Ok((Network::Testnet, Some(2_000_000_000)))
        );
        assert_eq!(
            parse(b"lnbc9678785340p"),
            Ok((Network::Bitcoin, Some(967_878_534)))
        );
        assert_eq!(parse(b"lnbc1500n"), Ok((Network::Bitcoin, Some(150_000))));
        assert_eq!(
            parse(b"LNBC25M"),
            Ok((Network::Bitcoin, Some(2_500_000_000)))
        );
        assert_eq!(parse(b"lnbc"), Ok((Network::Bitcoin, None)));
        assert_eq!(parse(b"lnbc1"), Ok((Network::Bitcoin, Some(MSAT_PER_BTC))));
    }

    #[test]
    fn longest_currency_prefix_wins() {
        assert_eq!(parse(b"lnbcrt10u"), Ok((Network::Regtest, Some(1_000_000))));
        assert_eq!(parse(b"lntbs10u"), Ok((Network::Signet, Some(1_000_000))));
        assert_eq!(parse(b"lnsb"), Ok((Network::Simnet, None)));
    }

    #[test]
    fn rejects_bad_amounts() {
        assert_eq!(
            parse(b"lnbc2500x"),
            Err(Bolt11Error::InvalidMultiplier { found: 'x' })
        );
        assert_eq!(
            parse(b"lnbc2500000001p"),
            Err(Bolt11Error::SubMillisatoshiAmount)
        );
        assert_eq!(parse(b"lnbc0"), Err(Bolt11Error::InvalidAmount));
        assert_eq!(parse(b"lnbc025m"), Err(Bolt11Error::InvalidAmount));
        assert_eq!(parse(b"lnbcm"), Err(Bolt11Error::InvalidAmount));
        assert_eq!(parse(b"lnbc2x5m"), Err(Bolt11Error::InvalidAmount));
        assert_eq!(
            parse(b"lnbc99999999999999999999"),
            Err(Bolt11Error::InvalidAmount)
        );
        assert_eq!(parse(b"lnbc200000000"), Err(Bolt11Error::InvalidAmount)); // > u64 msat
        assert_eq!(parse(b"lnxx"), Err(Bolt11Error::InvalidHrp));
        assert_eq!(parse(b"bc10m"), Err(Bolt11Error::InvalidHrp));
    }
}
