/** Default of a bare `--web`: loopback only, since the page has no authentication. */
export const DEFAULT_WEB_ADDRESS = "127.0.0.1:8081";
