import type { PostInstallStep } from "../../api/tripleoundercloud.js";
import { CommandFailed } from "../../remote/errors.js";
import { Refused } from "../../util/errors.js";
import { bash } from "../bash.js";
import { runScript } from "../run.js";
import type { StepContext } from "../types.js";
import type { ContainerFileAction } from "./profile.js";

/**
 * Make one file inside a container as wanted, then restart its service. The file is read
 * with `podman exec cat`, changed in a temp dir on the guest, and written back in place
 * through `podman exec` (a temp file next to it with the same owner and mode, then mv:
 * atomic, unlike `podman cp`, which would reset the owner). A patch already applied is
 * detected with `patch --dry-run -R` and left alone; one that applies neither way fails the
 * step (exit 4) and changes nothing. The restart happens whenever the step runs (restart
 * requested), also when the file was already as wanted: a crash between the write and the
 * restart must not leave the old code running. The diff or content comes on stdin. Args:
 * container path how restart unit.
 */
export const CONTAINER_FILE = bash`set -euo pipefail
c=$1 path=$2 how=$3 restart=$4 unit=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/input"
podman container exists "$c" || { echo "container $c does not exist" >&2; exit 3; }
podman exec -u root "$c" cat -- "$path" >"$work/file"
cp "$work/file" "$work/orig"
case $how in
patch)
  if patch --dry-run -R -s -f "$work/file" "$work/input" >/dev/null 2>&1; then
    echo "$path in $c: the patch is already applied"
  elif patch --dry-run -s -f "$work/file" "$work/input" >/dev/null; then
    patch -s -f --no-backup-if-mismatch -r "$work/rejects" "$work/file" "$work/input"
  else
    echo "the patch applies to $path in $c neither forward nor reversed" >&2
    exit 4
  fi ;;
content) cp "$work/input" "$work/file" ;;
*) echo "unknown change $how" >&2; exit 2 ;;
esac
if cmp -s "$work/orig" "$work/file"; then
  echo "$path in $c is as wanted"
else
  podman exec -i -u root "$c" sh -c 't="$1.lab-operator.tmp"; cat >"$t" && chown --reference="$1" "$t" && chmod --reference="$1" "$t" && mv -f "$t" "$1"' write "$path" <"$work/file"
  echo "$path in $c changed"
fi
[ "$restart" = true ] || exit 0
if [ -n "$unit" ]; then
  systemctl restart "$unit"
elif systemctl cat "tripleo_$c.service" >/dev/null 2>&1; then
  systemctl restart "tripleo_$c.service"
else
  podman restart "$c" >/dev/null
fi
echo "restarted the service of $c"`;

/** One postInstall step (the spec's or a profile's containerFile) as an action. */
export function containerFileAction(purpose: string, s: PostInstallStep): ContainerFileAction {
  return {
    kind: "container-file",
    purpose,
    container: s.container,
    path: s.path,
    change: s.patch !== undefined ? { patch: s.patch } : { content: s.content ?? "" },
    restart: s.restart,
    ...(s.service ? { service: s.service } : {}),
  };
}

/** spec.tripleo.postInstall as actions; none when the undercloud is not installed. */
export function postInstallActions(
  steps: readonly PostInstallStep[],
  install: boolean,
): ContainerFileAction[] {
  if (!install) return [];
  return steps.map((s, i) =>
    containerFileAction(
      `post-install ${i + 1}: ${s.patch !== undefined ? "patch" : "write"} ${s.path} in container ${s.container}`,
      s,
    ),
  );
}

/** CONTAINER_FILE's exit status for a diff that applies neither forward nor reversed. */
const PATCH_DOES_NOT_APPLY = 4;

/**
 * A diff that applies neither way will not apply on a retry either: the file in the image
 * is not the one the diff was made against. That is Stalled until the spec (or the profile)
 * changes, not a failure retried with backoff.
 */
export async function applyContainerFile(ctx: StepContext, a: ContainerFileAction): Promise<void> {
  const how = "patch" in a.change ? "patch" : "content";
  const input = "patch" in a.change ? a.change.patch : a.change.content;
  try {
    await runScript(ctx, CONTAINER_FILE, [a.container, a.path, how, String(a.restart), a.service ?? ""], {
      purpose: a.purpose,
      stdin: input,
      timeoutMs: 10 * 60_000,
      progress: true,
    });
  } catch (err) {
    if (err instanceof CommandFailed && err.exitCode === PATCH_DOES_NOT_APPLY && how === "patch")
      throw new Refused(
        "PatchDoesNotApply",
        `${a.purpose}: the diff applies to ${a.path} in container ${a.container} neither forward nor reversed (the file is not the one the diff was made against); nothing was changed. Fix the diff in spec.tripleo.postInstall (or the guest profile's), and the next reconcile applies it`,
      );
    throw err;
  }
}
