import { isIP } from "node:net";

/**
 * DNS rebinding: a page of another site whose name is made to resolve to 127.0.0.1 can read
 * the status page from the victim's browser, same-origin with itself, but its requests still
 * carry that other name in Host. So only these Host values are answered: a loopback name
 * (localhost, any 127.x, ::1), the address the server is bound to and, when bound to every
 * address, any IP literal (a browser at an IP is same-origin only with that IP).
 */
export function hostAllowed(hostHeader: string | undefined, boundHost: string): boolean {
  const host = hostnameOf(hostHeader);
  if (host === undefined) return false;
  if (host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host))
    return isIP(host) !== 0 || host === "localhost";
  const bound = boundHost.toLowerCase();
  if (host === bound) return true;
  return (bound === "0.0.0.0" || bound === "::" || bound === "") && isIP(host) !== 0;
}

/** The name of a Host header without its port ("[::1]:8081" is "::1"); undefined if malformed. */
export function hostnameOf(hostHeader: string | undefined): string | undefined {
  const value = hostHeader?.trim().toLowerCase();
  if (!value) return undefined;
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed) return isIP(bracketed[1]!) === 6 ? bracketed[1] : undefined;
  const plain = /^([a-z0-9.-]+?)\.?(?::\d{1,5})?$/.exec(value);
  return plain?.[1];
}
