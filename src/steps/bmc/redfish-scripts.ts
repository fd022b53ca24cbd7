import { bash, POLL_UNTIL } from "../bash.js";

/**
 * sushy-tools in its own venv that sees the distribution's python3-libvirt
 * (--system-site-packages), as VirtualBMC's: pip builds nothing. Args: $1 venv, $2 version.
 */
export const INSTALL_SUSHY = bash`set -euo pipefail
venv=$1 version=$2
[ -x "$venv/bin/python" ] || python3 -m venv --system-site-packages "$venv"
"$venv/bin/pip" install --disable-pip-version-check --no-input "sushy-tools==$version"
"$venv/bin/python3" -c 'import libvirt, bcrypt, sushy_tools'`;

/**
 * One node's emulator: its bcrypt auth file from the password on stdin (hashed by the
 * venv's bcrypt, so it never reaches an argv), then its unit instance enabled and
 * restarted, then proof that /redfish/v1/Systems/<uuid> answers with our credentials
 * within 60 s. The config file is written before, by writeRemoteFile.
 * Args: $1 venv, $2 auth file, $3 user, $4 unit, $5 URL of the System.
 */
export const CONFIGURE_SUSHY =
  POLL_UNTIL +
  bash`set -euo pipefail
venv=$1 auth=$2 user=$3 unit=$4 url=$5
IFS= read -r password
umask 077
printf '%s\n' "$password" | "$venv/bin/python3" -c '
import os, sys, bcrypt
path, user = sys.argv[1:3]
password = sys.stdin.readline().rstrip("\n").encode()
tmp = path + ".lab-operator.tmp"
with open(tmp, "w") as f:
    f.write(user + ":" + bcrypt.hashpw(password, bcrypt.gensalt()).decode() + "\n")
os.chmod(tmp, 0o600)
os.replace(tmp, path)
' "$auth" "$user"
systemctl daemon-reload
systemctl enable --quiet "$unit"
systemctl restart "$unit"
why=
answers() {
  why=$(printf '%s\n' "$password" | "$venv/bin/python3" -c '
import base64, sys, urllib.request
url, user = sys.argv[1:3]
password = sys.stdin.readline().rstrip("\n")
token = base64.b64encode((user + ":" + password).encode()).decode()
request = urllib.request.Request(url, headers={"Authorization": "Basic " + token})
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        sys.exit(0 if response.status == 200 else "HTTP %d" % response.status)
except Exception as e:
    sys.exit(str(e)[:200])
' "$url" "$user" 2>&1)
}
poll_until 60 answers || { echo "the Redfish emulator $unit does not answer $url within 60 s (last: \${why:-no answer})" >&2; systemctl status --no-pager "$unit" | tail -n 5 >&2; exit 4; }`;

/** Stop and forget one node's emulator. Args: $1 unit, $2 config, $3 auth file. */
export const REMOVE_SUSHY = bash`set -uo pipefail
unit=$1; shift
systemctl disable --now --quiet "$unit" 2>/dev/null || true
rm -f -- "$@"
exit 0`;
