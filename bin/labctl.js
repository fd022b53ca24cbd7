#!/usr/bin/env node
/* global process */
// Runs the bundled CLI (dist/labctl/, made by `npm run build`) when it is current, otherwise
// the TypeScript sources through tsx (so a stale build never hides an edit).
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const compiled = join(root, "dist", "labctl", "main.js");

/** The newest mtime under dir; 0 without it (an install that ships no sources, the image). */
function newestMtime(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const useCompiled =
  !process.env.LABCTL_FROM_SOURCE &&
  existsSync(compiled) &&
  statSync(compiled).mtimeMs >= newestMtime(join(root, "src"));
if (useCompiled) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(root, "src", "cli", "main.ts")).href);
}
