// No `any` in the published types: every declaration file the installed package ships
// (.d.ts, .d.mts, .d.cts, wherever it is in the package) is read with its comments and string
// literals blanked out, and each `any` left (the word, as a type) is a failure, printed as
// file:line. Prose in doc comments ("any variant") is not a type and is not counted.
//   node types/no-any.mjs    (run in a project with pay402 installed; exits 1 on a hit)
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";

const root = dirname(createRequire(import.meta.url).resolve("pay402/package.json"));

function declarationFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : declarationFiles(path);
    return /\.d\.[cm]?ts$/.test(e.name) ? [path] : [];
  });
}

/** `text` with comments and string/template literals replaced by spaces (newlines kept). */
function codeOnly(text) {
  let out = "";
  let i = 0;
  const blank = (s) => s.replace(/[^\n]/g, " ");
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    let end;
    if (c === "/" && next === "/") end = text.indexOf("\n", i) === -1 ? text.length : text.indexOf("\n", i);
    else if (c === "/" && next === "*") end = text.indexOf("*/", i + 2) === -1 ? text.length : text.indexOf("*/", i + 2) + 2;
    else if (c === '"' || c === "'" || c === "`") {
      end = i + 1;
      while (end < text.length && text[end] !== c) end += text[end] === "\\" ? 2 : 1;
      end = Math.min(end + 1, text.length);
    }
    if (end === undefined) {
      out += c;
      i++;
    } else {
      out += blank(text.slice(i, end));
      i = end;
    }
  }
  return out;
}

const files = declarationFiles(root);
const hits = [];
for (const file of files) {
  const lines = codeOnly(readFileSync(file, "utf8")).split("\n");
  lines.forEach((line, n) => {
    if (/(?<![\w$.])any(?![\w$])/.test(line)) hits.push(`${relative(root, file)}:${n + 1}: ${line.trim()}`);
  });
}
for (const h of hits) console.log(`any: ${h}`);
console.log(`no-any: ${files.length} declaration files, ${hits.length} \`any\``);
process.exit(files.length > 0 && hits.length === 0 ? 0 : 1);
