#!/usr/bin/env python3
"""page.json: the paywall page's negotiation (page or API) and theme validation.

`page.presentation`: expected values typed by hand from RFC 9110 §12.5.1 (Accept, qvalues, its
examples), §9.1 (methods are case-sensitive), Fetch Metadata (Sec-Fetch-Dest) and the page rules of
this repository's page server (credential present -> API; Sec-Fetch-Dest not `document` -> API;
text/html listed explicitly with q > 0 and q(text/html) >= q(application/json) -> page). Each case
also records, in `reference`, what the x402 reference server decides with its browser rule
`accept.includes("text/html") && userAgent.includes("Mozilla")`
(coinbase/x402 typescript/packages/core/src/http/x402HTTPResourceServer.ts), evaluated here.

`page.theme`: the WCAG 2.2 contrast ratio (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio,
SC 1.4.3: at least 4.5:1) computed here independently: exact fractions for every rational step
(c = s/255, 0.055, 1.055, 12.92, the luminance coefficients, 0.05) and the 2.4 power of a rational
evaluated with 100 significant digits; every pair's distance from 4.5 is asserted to dwarf that
rounding, so each verdict is exact.

    python3 tests/conformance/peers/gen/page.py > tests/conformance/vectors/page.json
"""
# Standard library only.
import json
from decimal import Decimal, getcontext
from fractions import Fraction

getcontext().prec = 100

CHROME = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
          "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MOZ = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"
NAV = [["Accept", CHROME], ["User-Agent", MOZ], ["Sec-Fetch-Dest", "document"], ["Sec-Fetch-Mode", "navigate"]]


def reference(headers):
    accept = next((v for n, v in headers if n.lower() == "accept"), "")
    ua = next((v for n, v in headers if n.lower() == "user-agent"), "")
    return "page" if ("text/html" in accept and "Mozilla" in ua) else "api"


def pres(name, headers, expect, method="GET", policy=None):
    inp = {"method": method, "headers": headers}
    if policy is not None:
        inp["policy"] = policy
    return {"name": name, "op": "page.presentation", "input": inp,
            "reference": reference(headers), "expect": {"ok": {"presentation": expect}}}


presentation = [
    pres("Chromium navigation (Sec-Fetch-Dest document)", NAV, "page"),
    pres("Firefox navigation Accept", [["Accept", FIREFOX], ["User-Agent", "Mozilla/5.0 (X11; rv:140.0) Gecko/20100101 Firefox/140.0"]], "page"),
    pres("HEAD of a navigation", NAV, "page", method="HEAD"),
    pres("POST from a form: only GET and HEAD get the page", NAV, "api", method="POST"),
    pres("lower-case get is another method (RFC 9110 §9.1)", NAV, "api", method="get"),
    pres("curl: */* alone stays API", [["Accept", "*/*"], ["User-Agent", "curl/8.14.1"]], "api"),
    pres("no Accept at all", [["User-Agent", MOZ]], "api"),
    pres("the page's own fetch: Sec-Fetch-Dest empty", [["Accept", "*/*"], ["User-Agent", MOZ], ["Sec-Fetch-Dest", "empty"]], "api"),
    pres("a fetch asking text/html with Sec-Fetch-Dest empty gets the API (reference: page)", [["Accept", "text/html"], ["User-Agent", MOZ], ["Sec-Fetch-Dest", "empty"]], "api"),
    pres("an iframe is not a document navigation", [["Accept", CHROME], ["User-Agent", MOZ], ["Sec-Fetch-Dest", "iframe"]], "api"),
    pres("X-PAYMENT present: a paying client gets the API", NAV + [["X-PAYMENT", "eyJ4NDAyVmVyc2lvbiI6MX0="]], "api"),
    pres("PAYMENT-SIGNATURE present (any case)", NAV + [["payment-signature", "eyJ4NDAyVmVyc2lvbiI6Mn0="]], "api"),
    pres("Authorization: L402 credential", NAV + [["Authorization", "L402 AGIAJEemVQUTEyNCR0exk7ek90Cg==:1234abcd1234abcd1234abcd"]], "api"),
    pres("Authorization: lsat scheme is case-insensitive", NAV + [["authorization", "lsat mac:pre"]], "api"),
    pres("Authorization: Bearer is not a payment credential", NAV + [["Authorization", "Bearer abc"]], "page"),
    pres("RFC 9110 §12.5.1 example: text/html among weighted types", [["Accept", "text/plain; q=0.5, text/html, text/x-dvi; q=0.8, text/x-c"]], "page"),
    pres("RFC 9110 §12.5.1 example: text/* and */* only, no explicit text/html", [["Accept", "text/*, text/plain, text/plain;format=flowed, */*"]], "api"),
    pres("RFC 9110 §12.5.1 example: audio only", [["Accept", "audio/*; q=0.2, audio/basic"]], "api"),
    pres("RFC 9110 §12.5.1 example: text/html implied at 0.3 by text/*, not explicit", [["Accept", "text/*;q=0.3, text/plain;q=0.7, text/plain;format=flowed, text/plain;format=fixed;q=0.4, */*;q=0.5"]], "api"),
    pres("text/html and application/json at equal weight: page", [["Accept", "application/json, text/html"]], "page"),
    pres("application/json preferred over text/html", [["Accept", "application/json, text/html;q=0.9"], ["User-Agent", MOZ]], "api"),
    pres("text/html refused with q=0", [["Accept", "text/html;q=0, */*"], ["User-Agent", MOZ]], "api"),
    pres("*/* outweighs text/html for application/json", [["Accept", "text/html;q=0.5, */*;q=0.8"]], "api"),
    pres("application/* below text/html", [["Accept", "text/html;q=0.5, application/*;q=0.4"]], "page"),
    pres("application/json more specific than */*", [["Accept", "text/html;q=0.5, application/json;q=0.1, */*"]], "page"),
    pres("media types are case-insensitive", [["ACCEPT", "TEXT/HTML"]], "page"),
    pres("qvalue with three decimals", [["Accept", "text/html;q=0.001"]], "page"),
    pres("Accept split over two fields", [["Accept", "application/json;q=0.5"], ["Accept", "text/html"]], "page"),
    pres("empty list elements are allowed", [["Accept", "text/html,, ,*/*;q=0.1"]], "page"),
    pres("media type parameters before the weight", [["Accept", "text/html;charset=\"utf-8\";q=1"]], "page"),
    pres("malformed qvalue 1.5: Accept ignored", [["Accept", "text/html;q=1.5"], ["User-Agent", MOZ]], "api"),
    pres("malformed qvalue with four decimals", [["Accept", "text/html;q=0.0001"]], "api"),
    pres("malformed media range without subtype", [["Accept", "text, text/html"], ["User-Agent", MOZ]], "api"),
    pres("*/html is not a media range", [["Accept", "*/html, text/html"]], "api"),
    pres("page disabled for the route", NAV, "api", policy={"enabled": False}),
    pres("reference UA rule on: no Mozilla in User-Agent", [["Accept", "text/html"], ["User-Agent", "Wget/1.25"]], "api", policy={"require_mozilla_user_agent": True}),
    pres("reference UA rule on: Mozilla", [["Accept", "text/html"], ["User-Agent", MOZ]], "page", policy={"require_mozilla_user_agent": True}),
]

# --- WCAG 2.2 contrast, exact ---
def linear(s):
    c = Fraction(s, 255)
    if c <= Fraction(4045, 100000):
        return Decimal(c.numerator) / Decimal(c.denominator) / Decimal("12.92")
    t = (c + Fraction(55, 1000)) / Fraction(1055, 1000)
    return (Decimal(t.numerator) / Decimal(t.denominator)) ** Decimal("2.4")


LINEAR = [linear(s) for s in range(256)]


def luminance(hexcolor):
    r, g, b = (int(hexcolor[i:i + 2], 16) for i in (1, 3, 5))
    return Decimal("0.2126") * LINEAR[r] + Decimal("0.7152") * LINEAR[g] + Decimal("0.0722") * LINEAR[b]


def passes(a, b):
    la, lb = luminance(a), luminance(b)
    light, dark = max(la, lb), min(la, lb)
    margin = (light + Decimal("0.05")) - Decimal("4.5") * (dark + Decimal("0.05"))
    assert abs(margin) > Decimal("1e-60"), (a, b, margin)
    ratio = (light + Decimal("0.05")) / (dark + Decimal("0.05"))
    return margin >= 0, ratio


DEFAULT = {"background": "#ffffff", "text": "#1f2328", "accent": "#0b57d0", "accentText": "#ffffff"}
PAIRS = [
    ("#000000", "#ffffff"), ("#767676", "#ffffff"), ("#777777", "#ffffff"), ("#ffffff", "#757575"),
    ("#0b57d0", "#ffffff"), ("#1f2328", "#ffffff"), ("#ff0000", "#ffffff"), ("#e60000", "#ffffff"),
    ("#008000", "#ffffff"), ("#007a00", "#ffffff"), ("#0000ff", "#000000"), ("#595959", "#000000"),
    ("#5a5a5a", "#000000"), ("#ffff00", "#808080"), ("#ffffff", "#ffffff"), ("#0a0a0a", "#7a7a7a"),
    ("#000000", "#767676"), ("#ffa500", "#000000"), ("#3a6ea5", "#ffffff"), ("#c0c0c0", "#404040"),
]



def nearest_pairs(count=8):
    """The seeded random pairs closest to 4.5:1 on each side (the hardest verdicts)."""
    import random
    rnd = random.Random(19)
    above, below = [], []
    for _ in range(60000):
        a = "#%06x" % rnd.randrange(1 << 24)
        b = "#%06x" % rnd.randrange(1 << 24)
        ok, ratio = passes(a, b)
        (above if ok else below).append((abs(ratio - Decimal("4.5")), a, b))
    above.sort()
    below.sort()
    return [(a, b) for _, a, b in above[:count] + below[:count]]


PAIRS += nearest_pairs()


def theme_case(name, theme, expect):
    return {"name": name, "op": "page.theme", "input": theme, "expect": expect}


def theme(**kw):
    t = {"title": "Premium report", "colors": dict(DEFAULT), "lang": "en"}
    for k, v in kw.items():
        if k in DEFAULT:
            t["colors"][k] = v
        elif v is None:
            t.pop(k, None)
        else:
            t[k] = v
    return t


themes = [theme_case("the default colours", theme(), {"ok": {}})]
for fg, bg in PAIRS:
    ok, ratio = passes(fg, bg)
    r = f"{ratio:.7f}"
    themes.append(theme_case(f"text {fg} on background {bg}: {r}:1", theme(text=fg, background=bg),
                             {"ok": {}} if ok else {"error": "theme_low_contrast"}))
    themes.append(theme_case(f"accentText {fg} on accent {bg}: {r}:1", theme(accentText=fg, accent=bg),
                             {"ok": {}} if ok else {"error": "theme_low_contrast"}))
themes += [
    theme_case("upper-case hex digits", theme(text="#1F2328"), {"ok": {}}),
    theme_case("three-digit colour", theme(text="#000"), {"error": "theme_color_invalid"}),
    theme_case("named colour", theme(accent="blue"), {"error": "theme_color_invalid"}),
    theme_case("colour without #", theme(background="ffffff"), {"error": "theme_color_invalid"}),
    theme_case("empty title", theme(title=""), {"error": "theme_title_invalid"}),
    theme_case("120-character title", theme(title="é" * 120), {"ok": {}}),
    theme_case("121-character title", theme(title="a" * 121), {"error": "theme_title_invalid"}),
    theme_case("title with a newline", theme(title="a\nb"), {"error": "theme_title_invalid"}),
    theme_case("title with markup is fine (escaped when written)", theme(title="<b>Tom & Jerry</b>"), {"ok": {}}),
    theme_case("logo: same-origin path", theme(logo="/static/logo.svg"), {"ok": {}}),
    theme_case("logo: png data URL", theme(logo="data:image/png;base64,iVBORw0KGgo="), {"ok": {}}),
    theme_case("logo: svg data URL", theme(logo="data:image/svg+xml;base64,PHN2Zy8+"), {"ok": {}}),
    theme_case("logo: external URL", theme(logo="https://cdn.example/logo.png"), {"error": "theme_logo_invalid"}),
    theme_case("logo: scheme-relative URL", theme(logo="//cdn.example/logo.png"), {"error": "theme_logo_invalid"}),
    theme_case("logo: backslash trick", theme(logo="/\\cdn.example/logo.png"), {"error": "theme_logo_invalid"}),
    theme_case("logo: javascript URL", theme(logo="javascript:alert(1)"), {"error": "theme_logo_invalid"}),
    theme_case("logo: data URL of HTML", theme(logo="data:text/html;base64,PGI+"), {"error": "theme_logo_invalid"}),
    theme_case("logo: path with a quote", theme(logo="/a\"onerror=x"), {"error": "theme_logo_invalid"}),
    theme_case("logo: data URL over 32 KiB", theme(logo="data:image/png;base64," + "A" * 32768), {"error": "theme_logo_too_large"}),
    theme_case("lang en-GB", theme(lang="en-GB"), {"ok": {}}),
    theme_case("lang with a space", theme(lang="en GB"), {"error": "theme_lang_invalid"}),
    theme_case("empty lang", theme(lang=""), {"error": "theme_lang_invalid"}),
]

print(json.dumps({
    "suite": "page",
    "source": "page.presentation: expected values typed by hand from RFC 9110 (§12.5.1 Accept and its examples, §12.4.2 qvalues, §9.1 methods) and Fetch Metadata Sec-Fetch-Dest (https://w3c.github.io/webappsec-fetch-metadata/); `reference` records the x402 reference server's browser rule (accept includes text/html and User-Agent includes Mozilla, coinbase/x402 typescript/packages/core/src/http/x402HTTPResourceServer.ts) for comparison. page.theme: WCAG 2.2 contrast ratio (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio, SC 1.4.3, 4.5:1) computed by tests/conformance/peers/gen/page.py with exact fractions and a 100-digit 2.4 power; title, logo, colour and lang rules of the page theme",
    "cases": presentation + themes,
}, indent=1, ensure_ascii=False))
