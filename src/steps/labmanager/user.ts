import type { LabManagerSpec } from "../../api/labmanager.js";
import { bash } from "../bash.js";
import { runScript } from "../run.js";
import type { Step } from "../types.js";
import { RC_END, RC_START, shellRcBlock, sudoersContent } from "./content.js";
import { sudoersPath } from "./paths.js";

type UserSpec = LabManagerSpec["user"];

/** Create the user if missing; the password (stdin) is set only when it has none. */
const ENSURE_USER = bash`set -euo pipefail
user=$1
getent passwd "$user" >/dev/null || useradd -m -s /bin/bash "$user"
pw=$(getent shadow "$user" | cut -d: -f2)
case $pw in ''|'!'*|'*'*) { printf '%s:' "$user"; cat; } | chpasswd ;; *) cat >/dev/null ;; esac`;

export function userStep(user: UserSpec, password: string, create: boolean): Step {
  return {
    id: `user/${user.name}`,
    description: create ? `create user ${user.name} with a password` : `set a password for user ${user.name}`,
    ...(create ? { owns: { kind: "user" as const, name: user.name } } : {}),
    async apply(ctx) {
      await runScript(ctx, ENSURE_USER, [user.name], {
        purpose: `ensure user ${user.name}`,
        stdin: `${password}\n`,
      });
    },
  };
}

/**
 * The user has a password that is not the desired one (spec.user.passwordRef edited, or
 * changed on the host): set it (stdin). Only for a user this object created or adopted.
 */
export function passwordStep(user: string, password: string, drift?: string): Step {
  return {
    id: `user/${user}/password`,
    description: `set the password of ${user} to the desired one (spec.user.passwordRef or the workspace's)`,
    ...(drift ? { drift } : {}),
    async apply(ctx) {
      await runScript(ctx, '{ printf "%s:" "$1"; cat; } | chpasswd', [user], {
        purpose: `set the password of ${user}`,
        stdin: `${password}\n`,
      });
    },
  };
}

/** Validate with visudo before the file can affect sudo; then move it into place. */
const INSTALL_SUDOERS = bash`set -euo pipefail
dest=$1
tmp=$(mktemp /etc/sudoers.d/.lab-operator.XXXXXX)
trap 'rm -f "$tmp"' EXIT
cat >"$tmp"
chmod 0440 "$tmp"
visudo -cqf "$tmp"
mv -f "$tmp" "$dest"
trap - EXIT`;

export function sudoersStep(user: string, create: boolean, drift?: string): Step {
  const path = sudoersPath(user);
  return {
    id: `user/${user}/sudoers`,
    description: `give ${user} passwordless sudo through ${path}`,
    ...(create ? { owns: { kind: "sudoers" as const, name: path } } : {}),
    ...(drift ? { drift } : {}),
    async apply(ctx) {
      await runScript(ctx, INSTALL_SUDOERS, [path], {
        purpose: "install sudoers file",
        stdin: sudoersContent(user),
      });
    },
  };
}

export function homeModeStep(user: string, home: string, mode: string): Step {
  return {
    id: `user/${user}/home`,
    description: `make ${home} traversable by qemu (mode 0711, now ${mode})`,
    async apply(ctx) {
      await runScript(ctx, 'chmod 0711 "$(getent passwd "$1" | cut -d: -f6)"', [user], {
        purpose: "chmod home",
      });
    },
  };
}

/** Add the key line once (exact match), with the modes sshd insists on. */
const AUTHORIZE_KEY = bash`set -euo pipefail
user=$1 key=$2
home=$(getent passwd "$user" | cut -d: -f6)
group=$(id -gn "$user")
install -d -m 0700 -o "$user" -g "$group" "$home/.ssh"
f=$home/.ssh/authorized_keys
touch "$f"
grep -qxF -- "$key" "$f" || printf '%s\n' "$key" >>"$f"
chown "$user:$group" "$f"
chmod 0600 "$f"`;

export function authorizedKeyStep(user: string, publicKey: string): Step {
  return {
    id: `user/${user}/authorized-key`,
    description: `authorize the operator's key for ${user}`,
    async apply(ctx) {
      await runScript(ctx, AUTHORIZE_KEY, [user, publicKey.trim()], { purpose: "authorize key" });
    },
  };
}

/** Drop any old START..END block, append the new one (stdin); owner and mode kept. */
const REPLACE_RC_BLOCK = bash`set -euo pipefail
user=$1 start=$2 end=$3
home=$(getent passwd "$user" | cut -d: -f6)
f=$home/.bashrc
[ -e "$f" ] || install -m 0644 -o "$user" -g "$(id -gn "$user")" /dev/null "$f"
tmp=$(mktemp "$f.lab-operator.XXXXXX")
trap 'rm -f "$tmp"' EXIT
awk -v s="$start" -v e="$end" '$0==s {skip=1; next} skip && $0==e {skip=0; next} !skip' "$f" >"$tmp"
cat >>"$tmp"
chown --reference="$f" "$tmp"
chmod --reference="$f" "$tmp"
mv -f "$tmp" "$f"
trap - EXIT`;

/** spec.user.shellRc turned false: our block leaves ~/.bashrc (the rest of the file stays). */
export function shellRcRemovalStep(user: string): Step {
  return {
    id: `user/${user}/shell-rc/remove`,
    description: `remove the lab-operator block from ~${user}/.bashrc (spec.user.shellRc is false)`,
    async apply(ctx) {
      await runScript(ctx, REPLACE_RC_BLOCK, [user, RC_START, RC_END], {
        purpose: "remove shell-rc block",
        stdin: "",
      });
    },
  };
}

export function shellRcStep(user: string): Step {
  return {
    id: `user/${user}/shell-rc`,
    description: `write the lab-operator block in ~${user}/.bashrc`,
    async apply(ctx) {
      await runScript(ctx, REPLACE_RC_BLOCK, [user, RC_START, RC_END], {
        purpose: "write shell-rc block",
        stdin: shellRcBlock(),
      });
    },
  };
}
