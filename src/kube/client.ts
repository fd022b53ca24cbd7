import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { GROUP, KIND_INFO, VERSION, type Kind } from "../api/index.js";

/** The API clients Kubernetes mode uses, all from one kubeconfig. */
export interface KubeClients {
  config: KubeConfig;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
  events: EventsV1Api;
}

/**
 * A kubeconfig from an explicit path, else the usual places: $KUBECONFIG, ~/.kube/config,
 * or the in-cluster service account (client-node's loadFromDefault order); `context` picks
 * a context other than the current one, as kubectl's --context does.
 */
export function loadKubeConfig(path?: string, context?: string): KubeConfig {
  const config = new KubeConfig();
  if (path) config.loadFromFile(path);
  else config.loadFromDefault();
  if (context) {
    if (!config.getContextObject(context))
      throw new Error(
        `context "${context}" is not in the kubeconfig (${path ?? "$KUBECONFIG or ~/.kube/config"}); it has: ${
          config
            .getContexts()
            .map((c) => c.name)
            .join(", ") || "none"
        }`,
      );
    config.setCurrentContext(context);
  }
  return config;
}

export function kubeClients(config: KubeConfig): KubeClients {
  return {
    config,
    custom: config.makeApiClient(CustomObjectsApi),
    core: config.makeApiClient(CoreV1Api),
    coordination: config.makeApiClient(CoordinationV1Api),
    events: config.makeApiClient(EventsV1Api),
  };
}

/** Request options that send a body as a JSON merge patch (RFC 7386). */
export const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** The HTTP status of a failed API call, when the server answered. */
export function statusOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const code = (err as { code?: unknown; statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === "number" ? code : undefined;
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;
export const isAlreadyExists = (err: unknown): boolean => statusOf(err) === 409;

/** One line for logs and conditions: never the request or response body with secrets. */
export function apiErrorLine(err: unknown): string {
  if (err instanceof ApiException) {
    const message = statusMessage(err.body);
    return `API server answered ${err.code}${message ? `: ${message}` : ""}`;
  }
  return (err as Error).message ?? String(err);
}

/** The message of a metav1.Status body (parsed or not); nothing else of the body. */
function statusMessage(body: unknown): string {
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return "";
    }
  }
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? message.slice(0, 500) : "";
}

/** The custom-object coordinates of one of our kinds. */
export function kindResource(kind: Kind): { group: string; version: string; plural: string } {
  return { group: GROUP, version: VERSION, plural: KIND_INFO[kind].plural };
}

/** The API path a list or watch of a kind uses, in one namespace or all. */
export function kindPath(kind: Kind, namespace?: string): string {
  const scope = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `/apis/${GROUP}/${VERSION}${scope}/${KIND_INFO[kind].plural}`;
}
