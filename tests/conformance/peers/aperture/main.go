// Command aperture-peer produces and checks pay402's L402 interop vectors with aperture's own
// packages (github.com/lightninglabs/aperture/{l402,mint}, gopkg.in/macaroon.v2).
//
//	aperture-peer gen OUT_DIR     writes OUT_DIR/l402-peers.aperture.json (deterministic)
//	aperture-peer live OUT_FILE   mints with mint.MintL402 itself (random token ids) and writes
//	                              a vector file for pay402 to verify (not committed)
//	aperture-peer check FILE      reads pay402-minted credentials and checks that aperture's
//	                              l402.FromHeader + mint.VerifyL402 give pay402's verdicts
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/lightninglabs/aperture/l402"
	"github.com/lightninglabs/aperture/mint"
	"github.com/lightningnetwork/lnd/lntypes"
	"gopkg.in/macaroon.v2"
)

const apertureVersion = "v0.3.8-beta"

// T is the valid-until time most vectors use.
const T = 1700000000

type secrets map[[32]byte][32]byte

func (s secrets) NewSecret(_ context.Context, h [32]byte) ([32]byte, error) {
	var k [32]byte
	copy(k[:], sha256Bytes([]byte("pay402 aperture peer secret"), h[:]))
	s[h] = k
	return k, nil
}
func (s secrets) GetSecret(_ context.Context, h [32]byte) ([32]byte, error) {
	k, ok := s[h]
	if !ok {
		return k, mint.ErrSecretNotFound
	}
	return k, nil
}
func (s secrets) RevokeSecret(_ context.Context, h [32]byte) error { delete(s, h); return nil }

// anyKey answers every lookup with one key (the vector's root key).
type anyKey [32]byte

func (k anyKey) NewSecret(context.Context, [32]byte) ([32]byte, error) { return k, nil }
func (k anyKey) GetSecret(context.Context, [32]byte) ([32]byte, error) { return k, nil }
func (k anyKey) RevokeSecret(context.Context, [32]byte) error          { return nil }

type challenger struct{ hash lntypes.Hash }

func (c challenger) NewChallenge(int64) (string, lntypes.Hash, error) { return "lnbc1", c.hash, nil }
func (c challenger) Stop()                                            {}

type limiter struct{ now func() time.Time }

func (l limiter) ServiceCapabilities(_ context.Context, s ...l402.Service) ([]l402.Caveat, error) {
	var out []l402.Caveat
	for _, svc := range s {
		out = append(out, l402.NewCapabilitiesCaveat(svc.Name, ""))
	}
	return out, nil
}
func (l limiter) ServiceConstraints(context.Context, ...l402.Service) ([]l402.Caveat, error) {
	return nil, nil
}
func (l limiter) ServiceTimeouts(_ context.Context, s ...l402.Service) ([]l402.Caveat, error) {
	var out []l402.Caveat
	for _, svc := range s {
		out = append(out, l402.NewTimeoutCaveat(svc.Name, 3600, l.now))
	}
	return out, nil
}

func sha256Bytes(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

func must[V any](v V, err error) V {
	if err != nil {
		panic(err)
	}
	return v
}

// code maps an aperture error to pay402's code (tests/conformance/vectors/README.md).
func code(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	switch {
	case errors.Is(err, l402.ErrUnknownVersion):
		return "unknown_identifier_version"
	case strings.HasPrefix(s, "invalid preimage"):
		return "invalid_preimage"
	case strings.Contains(s, "signature mismatch"), strings.Contains(s, "cannot find discharge"),
		strings.Contains(s, "verification failed"):
		return "signature_mismatch"
	case strings.Contains(s, "not previously allowed"), strings.Contains(s, "increasing restrictiveness"):
		return "caveat_widened"
	case strings.HasPrefix(s, "target service"), errors.Is(err, l402.ErrNoServices), errors.Is(err, l402.ErrInvalidService):
		return "service_not_allowed"
	case strings.Contains(s, "has expired"), strings.Contains(s, "not a valid integer"):
		return "token_expired"
	}
	panic("unmapped aperture error: " + s)
}

type token struct {
	name     string
	rootKey  [32]byte
	preimage lntypes.Preimage
	tokenID  [32]byte
	version  uint16
	caveats  []l402.Caveat
	raw      []string // extra caveats added as raw strings after caveats
}

func (t token) paymentHash() lntypes.Hash { return t.preimage.Hash() }

func (t token) identifier() []byte {
	var buf bytes.Buffer
	if t.version == 0 {
		must(0, l402.EncodeIdentifier(&buf, &l402.Identifier{Version: 0, PaymentHash: t.paymentHash(), TokenID: t.tokenID}))
	} else {
		buf.Write([]byte{byte(t.version >> 8), byte(t.version)})
		h := t.paymentHash()
		buf.Write(h[:])
		buf.Write(t.tokenID[:])
	}
	return buf.Bytes()
}

// mac mints the token exactly as mint.MintL402 does, with a fixed token id.
func (t token) mac() *macaroon.Macaroon {
	m := must(macaroon.New(t.rootKey[:], t.identifier(), "lsat", macaroon.LatestVersion))
	must(0, l402.AddFirstPartyCaveats(m, t.caveats...))
	for _, c := range t.raw {
		must(0, m.AddFirstPartyCaveat([]byte(c)))
	}
	return m
}

func b64(m *macaroon.Macaroon) string {
	return base64.StdEncoding.EncodeToString(must(m.MarshalBinary()))
}

// stableVerify runs aperture's verification 64 times and says whether its verdict was the
// same every time. aperture checks caveats grouped by condition in a Go map, so when caveats of
// two conditions both fail, which failure it reports follows the map's random iteration order:
// such an input has no single reference verdict, and the generator leaves it out.
func stableVerify(headers []string, rootKey [32]byte, service string, now int64) (error, bool) {
	first := apertureVerify(headers, rootKey, service, now)
	for i := 1; i < 64; i++ {
		if code(apertureVerify(headers, rootKey, service, now)) != code(first) {
			return first, false
		}
	}
	return first, true
}

// apertureVerify runs aperture's server path: l402.FromHeader, then mint.VerifyL402.
func apertureVerify(headers []string, rootKey [32]byte, service string, now int64) error {
	h := http.Header{}
	for _, v := range headers {
		h.Add("Authorization", v)
	}
	mac, preimage, err := l402.FromHeader(&h)
	if err != nil {
		return fmt.Errorf("FromHeader: %w", err)
	}
	m := mint.New(&mint.Config{Secrets: anyKey(rootKey), Now: func() time.Time { return time.Unix(now, 0) }})
	return m.VerifyL402(context.Background(), &mint.VerificationParams{Macaroon: mac, Preimage: preimage, TargetService: service})
}

type obj = map[string]any

func fill(seed string) (out [32]byte) {
	copy(out[:], sha256Bytes([]byte(seed)))
	return
}

func tokens() []token {
	tm := func(sec int64) func() time.Time { return func() time.Time { return time.Unix(sec, 0) } }
	svc := l402.Service{Name: "svc", Tier: l402.BaseTier}
	other := l402.Service{Name: "other", Tier: 1}
	svcs := must(l402.NewServicesCaveat(svc, other))
	svcOnly := must(l402.NewServicesCaveat(svc))
	evil := must(l402.NewServicesCaveat(svc, l402.Service{Name: "evil", Tier: 0}))
	base := func(i int, name string) token {
		return token{
			name:     name,
			rootKey:  fill(fmt.Sprintf("root key %d", i)),
			preimage: lntypes.Preimage(fill(fmt.Sprintf("preimage %d", i))),
			tokenID:  fill(fmt.Sprintf("token id %d", i)),
		}
	}
	var out []token
	t := base(1, "aperture-shaped: services, empty capabilities, no timeout")
	t.caveats = []l402.Caveat{svcOnly, l402.NewCapabilitiesCaveat("svc", "")}
	out = append(out, t)
	t = base(2, "two services, capabilities, timeout now+3600")
	t.caveats = []l402.Caveat{svcs, l402.NewCapabilitiesCaveat("svc", "read,write"), l402.NewTimeoutCaveat("svc", 3600, tm(T-3600))}
	out = append(out, t)
	t = base(3, "attenuated: narrower services and earlier timeout")
	t.caveats = []l402.Caveat{svcs, l402.NewTimeoutCaveat("svc", 3600, tm(T-3600)), svcOnly, l402.NewTimeoutCaveat("svc", 3500, tm(T-3600))}
	out = append(out, t)
	t = base(4, "widening services caveat")
	t.caveats = []l402.Caveat{svcOnly, evil}
	out = append(out, t)
	t = base(5, "widening valid_until caveat")
	t.caveats = []l402.Caveat{svcOnly, l402.NewTimeoutCaveat("svc", 0, tm(T)), l402.NewTimeoutCaveat("svc", 100, tm(T))}
	out = append(out, t)
	t = base(6, "unknown and untrimmed caveats are skipped")
	t.caveats = []l402.Caveat{svcOnly}
	t.raw = []string{"services = evil:0", "no condition", "valid_until=1", "other_valid_until=1", "preimage=00"}
	out = append(out, t)
	t = base(7, "no caveats")
	out = append(out, t)
	t = base(8, "identifier version 1")
	t.version = 1
	t.caveats = []l402.Caveat{svcOnly}
	out = append(out, t)
	t = base(9, "other service only, timeout")
	t.caveats = []l402.Caveat{must(l402.NewServicesCaveat(other)), l402.NewTimeoutCaveat("other", 60, tm(T-60))}
	out = append(out, t)
	return out
}

func gen(outDir string) {
	var cases []obj
	ambiguous := 0
	add := func(name, op string, input obj, err error) {
		var expect obj
		if err == nil {
			expect = obj{"ok": obj{}}
		} else {
			expect = obj{"error": code(err)}
		}
		cases = append(cases, obj{"name": name, "op": op, "input": input, "expect": expect})
	}
	for i, t := range tokens() {
		m := t.mac()
		tok := b64(m)
		var cavs []string
		for _, c := range m.Caveats() {
			cavs = append(cavs, string(c.Id))
		}
		if cavs == nil {
			cavs = []string{}
		}
		hash := t.paymentHash()
		if t.version == 0 {
			cases = append(cases, obj{
				"name": fmt.Sprintf("%d mint: %s", i+1, t.name), "op": "l402.mint",
				"input": obj{"root_key_hex": hex.EncodeToString(t.rootKey[:]), "payment_hash_hex": hex.EncodeToString(hash[:]),
					"token_id_hex": hex.EncodeToString(t.tokenID[:]), "location": "lsat", "caveats": cavs},
				"expect": obj{"ok": obj{"token": tok, "signature_hex": hex.EncodeToString(m.Signature())}},
			})
		}
		// aperture's client sends LSAT then L402 (l402.SetHeader).
		h := http.Header{}
		must(0, l402.SetHeader(&h, m, t.preimage))
		both := h.Values("Authorization")
		type scenario struct {
			name    string
			headers []string
			key     [32]byte
			service string
			now     int64
		}
		wrong := lntypes.Preimage(fill("wrong"))
		scenarios := []scenario{
			{"svc before T", both, t.rootKey, "svc", T - 1},
			{"svc at T", both, t.rootKey, "svc", T},
			{"other before T", both, t.rootKey, "other", T - 1},
			{"evil before T", both, t.rootKey, "evil", T - 1},
			{"wrong preimage", []string{"L402 " + tok + ":" + wrong.String()}, t.rootKey, "svc", T - 1},
			{"wrong root key", both, fill("another key"), "svc", T - 1},
		}
		for _, s := range scenarios {
			err, stable := stableVerify(s.headers, s.key, s.service, s.now)
			if !stable {
				ambiguous++
				continue
			}
			input := obj{"authorization": s.headers, "root_key_hex": hex.EncodeToString(s.key[:]), "now": s.now, "service": s.service}
			name := fmt.Sprintf("%d verify (%s): %s", i+1, s.name, t.name)
			add(name, "l402.verify", input, err)
			if err == nil {
				cases[len(cases)-1]["expect"] = obj{"ok": obj{"payment_hash_hex": hex.EncodeToString(hash[:]), "token_id_hex": hex.EncodeToString(t.tokenID[:])}}
			}
		}
		// aperture's own header parser on its own header values.
		mac2, pre2, err := l402.FromHeader(&h)
		if err != nil || !bytes.Equal(must(mac2.MarshalBinary()), must(m.MarshalBinary())) || pre2 != t.preimage {
			panic("FromHeader does not round-trip SetHeader")
		}
		cases = append(cases, obj{
			"name": fmt.Sprintf("%d authorization.parse: aperture SetHeader's L402 value", i+1), "op": "l402.authorization.parse",
			"input":  obj{"header": both[1]},
			"expect": obj{"ok": obj{"scheme": "L402", "macaroons": []string{tok}, "preimage_hex": t.preimage.String()}},
		})
	}
	// A tampered caveat: flip one byte of the services caveat in the binary.
	t := tokens()[0]
	raw := must(t.mac().MarshalBinary())
	i := bytes.Index(raw, []byte("svc:0"))
	raw[i] = 'S'
	tampered := base64.StdEncoding.EncodeToString(raw)
	hdr := []string{"L402 " + tampered + ":" + t.preimage.String()}
	add("1 verify: tampered caveat", "l402.verify",
		obj{"authorization": hdr, "root_key_hex": hex.EncodeToString(t.rootKey[:]), "now": T - 1, "service": "Svc"},
		apertureVerify(hdr, t.rootKey, "Svc", T-1))

	doc := obj{
		"suite":  "l402-peers-aperture",
		"source": "github.com/lightninglabs/aperture " + apertureVersion + " (l402.EncodeIdentifier, l402.AddFirstPartyCaveats, l402.SetHeader, l402.FromHeader, mint.VerifyL402) and gopkg.in/macaroon.v2 v2.1.0 via tests/conformance/peers/aperture/main.go; deterministic inputs",
		"cases":  cases,
	}
	writeJSON(outDir+"/l402-peers.aperture.json", doc)
	fmt.Printf("aperture: %d cases, %d inputs left out (aperture's verdict depends on Go map order)\n", len(cases), ambiguous)
}

// live mints with mint.MintL402 itself (random token ids) and records aperture's verdicts.
func live(outFile string) {
	var cases []obj
	for i := 0; i < 3; i++ {
		now := time.Unix(T-3600, 0)
		pre := lntypes.Preimage(fill(fmt.Sprintf("live %d", i)))
		store := secrets{}
		m := mint.New(&mint.Config{Secrets: store, Challenger: challenger{pre.Hash()}, ServiceLimiter: limiter{func() time.Time { return now }},
			Now: func() time.Time { return now }})
		mac, _, err := m.MintL402(context.Background(), l402.Service{Name: "svc", Tier: l402.BaseTier, Price: 1})
		must(0, err)
		idHash := sha256.Sum256(mac.Id())
		key := store[idHash]
		h := http.Header{}
		must(0, l402.SetHeader(&h, mac, pre))
		for _, s := range []struct {
			service string
			now     int64
		}{{"svc", T - 1}, {"svc", T}, {"other", T - 1}} {
			err, stable := stableVerify(h.Values("Authorization"), key, s.service, s.now)
			if !stable {
				continue
			}
			expect := obj{"ok": obj{"token_id_hex": hex.EncodeToString(mac.Id()[34:])}}
			if err != nil {
				expect = obj{"error": code(err)}
			}
			cases = append(cases, obj{"name": fmt.Sprintf("MintL402 %d, %s at %d", i, s.service, s.now), "op": "l402.verify",
				"input":  obj{"authorization": h.Values("Authorization"), "root_key_hex": hex.EncodeToString(key[:]), "now": s.now, "service": s.service},
				"expect": expect})
		}
	}
	writeJSON(outFile, obj{"suite": "l402-peers-aperture-live", "source": "aperture " + apertureVersion + " mint.MintL402 (random token ids)", "cases": cases})
}

// check verifies pay402-minted credentials with aperture and compares verdicts.
func check(file string) {
	var items []struct {
		Name          string   `json:"name"`
		Authorization []string `json:"authorization"`
		RootKeyHex    string   `json:"root_key_hex"`
		Service       string   `json:"service"`
		Now           int64    `json:"now"`
		Expect        string   `json:"expect"` // "ok" or a pay402 error code
	}
	must(0, json.Unmarshal(must(os.ReadFile(file)), &items))
	failed := 0
	for _, it := range items {
		var key [32]byte
		copy(key[:], must(hex.DecodeString(it.RootKeyHex)))
		err := apertureVerify(it.Authorization, key, it.Service, it.Now)
		got := "ok"
		if err != nil {
			if strings.HasPrefix(err.Error(), "FromHeader") {
				got = "invalid_credential"
			} else {
				got = code(err)
			}
		}
		if got != it.Expect {
			failed++
			fmt.Printf("FAIL pay402->aperture %s: pay402 says %s, aperture says %s (%v)\n", it.Name, it.Expect, got, err)
		}
	}
	fmt.Printf("pay402->aperture: %d checked, %d disagree\n", len(items), failed)
	if failed > 0 || len(items) == 0 {
		os.Exit(1)
	}
}

func writeJSON(path string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	must(0, enc.Encode(v))
	must(0, os.WriteFile(path, buf.Bytes(), 0o644))
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: aperture-peer gen OUT_DIR | live OUT_FILE | check FILE")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "gen":
		gen(os.Args[2])
	case "live":
		live(os.Args[2])
	case "check":
		check(os.Args[2])
	default:
		os.Exit(2)
	}
}
