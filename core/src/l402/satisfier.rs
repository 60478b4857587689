//! Caveats and satisfiers (aperture `l402/caveat.go`; `lightninglabs/aperture:l402/satisfier.go`).
//!
//! A caveat is `condition=value`, split at the **first** `=`, never trimmed; a caveat without `=`
//! has no condition and is skipped (aperture `l402/caveat.go`; aperture skips unknown caveats). For
//! each [`Satisfier`], the caveats whose condition it [`Satisfier::applies_to`] are taken in
//! macaroon order; each is checked against the one before it ([`Satisfier::satisfy_previous`] —
//! attenuation may only narrow), then the last one decides ([`Satisfier::satisfy_final`]). A
//! condition no satisfier claims is ignored, which is what lets third parties add caveats of their
//! own.
//!
//! Unlike aperture (whose satisfier map has Go's random iteration order), satisfiers run in the
//! order given, so the error reported for a token that fails several is deterministic.

use super::L402Error;

/// The suffix of the capabilities condition, `<service>_capabilities`.
pub const CAPABILITIES_SUFFIX: &str = "_capabilities";
/// The suffix of the timeout condition, `<service>_valid_until`.
pub const VALID_UNTIL_SUFFIX: &str = "_valid_until";
/// The services condition.
pub const SERVICES_CONDITION: &str = "services";

/// Splits a caveat at its first `=` into `(condition, value)`; `None` without `=`.
///
/// ```
/// use pay402::l402::split_caveat;
/// assert_eq!(split_caveat(b"services=svc:0"), Some((&b"services"[..], &b"svc:0"[..])));
/// assert_eq!(split_caveat(b"a=b=c"), Some((&b"a"[..], &b"b=c"[..])));
/// assert_eq!(split_caveat(b"services = x"), Some((&b"services "[..], &b" x"[..])));
/// assert_eq!(split_caveat(b"no condition"), None);
/// ```
pub fn split_caveat(caveat: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = caveat.iter().position(|&b| b == b'=')?;
    let (condition, rest) = caveat.split_at_checked(at)?;
    Some((condition, rest.get(1..).unwrap_or_default()))
}

/// Judges the caveats of one condition (aperture's `Satisfier`).
pub trait Satisfier {
    /// Whether this satisfier judges caveats with this exact condition.
    fn applies_to(&self, condition: &[u8]) -> bool;
    /// Checks that `current` does not grant more than `previous`, the caveat of the same
    /// condition before it.
    fn satisfy_previous(&self, previous: &[u8], current: &[u8]) -> Result<(), L402Error>;
    /// Checks the last caveat of the condition against the request.
    fn satisfy_final(&self, value: &[u8]) -> Result<(), L402Error>;
}

/// Runs every satisfier over `caveats` (first-party caveat ids in macaroon order, root first),
/// as described in the module docs.
///
/// ```
/// use pay402::l402::{check_caveats, ServicesSatisfier, ValidUntilSatisfier, L402Error};
/// let caveats: [&[u8]; 3] = [b"services=svc:0,other:1", b"services=svc:0", b"svc_valid_until=100"];
/// let services = ServicesSatisfier { service: "svc" };
/// let until = ValidUntilSatisfier { service: "svc", now: 99 };
/// assert_eq!(check_caveats(&caveats.iter().copied(), &[&services, &until]), Ok(()));
/// let late = ValidUntilSatisfier { service: "svc", now: 100 };
/// assert_eq!(check_caveats(&caveats.iter().copied(), &[&late]), Err(L402Error::TokenExpired));
/// let other = ServicesSatisfier { service: "other" };
/// assert_eq!(check_caveats(&caveats.iter().copied(), &[&other]), Err(L402Error::ServiceNotAllowed));
/// ```
pub fn check_caveats<'c, I>(caveats: &I, satisfiers: &[&dyn Satisfier]) -> Result<(), L402Error>
where
    I: Iterator<Item = &'c [u8]> + Clone,
{
    for satisfier in satisfiers {
        let mut previous: Option<&[u8]> = None;
        for (condition, value) in caveats.clone().filter_map(split_caveat) {
            if !satisfier.applies_to(condition) {
                continue;
            }
            if let Some(previous) = previous {
                satisfier.satisfy_previous(previous, value)?;
            }
            previous = Some(value);
        }
        if let Some(last) = previous {
            satisfier.satisfy_final(last)?;
        }
    }
    Ok(())
}

/// `condition == service ‖ suffix`.
fn is_service_condition(condition: &[u8], service: &str, suffix: &str) -> bool {
    condition
        .strip_suffix(suffix.as_bytes())
        .is_some_and(|name| name == service.as_bytes())
}

/// The names of a `services` value `name:tier[,name:tier…]`, validated as aperture's
/// `decodeServicesCaveatValue` does (non-empty value; every item exactly one `:`; non-empty
/// name; tier a Go `Atoi` integer). `None` when malformed.
fn service_names(value: &[u8]) -> Option<impl Iterator<Item = &[u8]> + Clone> {
    if value.is_empty() {
        return None;
    }
    for item in value.split(|&b| b == b',') {
        let mut parts = item.split(|&b| b == b':');
        let name = parts.next()?;
        let tier = parts.next()?;
        if parts.next().is_some() || name.is_empty() || parse_go_int(tier).is_none() {
            return None;
        }
    }
    Some(
        value
            .split(|&b| b == b',')
            .filter_map(|item| item.split(|&b| b == b':').next()),
    )
}

/// Go's `strconv.ParseInt(s, 10, 64)`: optional sign, at least one decimal digit, no overflow.
fn parse_go_int(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let digit = i64::from(d - b'0');
        value = value.checked_mul(10)?;
        value = if negative {
            value.checked_sub(digit)?
        } else {
            value.checked_add(digit)?
        };
    }
    Some(value)
}

/// aperture's `NewServicesSatisfier`: a later `services` caveat may only name services an
/// earlier one named (tiers are ignored) → [`L402Error::CaveatWidened`]; the last one must name
/// `service` → [`L402Error::ServiceNotAllowed`] (also for a malformed value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServicesSatisfier<'t> {
    /// The service the request is for.
    pub service: &'t str,
}

impl Satisfier for ServicesSatisfier<'_> {
    fn applies_to(&self, condition: &[u8]) -> bool {
        condition == SERVICES_CONDITION.as_bytes()
    }

    fn satisfy_previous(&self, previous: &[u8], current: &[u8]) -> Result<(), L402Error> {
        let previous = service_names(previous).ok_or(L402Error::ServiceNotAllowed)?;
        let current = service_names(current).ok_or(L402Error::ServiceNotAllowed)?;
        for name in current {
            if !previous.clone().any(|p| p == name) {
                return Err(L402Error::CaveatWidened);
            }
        }
        Ok(())
    }

    fn satisfy_final(&self, value: &[u8]) -> Result<(), L402Error> {
        let mut names = service_names(value).ok_or(L402Error::ServiceNotAllowed)?;
        if names.any(|n| n == self.service.as_bytes()) {
            Ok(())
        } else {
            Err(L402Error::ServiceNotAllowed)
        }
    }
}

/// aperture's `NewCapabilitiesSatisfier` for `<service>_capabilities=<cap>[,<cap>…]`: a later
/// caveat may only list capabilities an earlier one listed → [`L402Error::CaveatWidened`]; the
/// last one must list `capability` → [`L402Error::CapabilityNotAllowed`]. (aperture defines it
/// but does not wire it into `VerifyL402`; pay402 runs it when a capability is
/// requested.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapabilitiesSatisfier<'t> {
    /// The service whose capabilities caveat is judged.
    pub service: &'t str,
    /// The capability the request needs.
    pub capability: &'t str,
}

impl Satisfier for CapabilitiesSatisfier<'_> {
    fn applies_to(&self, condition: &[u8]) -> bool {
        is_service_condition(condition, self.service, CAPABILITIES_SUFFIX)
    }

    fn satisfy_previous(&self, previous: &[u8], current: &[u8]) -> Result<(), L402Error> {
        for capability in current.split(|&b| b == b',') {
            if !previous.split(|&b| b == b',').any(|p| p == capability) {
                return Err(L402Error::CaveatWidened);
            }
        }
        Ok(())
    }

    fn satisfy_final(&self, value: &[u8]) -> Result<(), L402Error> {
        if value
            .split(|&b| b == b',')
            .any(|c| c == self.capability.as_bytes())
        {
            Ok(())
        } else {
            Err(L402Error::CapabilityNotAllowed)
        }
    }
}

/// aperture's `NewTimeoutSatisfier` for `<service>_valid_until=<unix seconds>`: a later caveat
/// must not be later than an earlier one → [`L402Error::CaveatWidened`]; the last one must be
/// strictly after `now` → [`L402Error::TokenExpired`] (also for a value that is not a decimal
/// `i64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidUntilSatisfier<'t> {
    /// The service whose timeout caveat is judged.
    pub service: &'t str,
    /// Now, in Unix seconds.
    pub now: u64,
}

impl Satisfier for ValidUntilSatisfier<'_> {
    fn applies_to(&self, condition: &[u8]) -> bool {
        is_service_condition(condition, self.service, VALID_UNTIL_SUFFIX)
    }

    fn satisfy_previous(&self, previous: &[u8], current: &[u8]) -> Result<(), L402Error> {
        let previous = parse_go_int(previous).ok_or(L402Error::TokenExpired)?;
        let current = parse_go_int(current).ok_or(L402Error::TokenExpired)?;
        if previous < current {
            Err(L402Error::CaveatWidened)
        } else {
            Ok(())
        }
    }

    fn satisfy_final(&self, value: &[u8]) -> Result<(), L402Error> {
        let until = parse_go_int(value).ok_or(L402Error::TokenExpired)?;
        // `now < until`, compared without a lossy cast: a negative `until` has always passed.
        match u64::try_from(until) {
            Ok(until) if self.now < until => Ok(()),
            _ => Err(L402Error::TokenExpired),
        }
    }
}

/// A caller-defined satisfier for one exact condition, built from two functions (e.g. the
/// discovery spec's `valid_until` or `<cap>_monthly_volume_sats`). Refusals should be
/// [`L402Error::CaveatNotSatisfied`] or [`L402Error::CaveatWidened`].
#[derive(Clone, Copy, Debug)]
pub struct FnSatisfier<'t, P, F> {
    /// The exact condition judged.
    pub condition: &'t str,
    /// `(previous, current)` check.
    pub previous: P,
    /// Check of the last caveat.
    pub last: F,
}

impl<P, F> Satisfier for FnSatisfier<'_, P, F>
where
    P: Fn(&[u8], &[u8]) -> Result<(), L402Error>,
    F: Fn(&[u8]) -> Result<(), L402Error>,
{
    fn applies_to(&self, condition: &[u8]) -> bool {
        condition == self.condition.as_bytes()
    }

    fn satisfy_previous(&self, previous: &[u8], current: &[u8]) -> Result<(), L402Error> {
        (self.previous)(previous, current)
    }

    fn satisfy_final(&self, value: &[u8]) -> Result<(), L402Error> {
        (self.last)(value)
    }
}
