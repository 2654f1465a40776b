/**
 * Code fingerprints, and whether the code that measured a table has changed since.
 *
 * A fingerprint hashes every local module in an experiment's import graph (tests excluded),
 * each reduced by ./normalise.ts to what can change its behaviour, so comments, layout and
 * type-only declarations do not count. Tables committed before that rule carry a hash of the
 * raw bytes instead, which any comment would change; so the outdated check first compares the
 * normalised graph with the same files at the commit the table records (when that commit is in
 * the repository and the run's tree was clean), and only otherwise the stored fingerprint.
 *
 * @module
 */

import {
  erasable,
  joinTokens,
  mentionedNames,
  type Token,
  tokenize,
  withoutErasable,
} from "./normalise.ts";
import { REPO_ROOT } from "./paths.ts";

/** What the outdated check needs of a table's origin (a data/ manifest entry). */
export interface CodeOrigin {
  experiment: string;
  git_commit: string;
  git_dirty: boolean;
  code_fingerprint: string;
}

/** The local modules of an import graph, as paths under the root's lib/, tests excluded. */
export async function graphFiles(moduleUrl: string, root = REPO_ROOT): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", moduleUrl],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!out.success) {
    throw new Error(`deno info ${moduleUrl} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  const lib = `file://${root}/lib/`;
  return graph.modules
    .filter((m) => m.specifier.startsWith(lib) && !m.specifier.endsWith("_test.ts"))
    .map((m) => decodeURIComponent(m.specifier.slice(lib.length)))
    .sort();
}

/** What normalising one source needs, worked out once per source text. */
interface Lexed {
  tokens: Token[];
  /** The top-level functions that are erased when unused. */
  functions: string[];
  /** Normalised text by which of `functions` are used ("1"/"0" each). */
  normalised: Map<string, string>;
}

// By source text: most modules are shared by every experiment's graph and both sides.
const lexedCache = new Map<string, Lexed | undefined>();
// Which lexed sources mention a name, and how often (the declaration itself counts once).
const mentionIndex = new Map<string, [Lexed, number][]>();

function lexed(src: string): Lexed | undefined {
  if (!lexedCache.has(src)) {
    try {
      const tokens = tokenize(src);
      const functions: string[] = [];
      erasable(tokens, (name) => (functions.push(name), true));
      const l: Lexed = { tokens, functions, normalised: new Map() };
      for (const [name, n] of mentionedNames(tokens)) {
        if (!mentionIndex.has(name)) mentionIndex.set(name, []);
        mentionIndex.get(name)!.push([l, n]);
      }
      lexedCache.set(src, l);
    } catch {
      lexedCache.set(src, undefined); // not lexable: compared byte for byte instead
    }
  }
  return lexedCache.get(src);
}

/**
 * Each module of a graph normalised (an absent one, `undefined`, normalises to ""). A function
 * declaration is erased when no module of this graph mentions its name beyond the declaration,
 * so an export added for a figure does not touch the experiments that never call it.
 */
export function normaliseGraph(
  sources: ReadonlyMap<string, string | undefined>,
): Map<string, string> {
  const all = [...sources].map(([file, src]) => [file, src, src && lexed(src)] as const);
  const graph = new Set(all.map(([, , l]) => l));
  const used = (name: string) => {
    let n = 0;
    for (const [l, count] of mentionIndex.get(name) ?? []) if (graph.has(l)) n += count;
    return n > 1;
  };
  const out = new Map<string, string>();
  for (const [file, src, l] of all) {
    if (!l) {
      out.set(file, src ?? "");
      continue;
    }
    const key = l.functions.map((f) => (used(f) ? "1" : "0")).join("");
    if (!l.normalised.has(key)) l.normalised.set(key, joinTokens(withoutErasable(l.tokens, used)));
    out.set(file, l.normalised.get(key)!);
  }
  return out;
}

/** The fingerprint of normalised modules: 16 hex digits; modules that emit nothing left out. */
export async function fingerprintOf(normalised: ReadonlyMap<string, string>): Promise<string> {
  const text = [...normalised].filter(([, code]) => code !== "")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([file, code]) => `${file}\n${code}\n`).join("");
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads a graph's sources now (the working tree) and at commits, each file read once. */
export interface SourceReader {
  now(files: readonly string[]): Promise<Map<string, string>>;
  /** `undefined` when the commit is not in the repository; an absent file maps to `undefined`. */
  at(
    commit: string,
    files: readonly string[],
  ): Promise<Map<string, string | undefined> | undefined>;
}

/** A {@link SourceReader} of a repository, caching what it read (one per check). */
export function sourceReader(root = REPO_ROOT): SourceReader {
  const texts = new Map<string, Promise<string>>();
  const blobs = new Map<string, Promise<string | undefined>>();
  const known = new Map<string, Promise<boolean>>();
  return {
    async now(files) {
      for (const f of files) if (!texts.has(f)) texts.set(f, Deno.readTextFile(`${root}/lib/${f}`));
      return new Map(await Promise.all(files.map(async (f) => [f, await texts.get(f)!] as const)));
    },
    async at(commit, files) {
      const missing = files.filter((f) => !blobs.has(`${commit}:${f}`));
      if (missing.length || !known.has(commit)) {
        const batch = sourcesAt(commit, missing, root);
        if (!known.has(commit)) known.set(commit, batch.then((b) => b !== undefined));
        for (const f of missing) blobs.set(`${commit}:${f}`, batch.then((b) => b?.get(f)));
      }
      if (!await known.get(commit)) return undefined;
      return new Map(
        await Promise.all(files.map(async (f) => [f, await blobs.get(`${commit}:${f}`)] as const)),
      );
    },
  };
}

/**
 * The normalised fingerprint of a module's import graph (what a run stamps into its rows as
 * `code_fingerprint`).
 */
export async function codeFingerprint(moduleUrl: string, root = REPO_ROOT): Promise<string> {
  const files = await graphFiles(moduleUrl, root);
  return fingerprintOf(normaliseGraph(await sourceReader(root).now(files)));
}

/**
 * The sources of `files` (under lib/) at a commit, read with one `git cat-file --batch`; a file
 * absent at that commit maps to `undefined`. Returns `undefined` when the commit is unknown.
 */
export async function sourcesAt(
  commit: string,
  files: readonly string[],
  root = REPO_ROOT,
): Promise<Map<string, string | undefined> | undefined> {
  if (!/^[0-9a-f]{4,40}$/i.test(commit)) return undefined;
  const git = (args: string[], input?: string) => {
    const child = new Deno.Command("git", {
      args: ["-C", root, ...args],
      stdin: input === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    if (input !== undefined) {
      const w = child.stdin.getWriter();
      // A git that exits early (an unknown commit) closes the pipe: its status says so.
      w.write(new TextEncoder().encode(input)).then(() => w.close()).catch(() => {});
    }
    return child.output();
  };
  const prefix = await git(["rev-parse", "--show-prefix"]);
  if (!prefix.success) return undefined;
  const dir = new TextDecoder().decode(prefix.stdout).trim();
  const lines = [`${commit}^{commit}`, ...files.map((f) => `${commit}:${dir}lib/${f}`)];
  const out = await git(["cat-file", "--batch"], lines.join("\n") + "\n");
  if (!out.success) return undefined;
  const bytes = out.stdout;
  const decoder = new TextDecoder();
  const objects: (string | undefined)[] = [];
  let at = 0;
  for (let n = 0; n < lines.length; n++) {
    const eol = bytes.indexOf(10, at);
    if (eol < 0) return undefined;
    const header = decoder.decode(bytes.subarray(at, eol)).split(" ");
    at = eol + 1;
    if (header.length !== 3) {
      objects.push(undefined); // "<name> missing" (or ambiguous)
      continue;
    }
    const size = Number(header[2]);
    objects.push(header[1] === "blob" ? decoder.decode(bytes.subarray(at, at + size)) : "");
    at += size + 1;
  }
  if (objects[0] === undefined) return undefined;
  return new Map(files.map((f, i) => [f, objects[i + 1]]));
}

/**
 * The modules of a graph (paths under lib/) whose normalised code differs between the working
 * tree and a commit, a module absent then counting as empty. Returns `undefined` when the commit
 * is not in the repository.
 */
export async function changedSince(
  files: readonly string[],
  commit: string,
  root = REPO_ROOT,
  read: SourceReader = sourceReader(root),
): Promise<string[] | undefined> {
  const [now, then] = await Promise.all([read.now(files), read.at(commit, files)]);
  if (!then) return undefined;
  const a = normaliseGraph(now);
  const b = normaliseGraph(then);
  return files.filter((f) => a.get(f) !== b.get(f));
}

/**
 * The outdated check of the ADR: given each experiment's module, a function that says why a
 * table's rows were measured by code that has changed since (or `undefined` when they were
 * not). Compares normalised sources against the table's commit when it can, the stored
 * fingerprint otherwise. Results are cached per experiment and commit.
 */
export function outdatedCheck(
  modules: ReadonlyMap<string, string>,
  root = REPO_ROOT,
): (origin: CodeOrigin) => Promise<string | undefined> {
  const graphs = new Map<string, Promise<string[]>>();
  const fingerprints = new Map<string, Promise<string>>();
  const answers = new Map<string, Promise<string | undefined>>();
  const read = sourceReader(root);
  const graph = (id: string, module: string) => {
    if (!graphs.has(id)) graphs.set(id, graphFiles(module, root));
    return graphs.get(id)!;
  };
  const judge = async (o: CodeOrigin, module: string): Promise<string | undefined> => {
    const files = await graph(o.experiment, module);
    const changed = o.git_dirty ? undefined : await changedSince(files, o.git_commit, root, read);
    if (changed) {
      if (changed.length === 0) return undefined;
      const shown = changed.slice(0, 3).map((f) => `lib/${f}`).join(", ") +
        (changed.length > 3 ? ` and ${changed.length - 3} more` : "");
      return `measured by other code of ${o.experiment} (since ${
        o.git_commit.slice(0, 7)
      } the code of ${shown} changed)`;
    }
    if (!fingerprints.has(o.experiment)) {
      fingerprints.set(
        o.experiment,
        read.now(files).then((s) => fingerprintOf(normaliseGraph(s))),
      );
    }
    const now = await fingerprints.get(o.experiment)!;
    if (o.code_fingerprint === now) return undefined;
    return `measured by other code of ${o.experiment} (${o.code_fingerprint.slice(0, 16)} at ${
      o.git_commit.slice(0, 7)
    }${o.git_dirty ? ", uncommitted changes" : ""}; now ${now})`;
  };
  return (o) => {
    const module = modules.get(o.experiment);
    if (!module) return Promise.resolve(undefined);
    const key = [o.experiment, o.git_commit, o.git_dirty, o.code_fingerprint].join(" ");
    if (!answers.has(key)) answers.set(key, judge(o, module));
    return answers.get(key)!;
  };
}
