// The invoice QR code, read back by an independent decoder (jsqr, pinned) from the very SVG path
// the page draws. Invoices: BOLT #11's examples (lightning/bolts 11-payment-encoding.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import jsQR from "jsqr";
import { invoiceUri, qrMatrix, qrPath } from "../src/qr.mjs";

// BOLT #11 "Please make a donation of any amount using payment_hash 0001020304050607080900010203040506070809000102030405060708090102 to me @03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad"
const DONATION = "lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql";
// BOLT #11 "Please send $3 for a cup of coffee to the same peer, within one minute"
const COFFEE = "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh";

// Draws the path (only `M{x} {y}h{n}v1h-{n}z` runs) at `scale` px per module inside a 4-module
// quiet zone, as RGBA pixels.
function rasterize(d, size, scale = 4) {
  const side = (size + 8) * scale;
  const px = new Uint8ClampedArray(side * side * 4).fill(255);
  const runs = [...d.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)];
  assert.equal(runs.map((r) => r[0]).join(""), d, "the path holds only row runs");
  for (const [, x, y, n, back] of runs) {
    assert.equal(n, back);
    for (let yy = (+y + 4) * scale; yy < (+y + 5) * scale; yy++) {
      for (let xx = (+x + 4) * scale; xx < (+x + 4 + +n) * scale; xx++) {
        const i = (yy * side + xx) * 4;
        px[i] = px[i + 1] = px[i + 2] = 0;
      }
    }
  }
  return { px, side };
}

test("the URI is LIGHTNING: + the invoice in upper case (alphanumeric mode)", () => {
  assert.equal(invoiceUri("lnbcrt1abc"), "LIGHTNING:LNBCRT1ABC");
  assert.match(invoiceUri(DONATION), /^[0-9A-Z:]+$/);
});

for (const [name, invoice] of [["donation", DONATION], ["coffee", COFFEE], ["short regtest", "lnbcrt10u1pjq0000"]]) {
  test(`jsqr reads the drawn QR code back: ${name}`, () => {
    const m = qrMatrix(invoiceUri(invoice));
    const { px, side } = rasterize(qrPath(m), m.size);
    const read = jsQR(px, side, side);
    assert.ok(read, "jsqr found a code");
    assert.equal(read.data, invoiceUri(invoice));
    assert.equal(read.data.slice(10).toLowerCase(), invoice);
  });
}

test("the path covers exactly the dark modules", () => {
  const m = qrMatrix(invoiceUri(COFFEE));
  const dark = new Set();
  for (const [, x, y, n] of qrPath(m).matchAll(/M(\d+) (\d+)h(\d+)/g)) for (let i = 0; i < +n; i++) dark.add(`${+x + i},${y}`);
  let count = 0;
  for (let y = 0; y < m.size; y++) for (let x = 0; x < m.size; x++) {
    assert.equal(dark.has(`${x},${y}`), m.get(x, y));
    count += m.get(x, y) ? 1 : 0;
  }
  assert.equal(dark.size, count);
});
