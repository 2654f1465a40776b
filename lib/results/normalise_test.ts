// The normaliser keeps every token that can change what a module does and nothing else: the
// tricky inputs are the ones where a comment marker is not a comment (strings, templates,
// regular expressions) and where a line break or an operator's spelling changes the parse.

import assert from "node:assert/strict";
import { normaliseSource, tokenize } from "./normalise.ts";

const texts = (src: string) => tokenize(src).map((t) => t.text);

Deno.test("tokenize: comment markers inside strings, templates and regexes are not comments", () => {
  assert.deepEqual(texts(`const u = "http://x"; // gone`), ["const", "u", "=", '"http://x"', ";"]);
  assert.deepEqual(texts(`f('/* not */', "it's")`), ["f", "(", "'/* not */'", ",", `"it's"`, ")"]);
  assert.deepEqual(texts("const t = `a // b ${x /* c */} /* d */`;"), [
    "const",
    "t",
    "=",
    "`a // b ${",
    "x",
    "} /* d */`",
    ";",
  ]);
  assert.deepEqual(texts(String.raw`const r = /\/*x[/*]/g; /* c */ y`), [
    "const",
    "r",
    "=",
    String.raw`/\/*x[/*]/g`,
    ";",
    "y",
  ]);
});

Deno.test("tokenize: templates nest, with braces and templates inside substitutions", () => {
  const src = "`${a ? { b: `in ${c}` }.b : '}'}` + d";
  assert.deepEqual(texts(src), [
    "`${",
    "a",
    "?",
    "{",
    "b",
    ":",
    "`in ${",
    "c",
    "}`",
    "}",
    ".",
    "b",
    ":",
    "'}'",
    "}`",
    "+",
    "d",
  ]);
});

Deno.test("tokenize: division is not a regex, a regex after an operator or keyword is", () => {
  assert.deepEqual(texts("a / b / c"), ["a", "/", "b", "/", "c"]);
  assert.deepEqual(texts("f(x) / 2 /* c */"), ["f", "(", "x", ")", "/", "2"]);
  assert.deepEqual(texts("return /a b/.test(s)"), ["return", "/a b/", ".", "test", "(", "s", ")"]);
  assert.deepEqual(texts("x = y ? /=/ : 1e-3 / .5"), [
    "x",
    "=",
    "y",
    "?",
    "/=/",
    ":",
    "1e-3",
    "/",
    ".5",
  ]);
});

Deno.test("tokenize: operators are read whole, private names are one word", () => {
  assert.deepEqual(texts("a+ +b"), ["a", "+", "+", "b"]);
  assert.deepEqual(texts("a++ + b"), ["a", "++", "+", "b"]);
  assert.deepEqual(texts("x ??= y?.z >>>= 1"), ["x", "??=", "y", "?.", "z", ">>>=", "1"]);
  assert.deepEqual(texts("this.#n"), ["this", ".", "#n"]);
});

Deno.test("tokenize: an unclosed string, template, regex or comment is an error", () => {
  for (const bad of [`"abc`, "`a${b", "x = /ab", "/* never"]) {
    assert.throws(() => tokenize(bad), /unclosed/, bad);
  }
});

Deno.test("normaliseSource: comments and layout do not count, code does", () => {
  const a = `/** Doc. */\nexport function f(x: number): number {\n  // why\n  return x + 1;\n}\n`;
  const b = `export function f(\n  x: number,\n): number { /* reworded */ return x + 1; }`;
  assert.equal(normaliseSource(a), normaliseSource(b));
  assert.notEqual(normaliseSource(a), normaliseSource(a.replace("x + 1", "x + 2")));
  assert.notEqual(normaliseSource(`s = "a  b"`), normaliseSource(`s = "a b"`));
  assert.notEqual(normaliseSource("s = `a  b`"), normaliseSource("s = `a b`"));
});

Deno.test("normaliseSource: a line break that changes the parse is kept", () => {
  assert.notEqual(normaliseSource("return\nx;"), normaliseSource("return x;"));
  assert.notEqual(normaliseSource("a\n++b"), normaliseSource("a++\nb"));
  assert.equal(normaliseSource("f(a,\n b)"), normaliseSource("f(a, b)"));
});

Deno.test("normaliseSource: declarations that emit no code are erased", () => {
  const types = [
    `import type { A } from "./a.ts";`,
    `export type { B, C } from "./b.ts";`,
    `export interface D<T extends { x: 1 }> extends A {\n  d: T; /** doc */ e?: () => void;\n}`,
    `interface E { f: string }`,
    `export type F = { a: number; b: string } | "g";`,
    `type G<T> = T[]`,
  ].join("\n");
  assert.equal(normaliseSource(types), "");
  assert.equal(normaliseSource(`${types}\nexport const x = 1;`), "export const x = 1 ;");
  // A default import named `type` is code, and so is `type` as a plain identifier.
  assert.equal(normaliseSource(`import type from "./t.ts";`), `import type from "./t.ts" ;`);
  assert.equal(normaliseSource(`type = 3;`), "type = 3 ;");
  // Nested declarations stay: only the top level is erased.
  assert.equal(normaliseSource("{ interface I {} }"), "{ interface I { } }");
});

Deno.test("normaliseSource: a function is erased only when nobody uses its name", () => {
  const src = [
    "export function used(a: number): { n: number } {\n  return { n: a };\n}",
    "export async function* unused<T>(x: T): AsyncGenerator<T> {\n  yield x;\n}",
    "function over(a: string): void;",
    "const k = used(1);",
  ].join("\n");
  assert.ok(normaliseSource(src).includes("unused"), "every name counts as used by default");
  const never = (name: string) => name === "used";
  assert.equal(
    normaliseSource(src, never),
    "export function used ( a : number ) : { n : number } { return { n : a } ; } const k = used ( 1 ) ;",
  );
});

Deno.test("normaliseSource: a trailing comma does not count, unless it makes a hole", () => {
  assert.equal(normaliseSource("f(a,\n);"), normaliseSource("f(a);"));
  assert.equal(normaliseSource("x = { a: [1, 2,], };"), normaliseSource("x = { a: [1, 2] };"));
  assert.notEqual(normaliseSource("x = [1, , ];"), normaliseSource("x = [1, ];"));
  assert.notEqual(normaliseSource("x = [,];"), normaliseSource("x = [];"));
});
