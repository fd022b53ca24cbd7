/**
 * The file cloud-init's final stage writes with its last module: once it exists, the first
 * boot's work (users, keys, runcmd) is done. `cloud-init status --wait` alone is not enough:
 * it reports "disabled" as soon as the seed's runcmd creates /etc/cloud/cloud-init.disabled,
 * while the same runcmd is still disabling the services.
 */
export const BOOT_FINISHED = "/var/lib/cloud/instance/boot-finished";

/** How long a first boot may take under software emulation (cloud-init on TCG: minutes). */
export const FIRST_BOOT_LIMIT_SECONDS = 900;

/**
 * Wait until cloud-init has finished the guest's first boot: sshd may answer, and the
 * user log in, while cloud-init's last stage still runs (seen with the real cloud-init
 * guest: its runcmd disabling cloud-init raced the profile's first package step). Without
 * cloud-init there is nothing to wait for. POSIX sh, run as the guest user: every guest
 * has it, and the marker and `cloud-init status` need no root. Polled at POLL_UNTIL's
 * interval (the marker has no event to wait on from sh). Args: $1 the marker, $2 seconds.
 */
export const WAIT_FOR_FIRST_BOOT = `command -v cloud-init >/dev/null 2>&1 || exit 0
deadline=$(( $(date +%s) + $2 )) interval=0.2
until [ -e "$1" ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "cloud-init did not finish the first boot within $2 s ($1 is missing):" >&2
    cloud-init status --long >&2 2>&1 || true
    exit 4
  fi
  sleep "$interval" 2>/dev/null || { interval=1; sleep "$interval"; } # no fractions: whole seconds
done
cloud-init status --long 2>/dev/null || true`;
