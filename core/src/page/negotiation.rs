//! Page or API: what a request to a paid route is answered with.
//!
//! A browser navigating to a paid URL gets the paywall page; every other client (an agent, curl,
//! the page's own `fetch`) gets the 402 as today. The decision is [`presentation`].

/// How a 402 is presented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presentation {
    /// The paywall page (HTML), with the challenge's status and headers.
    Page,
    /// The challenge as is (JSON for API clients).
    Api,
}

/// A route's page policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PagePolicy {
    /// Serve the page at all (on by default; off opts a route out).
    pub enabled: bool,
    /// Also require `Mozilla` in `User-Agent`, as the x402 reference server does
    /// (`coinbase/x402:typescript/packages/core/src/http/x402HTTPResourceServer.ts`). Off by
    /// default.
    pub require_mozilla_user_agent: bool,
}

impl Default for PagePolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            require_mozilla_user_agent: false,
        }
    }
}

/// Header names whose presence means the request carries an x402 payment.
const PAYMENT_HEADERS: [&str; 2] = ["payment-signature", "x-payment"];

/// Decides whether a request gets the page or the API 402. The rules, in order:
///
/// 1. the policy disables the page → [`Presentation::Api`];
/// 2. the method is not `GET` or `HEAD` (methods are case-sensitive, RFC 9110 §9.1) → `Api`;
/// 3. a payment credential is present (`PAYMENT-SIGNATURE`, `X-PAYMENT`, or `Authorization`
///    with the scheme `L402` or `LSAT`) → `Api`: a paying client wants the machine answer;
/// 4. a `Sec-Fetch-Dest` header is present and not `document` → `Api` (a page's own `fetch`
///    sends `empty`; <https://w3c.github.io/webappsec-fetch-metadata/#sec-fetch-dest-header>);
/// 5. with [`PagePolicy::require_mozilla_user_agent`], a `User-Agent` without `Mozilla` → `Api`;
/// 6. `Accept` (all its fields, RFC 9110 §5.3) names `text/html` **explicitly** with a weight
///    above 0 and at least the weight `application/json` gets by the most specific range that
///    matches it (RFC 9110 §12.5.1) → [`Presentation::Page`]. `*/*` or `text/*` alone (curl,
///    many HTTP libraries) stays `Api`, as does a malformed `Accept` (the server ignores it,
///    RFC 9110 §12.5.1).
///
/// Header names are compared ASCII case-insensitively.
///
/// ```
/// use pay402::page::{presentation, PagePolicy, Presentation};
/// let policy = PagePolicy::default();
/// let browser = [("Accept", "text/html,application/xhtml+xml,*/*;q=0.8"), ("Sec-Fetch-Dest", "document")];
/// assert_eq!(presentation("GET", browser, &policy), Presentation::Page);
/// assert_eq!(presentation("GET", [("Accept", "*/*")], &policy), Presentation::Api);
/// assert_eq!(presentation("POST", browser, &policy), Presentation::Api);
/// let fetch = [("Accept", "text/html"), ("Sec-Fetch-Dest", "empty")];
/// assert_eq!(presentation("GET", fetch, &policy), Presentation::Api);
/// ```
pub fn presentation<'h, I>(method: &str, headers: I, policy: &PagePolicy) -> Presentation
where
    I: IntoIterator<Item = (&'h str, &'h str)>,
{
    if !policy.enabled || !matches!(method, "GET" | "HEAD") {
        return Presentation::Api;
    }
    let mut accept = AcceptTally::default();
    let mut mozilla = false;
    for (name, value) in headers {
        if PAYMENT_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            return Presentation::Api;
        }
        if name.eq_ignore_ascii_case("authorization") && is_l402_authorization(value) {
            return Presentation::Api;
        }
        if name.eq_ignore_ascii_case("sec-fetch-dest")
            && !trim_ows(value).eq_ignore_ascii_case("document")
        {
            return Presentation::Api;
        }
        if name.eq_ignore_ascii_case("user-agent") && value.contains("Mozilla") {
            mozilla = true;
        }
        if name.eq_ignore_ascii_case("accept") {
            accept.add_field(value);
        }
    }
    if policy.require_mozilla_user_agent && !mozilla {
        return Presentation::Api;
    }
    if accept.prefers_html() {
        Presentation::Page
    } else {
        Presentation::Api
    }
}

/// `true` when an `Authorization` value's scheme is `L402` or `LSAT` (case-insensitive,
/// RFC 9110 §11.1).
fn is_l402_authorization(value: &str) -> bool {
    let value = trim_ows(value);
    let scheme = value.split([' ', '\t']).next().unwrap_or("");
    scheme.eq_ignore_ascii_case("L402") || scheme.eq_ignore_ascii_case("LSAT")
}

/// Strips optional whitespace (SP / HTAB, RFC 9110 §5.6.3) at both ends.
fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// A qvalue in thousandths (RFC 9110 §12.4.2: at most three decimals, 0 to 1).
type Weight = u16;

/// How specific a matching media range is (RFC 9110 §12.5.1: the most specific reference wins).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
enum Specificity {
    #[default]
    None,
    Any,
    Type,
    Exact,
    ExactWithParams,
}

/// What the `Accept` fields say about `text/html` and `application/json`.
#[derive(Default)]
struct AcceptTally {
    malformed: bool,
    html_explicit: bool,
    /// Best (most specific, then highest weight) match for `text/html` and `application/json`.
    html: (Specificity, Weight),
    json: (Specificity, Weight),
}

impl AcceptTally {
    fn add_field(&mut self, field: &str) {
        for element in field.split(',') {
            let element = trim_ows(element);
            if element.is_empty() {
                continue; // empty list elements are allowed (RFC 9110 §5.6.1.2)
            }
            match parse_media_range(element) {
                Some(range) => self.add(&range),
                None => self.malformed = true,
            }
        }
    }

    fn add(&mut self, range: &MediaRange<'_>) {
        let html = range.matches("text", "html");
        if let Some(specificity) = html {
            if specificity >= Specificity::Exact {
                self.html_explicit = true;
            }
            merge(&mut self.html, specificity, range.weight);
        }
        if let Some(specificity) = range.matches("application", "json") {
            merge(&mut self.json, specificity, range.weight);
        }
    }

    fn prefers_html(&self) -> bool {
        !self.malformed && self.html_explicit && self.html.1 > 0 && self.html.1 >= self.json.1
    }
}

/// Keeps the most specific match; among equally specific ones the highest weight.
fn merge(best: &mut (Specificity, Weight), specificity: Specificity, weight: Weight) {
    if specificity > best.0 || (specificity == best.0 && weight > best.1) {
        *best = (specificity, weight);
    }
}

struct MediaRange<'a> {
    kind: &'a str,
    subtype: &'a str,
    has_params: bool,
    weight: Weight,
}

impl MediaRange<'_> {
    fn matches(&self, kind: &str, subtype: &str) -> Option<Specificity> {
        if self.kind == "*" {
            return Some(Specificity::Any);
        }
        if !self.kind.eq_ignore_ascii_case(kind) {
            return None;
        }
        if self.subtype == "*" {
            return Some(Specificity::Type);
        }
        if !self.subtype.eq_ignore_ascii_case(subtype) {
            return None;
        }
        Some(if self.has_params {
            Specificity::ExactWithParams
        } else {
            Specificity::Exact
        })
    }
}

/// `media-range [ weight ]` (RFC 9110 §12.5.1, §5.6.6 parameters); `None` when malformed.
fn parse_media_range(element: &str) -> Option<MediaRange<'_>> {
    let (mime, mut rest) = match element.find(';') {
        Some(i) => (element.get(..i)?, element.get(i..)?),
        None => (element, ""),
    };
    let (kind, subtype) = trim_ows(mime).split_once('/')?;
    if !is_token(kind) || !is_token(subtype) || (kind == "*" && subtype != "*") {
        return None;
    }
    let mut range = MediaRange {
        kind,
        subtype,
        has_params: false,
        weight: 1000,
    };
    let mut weighted = false;
    while !rest.is_empty() {
        // rest starts with ';'
        rest = trim_ows(rest.get(1..)?);
        let (name, after) = match rest.find('=') {
            Some(i) => (rest.get(..i)?, rest.get(i + 1..)?),
            None => return None,
        };
        if !is_token(name) {
            return None;
        }
        let (value, quoted, next) = parameter_value(after)?;
        rest = trim_ows(next);
        if !rest.is_empty() && !rest.starts_with(';') {
            return None;
        }
        if name.eq_ignore_ascii_case("q") {
            if quoted || weighted {
                return None;
            }
            range.weight = parse_qvalue(value)?;
            weighted = true;
        } else if weighted {
            // RFC 9110 has no parameters after the weight (RFC 7231's accept-ext): ignored.
        } else {
            range.has_params = true;
        }
    }
    Some(range)
}

/// A parameter value (`token / quoted-string`), whether it was quoted, and what follows it.
fn parameter_value(s: &str) -> Option<(&str, bool, &str)> {
    if let Some(body) = s.strip_prefix('"') {
        let bytes = body.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\\' => i += 2,
                b'"' => return Some((body.get(..i)?, true, body.get(i + 1..)?)),
                _ => i += 1,
            }
        }
        None
    } else {
        let end = s.bytes().position(|b| !is_tchar(b)).unwrap_or(s.len());
        let value = s.get(..end)?;
        if value.is_empty() {
            return None;
        }
        Some((value, false, s.get(end..)?))
    }
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )` in thousandths.
fn parse_qvalue(s: &str) -> Option<Weight> {
    let (int, frac) = match s.split_once('.') {
        Some((int, frac)) => (int, frac),
        None => (s, ""),
    };
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: Weight = 0;
    for (i, b) in frac.bytes().enumerate() {
        let scale: Weight = match i {
            0 => 100,
            1 => 10,
            _ => 1,
        };
        thousandths += Weight::from(b - b'0') * scale;
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// `tchar` (RFC 9110 §5.6.2).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(method: &str, headers: &[(&str, &str)]) -> Presentation {
        presentation(method, headers.iter().copied(), &PagePolicy::default())
    }

    #[test]
    fn qvalues() {
        assert_eq!(parse_qvalue("0"), Some(0));
        assert_eq!(parse_qvalue("0.5"), Some(500));
        assert_eq!(parse_qvalue("0.001"), Some(1));
        assert_eq!(parse_qvalue("1.000"), Some(1000));
        assert_eq!(parse_qvalue("1.001"), None);
        assert_eq!(parse_qvalue("0.0001"), None);
        assert_eq!(parse_qvalue("2"), None);
        assert_eq!(parse_qvalue(""), None);
        assert_eq!(parse_qvalue(".5"), None);
    }

    #[test]
    fn accept_rules() {
        assert_eq!(
            decide("GET", &[("accept", "text/html")]),
            Presentation::Page
        );
        assert_eq!(
            decide("HEAD", &[("accept", "text/html")]),
            Presentation::Page
        );
        assert_eq!(decide("get", &[("accept", "text/html")]), Presentation::Api);
        assert_eq!(decide("GET", &[("accept", "text/*")]), Presentation::Api);
        assert_eq!(
            decide("GET", &[("accept", "text/html;q=0")]),
            Presentation::Api
        );
        assert_eq!(
            decide("GET", &[("accept", "application/json, text/html;q=0.9")]),
            Presentation::Api
        );
        assert_eq!(
            decide("GET", &[("accept", "text/html;q=0.9, */*;q=0.9")]),
            Presentation::Page
        );
        assert_eq!(
            decide(
                "GET",
                &[("accept", "text/html;q=0.5"), ("accept", "*/*;q=0.8")]
            ),
            Presentation::Api
        );
        assert_eq!(
            decide("GET", &[("accept", "text/html;q=2")]),
            Presentation::Api
        );
        assert_eq!(
            decide("GET", &[("accept", "text/html;;")]),
            Presentation::Api
        );
        assert_eq!(
            decide("GET", &[("accept", "text/html;charset=\"utf-8\";q=1")]),
            Presentation::Page
        );
        assert_eq!(decide("GET", &[]), Presentation::Api);
    }

    #[test]
    fn credentials_and_fetch_metadata() {
        let html = ("Accept", "text/html");
        assert_eq!(
            decide("GET", &[html, ("X-PAYMENT", "e30=")]),
            Presentation::Api
        );
        assert_eq!(
            decide("GET", &[html, ("payment-signature", "")]),
            Presentation::Api
        );
        assert_eq!(
            decide("GET", &[html, ("Authorization", "LSAT mac:pre")]),
            Presentation::Api
        );
        assert_eq!(
            decide("GET", &[html, ("Authorization", "Bearer x")]),
            Presentation::Page
        );
        assert_eq!(
            decide("GET", &[html, ("Sec-Fetch-Dest", "empty")]),
            Presentation::Api
        );
        assert_eq!(
            decide("GET", &[html, ("Sec-Fetch-Dest", " document ")]),
            Presentation::Page
        );
        let mozilla = PagePolicy {
            require_mozilla_user_agent: true,
            ..PagePolicy::default()
        };
        assert_eq!(presentation("GET", [html], &mozilla), Presentation::Api);
        assert_eq!(
            presentation("GET", [html, ("User-Agent", "Mozilla/5.0")], &mozilla),
            Presentation::Page
        );
        let off = PagePolicy {
            enabled: false,
            ..PagePolicy::default()
        };
        assert_eq!(presentation("GET", [html], &off), Presentation::Api);
    }
}
