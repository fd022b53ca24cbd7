import { bash } from "../bash.js";
import { runScript } from "../run.js";
import type { Step } from "../types.js";

/**
 * The seed's python OpenStack and Heat clients for the manager user, in a venv of that user's
 * own (relative to its home; pip never touches the system's python), with `openstack` and
 * `heat` linked into ~/.local/bin, which Debian's and EL's default profiles put on PATH.
 */
export const OPENSTACK_CLIENTS_VENV = ".venvs/openstack-clients";
export const OPENSTACK_CLIENTS = ["python-openstackclient", "python-heatclient"] as const;

/** Run as root; the venv is made and filled as the user (its files are the user's). */
const INSTALL = bash`set -euo pipefail
user=$1 rel=$2
shift 2
home=$(getent passwd "$user" | cut -d: -f6)
[ -n "$home" ] || { echo "no user $user" >&2; exit 1; }
cd /
runuser -u "$user" -- bash -c 'set -euo pipefail
home=$1 venv=$1/$2
shift 2
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --disable-pip-version-check --no-input "$@"
mkdir -p "$home/.local/bin"
ln -sfn "$venv/bin/openstack" "$home/.local/bin/openstack"
ln -sfn "$venv/bin/heat" "$home/.local/bin/heat"' bash "$home" "$rel" "$@"`;

/** Remove the venv and only the links that point into it. */
const REMOVE = bash`set -euo pipefail
user=$1 rel=$2
home=$(getent passwd "$user" | cut -d: -f6)
[ -n "$home" ] || exit 0
venv=$home/$rel
for tool in openstack heat; do
  link=$home/.local/bin/$tool
  if [ -L "$link" ] && [ "$(readlink "$link")" = "$venv/bin/$tool" ]; then rm -f "$link"; fi
done
rm -rf -- "$venv"`;

export function openstackClientsStep(user: string, drift?: string): Step {
  return {
    id: `user/${user}/openstack-clients`,
    description: `pip-install ${OPENSTACK_CLIENTS.join(" and ")} for ${user} in ~${user}/${OPENSTACK_CLIENTS_VENV}`,
    owns: { kind: "openstack-clients", name: user },
    ...(drift ? { drift } : {}),
    async apply(ctx) {
      await runScript(ctx, INSTALL, [user, OPENSTACK_CLIENTS_VENV, ...OPENSTACK_CLIENTS], {
        purpose: `install the OpenStack clients for ${user}`,
        timeoutMs: 20 * 60 * 1000,
        progress: true,
      });
    },
  };
}

export function openstackClientsRemovalStep(user: string, why: string): Step {
  return {
    id: `user/${user}/openstack-clients/remove`,
    description: `remove the OpenStack clients' venv ~${user}/${OPENSTACK_CLIENTS_VENV} (${why})`,
    releases: { kind: "openstack-clients", name: user },
    async apply(ctx) {
      await runScript(ctx, REMOVE, [user, OPENSTACK_CLIENTS_VENV], {
        purpose: `remove the OpenStack clients of ${user}`,
      });
    },
  };
}
