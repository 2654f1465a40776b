/**
 * The workspace's result directories, absolute whatever the caller's cwd (notebooks run with
 * their own folder as cwd): data/ holds the committed results, runs/ one directory per run.
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is lib/results/paths.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The committed results. */
export const DATA_DIR = join(REPO_ROOT, "data");
/** One directory per run (not committed). */
export const RUNS_DIR = join(REPO_ROOT, "runs");
