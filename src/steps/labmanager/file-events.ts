import { keyOf, type LabManager, type LabObject, type ObjectKey } from "../../api/index.js";
import type { LineWatch } from "../../remote/event-watcher.js";
import { FILE_WATCH_OVERFLOW, fileWatchArgv } from "./file-watch-script.js";
import { qemuBridgeConf, watchedFiles } from "./paths.js";

/** The account databases: a user added, removed, renamed or given a password by hand. */
const ACCOUNT_FILES = ["/etc/passwd", "/etc/shadow", "/etc/group"];

/**
 * The files a LabManager converges, for its watch: every file the plan compares by hash,
 * qemu's bridge.conf (both families' paths), the account files, and the user's home (its
 * mode), authorized_keys and .bashrc. The home is taken as /home/NAME (root's /root): a
 * user whose home is elsewhere has those found at the next resync.
 */
export function managerWatchPaths(lm: LabManager): string[] {
  const user = lm.spec.user.name;
  const home = user === "root" ? "/root" : `/home/${user}`;
  return [
    ...watchedFiles(lm.spec),
    qemuBridgeConf("debian"),
    qemuBridgeConf("el"),
    ...ACCOUNT_FILES,
    home,
    `${home}/.ssh/authorized_keys`,
    `${home}/.bashrc`,
  ];
}

const managersIn = (objects: LabObject[]) => objects.filter((o): o is LabManager => o.kind === "LabManager");

/**
 * Files and users changed by hand (a sudoers file deleted, a bridge file edited, a key
 * removed, the user's password changed) re-queue their LabManager at once; the network
 * hook's config, which the LibvirtNetworks write, re-queues them. One inotify stream per
 * Manager (file-watch-script.ts) over every LabManager's paths on it; the command follows
 * their specs (a renamed user's files are watched from the next reconcile on).
 */
export const fileEvents: LineWatch<LabObject> = {
  argv: (objects) =>
    fileWatchArgv(
      managersIn(objects).flatMap((lm) => [
        ...managerWatchPaths(lm),
        ...(lm.spec.networkHook.enabled ? [lm.spec.networkHook.configFile] : []),
      ]),
    ),
  purpose: "watch the Manager's files",
  affected(line, objects) {
    const managers = managersIn(objects);
    if (line === undefined || line === FILE_WATCH_OVERFLOW) return objects.map(keyOf);
    const keys: ObjectKey[] = [];
    for (const lm of managers) {
      if (managerWatchPaths(lm).some((p) => p === line || p.startsWith(`${line}/`))) keys.push(keyOf(lm));
      if (lm.spec.networkHook.configFile === line)
        keys.push(...objects.filter((o) => o.kind === "LibvirtNetwork").map(keyOf));
    }
    return keys;
  },
  describe: (line) => ({ msg: "file changed on the Manager", fields: { path: line } }),
};
