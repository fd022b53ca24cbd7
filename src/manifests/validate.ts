import { crossValidate } from "./crossvalidate.js";
import type { ManifestError } from "./errors.js";
import { loadManifests, type LoadResult } from "./load.js";

/** Load, validate each document, then check the objects against each other. */
export async function validateManifests(paths: readonly string[]): Promise<LoadResult> {
  const loaded = await loadManifests(paths);
  return {
    ...loaded,
    errors: sortBySource([...loaded.errors, ...crossValidate(loaded.objects, loaded.previews)], loaded.files),
  };
}

/** Errors grouped by file and document, in load order within each (the sort is stable). */
function sortBySource(errors: ManifestError[], files: string[]): ManifestError[] {
  return errors.sort(
    (a, b) => files.indexOf(a.source.file) - files.indexOf(b.source.file) || a.source.doc - b.source.doc,
  );
}
