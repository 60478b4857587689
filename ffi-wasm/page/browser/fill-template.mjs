// TEST HELPER — fills the page template's five slots as the core's page writer is to (README.md
// of this directory, "Slots": HTML-escaped text and attributes, a theme of validated colours,
// base64 page data), so the browser smoke can serve a page before the core page server is merged.
// Not shipped.
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/** `{lang, title, colors?, summary: {description, price}, data}` → the page's HTML. */
export function fillTemplate(template, { lang = "en", title, colors, summary, data }) {
  const theme = colors
    ? `<style>:root{--pay402-background:${colors.background};--pay402-text:${colors.text};--pay402-accent:${colors.accent};--pay402-accent-text:${colors.accentText}}</style>`
    : ""; // the core writes the theme's whole <style> element into the slot
  const html = `<h1>${esc(title)}</h1><p>${esc(summary.description)}</p><p><strong>${esc(summary.price)}</strong></p>`;
  const values = {
    "{{pay402.lang}}": esc(lang), "{{pay402.title}}": esc(title), "{{pay402.theme}}": theme,
    "{{pay402.summary}}": html, "{{pay402.data}}": Buffer.from(JSON.stringify(data), "utf8").toString("base64"),
  };
  return template.replace(/\{\{pay402\.(lang|title|theme|summary|data)\}\}/g, (m) => values[m]);
}
