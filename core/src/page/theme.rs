//! The page's theme: title, logo, colours, language, validated once at configuration time.

use super::error::{ColorName, ColorPair, PageError};
use super::{MAX_LOGO_BYTES, MAX_TITLE_CHARS};

/// A page theme as the server configures it. [`Theme::validate`] checks it; the page writer
/// validates again before it writes anything.
///
/// ```
/// use pay402::page::Theme;
/// let theme = Theme { title: "Premium report", accent: "#005a9c", ..Theme::DEFAULT };
/// assert!(theme.validate().is_ok());
/// let grey = Theme { text: "#777777", ..Theme::DEFAULT }; // 4.48:1 on white
/// assert_eq!(pay402::ErrorCode::code(&grey.validate().unwrap_err()), "theme_low_contrast");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme<'a> {
    /// The page title: 1 to [`MAX_TITLE_CHARS`] characters, no control characters.
    pub title: &'a str,
    /// A `data:image/(png|svg+xml|webp|jpeg);base64,…` URL of at most [`MAX_LOGO_BYTES`] bytes,
    /// or a same-origin absolute path (`/logo.svg`): the page makes no external request.
    pub logo: Option<&'a str>,
    /// `#rrggbb`.
    pub background: &'a str,
    /// `#rrggbb`; contrast with `background` at least 4.5:1.
    pub text: &'a str,
    /// `#rrggbb` (buttons, focus ring).
    pub accent: &'a str,
    /// `#rrggbb`; contrast with `accent` at least 4.5:1.
    pub accent_text: &'a str,
    /// The document language (`<html lang>`), e.g. `en`.
    pub lang: &'a str,
}

impl Theme<'static> {
    /// The default theme: dark text on white, a blue accent with white text.
    pub const DEFAULT: Theme<'static> = Theme {
        title: "Payment required",
        logo: None,
        background: "#ffffff",
        text: "#1f2328",
        accent: "#0b57d0",
        accent_text: "#ffffff",
        lang: "en",
    };
}

impl Theme<'_> {
    /// Checks every field; the first problem is the error (`theme_title_invalid`,
    /// `theme_logo_invalid`, `theme_logo_too_large`, `theme_color_invalid`,
    /// `theme_low_contrast`, `theme_lang_invalid`).
    pub fn validate(&self) -> Result<(), PageError> {
        let chars = self.title.chars().count();
        if chars == 0 || chars > MAX_TITLE_CHARS || self.title.chars().any(char::is_control) {
            return Err(PageError::ThemeTitle);
        }
        if let Some(logo) = self.logo {
            validate_logo(logo)?;
        }
        let background = Rgb::parse(self.background).ok_or(PageError::ThemeColor {
            color: ColorName::Background,
        })?;
        let text = Rgb::parse(self.text).ok_or(PageError::ThemeColor {
            color: ColorName::Text,
        })?;
        let accent = Rgb::parse(self.accent).ok_or(PageError::ThemeColor {
            color: ColorName::Accent,
        })?;
        let accent_text = Rgb::parse(self.accent_text).ok_or(PageError::ThemeColor {
            color: ColorName::AccentText,
        })?;
        if !meets_contrast(text, background) {
            return Err(PageError::ThemeLowContrast {
                pair: ColorPair::TextOnBackground,
            });
        }
        if !meets_contrast(accent_text, accent) {
            return Err(PageError::ThemeLowContrast {
                pair: ColorPair::AccentTextOnAccent,
            });
        }
        let lang = self.lang.as_bytes();
        if lang.is_empty()
            || lang.len() > 35
            || !lang.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            || lang.first() == Some(&b'-')
            || lang.last() == Some(&b'-')
        {
            return Err(PageError::ThemeLang);
        }
        Ok(())
    }
}

const LOGO_TYPES: [&str; 4] = [
    "data:image/png;base64,",
    "data:image/svg+xml;base64,",
    "data:image/webp;base64,",
    "data:image/jpeg;base64,",
];

fn validate_logo(logo: &str) -> Result<(), PageError> {
    if let Some(prefix) = LOGO_TYPES.iter().find(|p| logo.starts_with(**p)) {
        if logo.len() > MAX_LOGO_BYTES {
            return Err(PageError::ThemeLogoTooLarge);
        }
        let payload = logo.get(prefix.len()..).unwrap_or("");
        let ok = !payload.is_empty()
            && payload
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
        return if ok {
            Ok(())
        } else {
            Err(PageError::ThemeLogo)
        };
    }
    // A same-origin path: `/` but not `//` (scheme-relative) nor `/\` (browsers read `\` as `/`).
    let bytes = logo.as_bytes();
    let ok = logo.len() <= 2048
        && bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && bytes.iter().all(|b| {
            b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`')
        });
    if ok {
        Ok(())
    } else {
        Err(PageError::ThemeLogo)
    }
}

/// An sRGB colour with 8 bits per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub [u8; 3]);

impl Rgb {
    /// Parses `#rrggbb` (hex digits of either case); nothing else.
    ///
    /// ```
    /// use pay402::page::Rgb;
    /// assert_eq!(Rgb::parse("#0B57d0"), Some(Rgb([0x0b, 0x57, 0xd0])));
    /// assert_eq!(Rgb::parse("#fff"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        let hex = s.strip_prefix('#')?.as_bytes();
        if hex.len() != 6 {
            return None;
        }
        let mut out = [0u8; 3];
        for (i, slot) in out.iter_mut().enumerate() {
            let hi = hex_digit(*hex.get(2 * i)?)?;
            let lo = hex_digit(*hex.get(2 * i + 1)?)?;
            *slot = (hi << 4) | lo;
        }
        Some(Self(out))
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `true` when the WCAG 2.2 contrast ratio of `a` and `b` is at least 4.5:1
/// (<https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio>, SC 1.4.3), decided without floating point.
///
/// Method. The relative luminance is `L = 0.2126 R + 0.7152 G + 0.0722 B` with each channel
/// linearized from `c = s / 255`: `c / 12.92` when `c ≤ 0.04045`, else `((c + 0.055) / 1.055)^2.4`
/// (<https://www.w3.org/TR/WCAG22/#dfn-relative-luminance>; 8-bit values never fall between
/// 0.03928 and 0.04045, so both published thresholds agree). For `s > 10`,
/// `(c + 0.055) / 1.055 = (40 s + 561) / 10761` exactly, so the linear value at scale `10^12` is
/// `y = floor(10^12 · ((40 s + 561) / 10761)^(12/5))`: the largest `y` with
/// `y^5 · 10761^12 ≤ 10^60 · (40 s + 561)^12`, found by bisection in 512-bit integers. For
/// `s ≤ 10`, `y = floor(10^12 · 10 s / 32946)`. With `A = 2126 y_R + 7152 y_G + 722 y_B`
/// (`L · 10^16`, too low by less than `10^4`), `(L1 + 0.05) / (L2 + 0.05) ≥ 4.5` is
/// `2 A1 − 9 A2 ≥ 3500 · 10^12`. A pair passes only when that holds with `A2` raised by the
/// rounding bound, so a pair closer to 4.5:1 than about `10^-11` would be refused (fail closed);
/// the vectors' generator computes the same decision with exact fractions.
///
/// ```
/// use pay402::page::{meets_contrast, Rgb};
/// let white = Rgb([255, 255, 255]);
/// assert!(meets_contrast(Rgb([0x76, 0x76, 0x76]), white)); // 4.54:1
/// assert!(!meets_contrast(Rgb([0x77, 0x77, 0x77]), white)); // 4.48:1
/// ```
pub fn meets_contrast(a: Rgb, b: Rgb) -> bool {
    let (la, lb) = (luminance(a), luminance(b));
    let (light, dark) = if la >= lb { (la, lb) } else { (lb, la) };
    // A_true ∈ [A, A + 10^4): the pass needs the worst case of the dark side.
    2 * light >= 9 * (dark + 10_000) + 3_500 * SCALE
}

const SCALE: i128 = 1_000_000_000_000;

/// `L · 10^16`, floored per channel (see [`meets_contrast`]).
fn luminance(c: Rgb) -> i128 {
    let [r, g, b] = c.0;
    2126 * linear(r) + 7152 * linear(g) + 722 * linear(b)
}

/// `floor(10^12 · linearized(s / 255))`.
fn linear(s: u8) -> i128 {
    let s = i128::from(s);
    if s <= 10 {
        return SCALE * 10 * s / 32946;
    }
    let p = u64::try_from(40 * s + 561).unwrap_or(u64::MAX);
    // Largest y in [0, 10^12] with y^5 · 10761^12 ≤ 10^60 · p^12.
    let rhs = Big::power(1_000_000_000_000, 5).times_power(p, 12);
    let (mut lo, mut hi) = (0u64, 1_000_000_000_000u64);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if Big::power(mid, 5).times_power(10761, 12) <= rhs {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    i128::from(lo)
}

/// An unsigned 512-bit integer, little-endian limbs: just enough for [`linear`]'s comparison
/// (both sides stay below 2^380).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Big([u64; 8]);

impl Big {
    fn power(base: u64, exp: u32) -> Self {
        let mut one = [0u64; 8];
        one[0] = 1;
        Big(one).times_power(base, exp)
    }

    fn times_power(mut self, base: u64, exp: u32) -> Self {
        for _ in 0..exp {
            let mut carry: u128 = 0;
            for limb in &mut self.0 {
                let product = u128::from(*limb) * u128::from(base) + carry;
                *limb = u64::try_from(product & u128::from(u64::MAX)).unwrap_or(0);
                carry = product >> 64;
            }
            // Inputs are bounded so the top limb never overflows (see the type's comment).
        }
        self
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Big {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_endpoints() {
        assert_eq!(linear(0), 0);
        assert_eq!(linear(255), SCALE);
        // 0.2140411404641… (s = 128; checked against an 80-digit evaluation)
        assert_eq!(linear(128) / 1_000_000, 215_860);
    }

    #[test]
    fn black_on_white_is_21() {
        assert!(meets_contrast(Rgb([0, 0, 0]), Rgb([255, 255, 255])));
        assert!(!meets_contrast(Rgb([255, 255, 255]), Rgb([255, 255, 255])));
    }

    #[test]
    fn theme_rules() {
        let t = Theme::DEFAULT;
        assert_eq!(t.validate(), Ok(()));
        assert_eq!(
            Theme { title: "", ..t }.validate(),
            Err(PageError::ThemeTitle)
        );
        assert_eq!(
            Theme {
                title: "a\u{7}",
                ..t
            }
            .validate(),
            Err(PageError::ThemeTitle)
        );
        assert_eq!(
            Theme {
                logo: Some("//evil.example/x.png"),
                ..t
            }
            .validate(),
            Err(PageError::ThemeLogo)
        );
        assert_eq!(
            Theme {
                logo: Some("https://evil.example/x.png"),
                ..t
            }
            .validate(),
            Err(PageError::ThemeLogo)
        );
        assert_eq!(
            Theme {
                logo: Some("/static/logo.svg"),
                ..t
            }
            .validate(),
            Ok(())
        );
        assert_eq!(
            Theme {
                logo: Some("data:image/png;base64,iVBORw0KGgo="),
                ..t
            }
            .validate(),
            Ok(())
        );
        assert_eq!(
            Theme {
                logo: Some("data:text/html;base64,PGI+"),
                ..t
            }
            .validate(),
            Err(PageError::ThemeLogo)
        );
        assert_eq!(
            Theme { accent: "red", ..t }.validate(),
            Err(PageError::ThemeColor {
                color: ColorName::Accent
            })
        );
        assert_eq!(
            Theme { lang: "en US", ..t }.validate(),
            Err(PageError::ThemeLang)
        );
    }
}
