import { API_KINDS, keyString, type ApiKind } from "../api/index.js";
import { formatError, validateManifests, type ManifestError } from "../manifests/index.js";
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
    ...(holdsAny(e) ? { holdsAny: true } : {}),
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

/**
 * A file that did not read or parse, or a document that does not say which object it is
 * (no kind or name we know, or an invalid name or namespace): it may hold any object.
 */
function holdsAny(e: ManifestError): boolean {
  if (/^metadata(\.(name|namespace)|$)/.test(e.path)) return true;
  return !e.key && !(e.name !== undefined && isApiKind(e.kind));
}

function isApiKind(kind: string | undefined): kind is ApiKind {
  return (API_KINDS as readonly (string | undefined)[]).includes(kind);
}
