// The invoice's QR code: `LIGHTNING:<INVOICE IN UPPER CASE>` (BOLT11 is case-insensitive; upper
// case fits QR's alphanumeric mode, ISO/IEC 18004 §7.4.4), drawn by lean-qr as one SVG path.
import { generate } from "lean-qr/nano";

/** The text the QR code carries. */
export function invoiceUri(invoice) {
  return `LIGHTNING:${invoice.toUpperCase()}`;
}

/** The module matrix: `{size, get(x, y)}`. */
export function qrMatrix(text) {
  return generate(text, { minCorrectionLevel: 1 });
}

/**
 * The SVG path of the dark modules, one run per row segment (`M{x} {y}h{n}v1h-{n}z`), in module
 * units; the caller's viewBox adds the quiet zone (4 modules).
 */
export function qrPath(m) {
  let d = "";
  for (let y = 0; y < m.size; y++) {
    for (let x = 0; x < m.size; ) {
      if (!m.get(x, y)) { x++; continue; }
      let n = 1;
      while (x + n < m.size && m.get(x + n, y)) n++;
      d += `M${x} ${y}h${n}v1h-${n}z`;
      x += n;
    }
  }
  return d;
}
