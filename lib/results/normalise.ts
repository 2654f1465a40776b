/**
 * The part of a TypeScript module that can change what it does: its tokens, without comments,
 * layout, or declarations that compile to nothing. Code fingerprints (./fingerprint.ts) hash
 * this, so that a reworded comment, a reformatted line or an interface moved between files does
 * not mark the results measured by that code as outdated.
 *
 * The lexer is small, not a parser: it knows strings, template literals (with nested `${…}`),
 * regular expression literals (told from division by the token before them) and comments.
 * Erased, at the top level only: `import type …;`, `export type {…} …;`, `interface …{…}`,
 * `type X = …;` (each with or without `export`), and function declarations whose name no
 * token of the module's import graph mentions (an export nobody imports cannot run).
 *
 * @module
 */

/** One token of a source: its text and whether a line break came before it. */
export interface Token {
  text: string;
  kind: "word" | "number" | "string" | "template" | "regex" | "punct";
  /** A line break (or a comment holding one) separated it from the previous token. */
  newline: boolean;
}

// Longest first, so that each operator is read whole (`a + +b` is not `a ++b`).
const PUNCT = [
  ">>>=",
  "...",
  "===",
  "!==",
  "**=",
  "<<=",
  ">>=",
  ">>>",
  "&&=",
  "||=",
  "??=",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "??",
  "?.",
  "++",
  "--",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "**",
  "<<",
  ">>",
];

// After these words an expression starts, so a `/` begins a regular expression.
const BEFORE_EXPRESSION = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/** Whether a character can be part of a word or number (`#` for private names). */
function isWordChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) ||
    code === 95 || code === 36 || code === 35 || code >= 128;
}

// The operators by their first character, longest first.
const PUNCT_BY_FIRST = new Map<string, string[]>();
for (const p of PUNCT) PUNCT_BY_FIRST.set(p[0], [...PUNCT_BY_FIRST.get(p[0]) ?? [], p]);

/** Whether a `/` after this token starts a regular expression rather than a division. */
function regexAllowed(prev: Token | undefined): boolean {
  if (!prev) return true;
  if (prev.kind === "word") return BEFORE_EXPRESSION.has(prev.text);
  if (prev.kind === "punct") return ![")", "]", "}"].includes(prev.text);
  return prev.kind !== "number" && prev.kind !== "string" && prev.kind !== "regex" &&
    !(prev.kind === "template" && prev.text.endsWith("`"));
}

/**
 * The tokens of a TypeScript source, comments and whitespace dropped. Throws on an unclosed
 * string, template, regular expression or comment.
 */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  // Brace depth at which each open template substitution resumes its template.
  const templates: number[] = [];
  let depth = 0;
  let newline = false;
  let i = 0;
  const push = (kind: Token["kind"], end: number) => {
    out.push({ text: src.slice(i, end), kind, newline });
    newline = false;
    i = end;
  };
  const fail = (what: string): never => {
    const line = src.slice(0, i).split("\n").length;
    throw new Error(`unclosed ${what} at line ${line}`);
  };
  // From a template's start (`) or a substitution's end (}), through its next `${` or `.
  const templatePart = () => {
    let j = i + 1;
    for (; j < src.length; j++) {
      if (src[j] === "\\") j++;
      else if (src[j] === "`") return push("template", j + 1);
      else if (src[j] === "$" && src[j + 1] === "{") {
        templates.push(depth);
        return push("template", j + 2);
      }
    }
    fail("template literal");
  };
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") {
      newline = true;
      i++;
    } else if (c === " " || c === "\t" || c === "\r" || c === "\uFEFF") {
      i++;
    } else if (c === "/" && src[i + 1] === "/") {
      const end = src.indexOf("\n", i);
      i = end < 0 ? src.length : end;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) fail("comment");
      if (src.slice(i, end).includes("\n")) newline = true;
      i = end + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== c && src[j] !== "\n") j += src[j] === "\\" ? 2 : 1;
      if (src[j] !== c) fail("string");
      push("string", j + 1);
    } else if (c === "`") {
      templatePart();
    } else if (c === "}" && templates.length && templates[templates.length - 1] === depth) {
      templates.pop();
      templatePart();
    } else if (c === "/" && regexAllowed(out[out.length - 1])) {
      let j = i + 1;
      let inClass = false;
      for (; j < src.length && src[j] !== "\n"; j++) {
        if (src[j] === "\\") j++;
        else if (src[j] === "[") inClass = true;
        else if (src[j] === "]") inClass = false;
        else if (src[j] === "/" && !inClass) break;
      }
      if (src[j] !== "/") fail("regular expression");
      j++;
      while (j < src.length && isWordChar(src[j])) j++;
      push("regex", j);
    } else if (isWordChar(c)) {
      const number = c >= "0" && c <= "9";
      let j = i + 1;
      while (
        j < src.length &&
        (isWordChar(src[j]) || (number && (src[j] === "." ||
          ((src[j] === "+" || src[j] === "-") && /[eE]/.test(src[j - 1])))))
      ) j++;
      push(number ? "number" : "word", j);
    } else if (c === "." && src[i + 1] >= "0" && src[i + 1] <= "9") {
      let j = i + 1;
      while (j < src.length && isWordChar(src[j])) j++;
      push("number", j);
    } else {
      const op = PUNCT_BY_FIRST.get(c)?.find((p) => src.startsWith(p, i)) ?? c;
      if (op === "{") depth++;
      if (op === "}") depth--;
      push("punct", i + op.length);
    }
  }
  if (templates.length) fail("template substitution");
  return out;
}

// A line break after these words, or before these operators, changes the parse (ASI).
const BREAK_AFTER = new Set([
  "return",
  "throw",
  "break",
  "continue",
  "yield",
  "async",
  "type",
  "interface",
  "declare",
  "abstract",
  "namespace",
  "module",
  "let",
]);
const BREAK_BEFORE = new Set(["++", "--", "=>"]);

/**
 * The tokens as one text: a space between tokens, a line break only where it can matter, and
 * no trailing comma before a closing bracket (the formatter adds one when it wraps a list;
 * `[a,,]` keeps its commas, since there the last one makes a hole).
 */
export function joinTokens(tokens: readonly Token[]): string {
  let text = "";
  tokens.forEach((t, n) => {
    if (
      t.text === "," && t.kind === "punct" && [")", "]", "}"].includes(tokens[n + 1]?.text) &&
      tokens[n + 1].kind === "punct" && !["[", ","].includes(tokens[n - 1]?.text)
    ) return;
    if (n > 0) {
      const prev = tokens[n - 1].text;
      text += t.newline && (BREAK_AFTER.has(prev) || BREAK_BEFORE.has(t.text)) ? "\n" : " ";
    }
    text += t.text;
  });
  return text;
}

/** Index just past the group that opens at `open` (a `{`, `(`, `[` or `<`), or -1. */
function closeGroup(tokens: readonly Token[], open: number): number {
  const pairs: Record<string, string> = { "{": "}", "(": ")", "[": "]", "<": ">" };
  const closer = pairs[tokens[open].text];
  const opener = tokens[open].text;
  let depth = 0;
  for (let n = open; n < tokens.length; n++) {
    const t = tokens[n];
    if (t.kind !== "punct") continue;
    if (t.text === opener) depth++;
    else if (t.text === closer) depth--;
    else if (opener === "<" && (t.text === ">>" || t.text === ">>>")) depth -= t.text.length;
    if (depth <= 0) return depth === 0 ? n + 1 : -1;
  }
  return -1;
}

const STATEMENT_START = new Set([
  "export",
  "import",
  "const",
  "let",
  "var",
  "function",
  "async",
  "class",
  "interface",
  "type",
  "enum",
  "declare",
]);

/**
 * Index just past a top-level statement that ends with `;` at bracket depth 0 (or before the
 * next line that starts a declaration, if the `;` was left out), or -1.
 */
function statementEnd(tokens: readonly Token[], from: number): number {
  let depth = 0;
  for (let n = from; n < tokens.length; n++) {
    const t = tokens[n];
    if (n > from && depth === 0 && t.newline && STATEMENT_START.has(t.text)) return n;
    if (t.kind === "template") {
      if (t.text.endsWith("${")) depth++;
      if (!t.text.startsWith("`")) depth--;
      continue;
    }
    if (t.kind !== "punct") continue;
    if ("({[".includes(t.text)) depth++;
    else if (")}]".includes(t.text)) depth--;
    else if (t.text === ";" && depth === 0) return n + 1;
    if (depth < 0) return -1;
  }
  return tokens.length;
}

/** Index just past a function declaration's body, the name's token at `name`, or -1. */
function functionEnd(tokens: readonly Token[], name: number): number {
  let n = name + 1;
  if (tokens[n]?.text === "<") n = closeGroup(tokens, n);
  if (n < 0 || tokens[n]?.text !== "(") return -1;
  n = closeGroup(tokens, n);
  // Skip a return type: braces there follow `:`, `|`, `&`, `=>`, `is`, or sit inside `<…>`.
  while (n > 0 && n < tokens.length) {
    const t = tokens[n];
    if (t.text === ";") return n + 1; // an overload signature
    if (t.text === "{" && ![":", "|", "&", "=>", "is"].includes(tokens[n - 1].text)) {
      return closeGroup(tokens, n);
    }
    if (t.text === "{" || t.text === "(" || t.text === "[" || t.text === "<") {
      n = closeGroup(tokens, n);
    } else n++;
  }
  return -1;
}

/**
 * The top-level declarations of a module that emit no code, as [start, end) token ranges:
 * type-only imports and exports, interfaces, type aliases, and function declarations whose
 * name `used` says nobody mentions.
 */
export function erasable(
  tokens: readonly Token[],
  used: (name: string) => boolean = () => true,
): [number, number][] {
  const ranges: [number, number][] = [];
  let depth = 0;
  let n = 0;
  let startOfStatement = true;
  while (n < tokens.length) {
    const t = tokens[n];
    if (depth === 0 && startOfStatement) {
      const head = t.text === "export" ? n + 1 : n;
      const w = tokens[head]?.text;
      const next = tokens[head + 1];
      const after = tokens[head + 2]?.text ?? "";
      let end = -1;
      if (w === "import" && next?.text === "type" && after !== "from" && after !== ",") {
        end = statementEnd(tokens, n); // `import type …;` (not a default import named `type`)
      } else if (head > n && w === "type" && (next?.text === "{" || next?.text === "*")) {
        end = statementEnd(tokens, n); // `export type {…} from …;`
      } else if (w === "type" && next?.kind === "word" && (after === "=" || after === "<")) {
        end = statementEnd(tokens, n);
      } else if (w === "interface" && next?.kind === "word") {
        let b = head + 2;
        while (b < tokens.length && tokens[b].text !== "{") {
          b = tokens[b].text === "<" ? closeGroup(tokens, b) : b + 1;
          if (b < 0) break;
        }
        end = b < 0 ? -1 : closeGroup(tokens, b);
      } else if (w === "function" || (w === "async" && next?.text === "function")) {
        let name = w === "async" ? head + 2 : head + 1;
        if (tokens[name]?.text === "*") name++;
        if (tokens[name]?.kind === "word" && !used(tokens[name].text)) {
          end = functionEnd(tokens, name);
        }
      }
      if (end > n) {
        ranges.push([n, end]);
        n = end;
        continue;
      }
    }
    if (t.kind === "punct" && "({[".includes(t.text)) depth++;
    if (t.kind === "punct" && ")}]".includes(t.text)) depth--;
    if (t.kind === "template") {
      depth += (t.text.endsWith("${") ? 1 : 0) - (t.text.startsWith("`") ? 0 : 1);
    }
    startOfStatement = depth === 0 && t.kind === "punct" && (t.text === ";" || t.text === "}");
    n++;
  }
  return ranges;
}

/** The tokens left after dropping what {@link erasable} finds (the code that can run). */
export function withoutErasable(
  tokens: readonly Token[],
  used?: (name: string) => boolean,
): Token[] {
  const kept: Token[] = [];
  let at = 0;
  for (const [start, end] of erasable(tokens, used)) {
    kept.push(...tokens.slice(at, start));
    at = end;
  }
  kept.push(...tokens.slice(at));
  return kept;
}

/**
 * A module's source reduced to what can change its behaviour: tokens only, declarations that
 * emit no code erased (see the module doc). `used` tells whether any module of the import graph
 * names an identifier (default: every name is used, so no function is erased). A module made
 * only of types normalises to "".
 */
export function normaliseSource(src: string, used?: (name: string) => boolean): string {
  return joinTokens(withoutErasable(tokenize(src), used));
}

/**
 * The names a module mentions: its word tokens (property names included) and the words inside
 * its strings and templates, so that a function looked up by a string still counts as used.
 */
export function mentionedNames(tokens: readonly Token[]): Map<string, number> {
  const names = new Map<string, number>();
  const add = (w: string) => names.set(w, (names.get(w) ?? 0) + 1);
  for (const t of tokens) {
    if (t.kind === "word") add(t.text);
    else if (t.kind === "string" || t.kind === "template") {
      for (const w of t.text.match(/[A-Za-z_$][A-Za-z0-9_$]*/g) ?? []) add(w);
    }
  }
  return names;
}
