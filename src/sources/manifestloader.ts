import { keyString } from "../api/index.js";
import { formatError, validateManifests } from "../manifests/index.js";
import type { LoadError, ManifestLoader } from "./filesource.js";

/**
 * The file source's loader: load, validate and cross-check the manifests. An object with
 * any error is left out of `objects`, so the runtime keeps its last good spec instead.
 */
export const loadValidManifests: ManifestLoader = async (paths) => {
  const result = await validateManifests(paths);
  const errors: LoadError[] = result.errors.map((e) => ({
    file: e.source.file,
    key: e.key,
    line: formatError(e),
  }));
  const bad = new Set(errors.flatMap((e) => (e.key ? [keyString(e.key)] : [])));
  const objects = result.objects
    .filter(
      ({ object }) =>
        !bad.has(
          keyString({ kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name }),
        ),
    )
    .map(({ object, source }) => ({ object, origin: { file: source.file, document: source.doc } }));
  return { objects, errors };
};
