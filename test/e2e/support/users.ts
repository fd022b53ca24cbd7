/** Throwaway local users for SSH tests (created with a random name, removed with their home). */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";

export interface TestUser {
  name: string;
  password: string;
  home: string;
  remove(): void;
}

export function createUser(prefix: string, opts: { sudo?: boolean } = {}): TestUser {
  const name = `${prefix}${randomBytes(3).toString("hex")}`;
  const password = randomBytes(12).toString("base64url");
  execFileSync("useradd", ["-m", "-s", "/bin/bash", name]);
  // An account without a password counts as locked for sshd (UsePAM no), even for keys.
  execFileSync("chpasswd", { input: `${name}:${password}\n` });
  const sudoers = `/etc/sudoers.d/${name}`;
  if (opts.sudo) writeFileSync(sudoers, `${name} ALL=(ALL) NOPASSWD: ALL\n`, { mode: 0o440 });
  return {
    name,
    password,
    home: `/home/${name}`,
    remove: () => {
      rmSync(sudoers, { force: true });
      try {
        execFileSync("pkill", ["-KILL", "-u", name], { stdio: "ignore" });
      } catch {
        // no process left: pkill exits 1
      }
      execFileSync("userdel", ["-r", name], { stdio: "ignore" });
    },
  };
}
