#!/usr/bin/env bash
# Start a real etcd + kube-apiserver on 127.0.0.1 for tests (the envtest approach: no controllers,
# no kubelet; CRDs, RBAC, leases, events, watches and subresources are all real).
#
# usage: test/apiserver/up.sh [--dir DIR] [--apiserver-only]
#   --dir DIR          where state, certs, data and logs live (default ${LAB_APISERVER_DIR:-/tmp/lab-apiserver})
#   --apiserver-only   restart only kube-apiserver of an existing DIR, on the same port (etcd keeps running)
# LAB_APISERVER_EXTRA_ARGS: more kube-apiserver flags (split on spaces), kept for restarts,
#   e.g. "--watch-cache=false" so watches go to etcd and a compacted revision answers 410 Gone.
# prints KEY=VALUE lines on stdout (KUBECONFIG, LAB_APISERVER_URL, LAB_APISERVER_TOKEN, KUBECTL, ...);
# progress and errors go to stderr. Binaries come from install.sh (built once, then cached).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/common.sh"

parse_dir_arg "$@"
APISERVER_ONLY=0
for a in "${EXTRA_ARGS[@]}"; do
  case "$a" in
    --apiserver-only) APISERVER_ONLY=1 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $a" ;;
  esac
done

make_pki() {
  local pki="$DIR/pki"
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -keyout ca.key -out ca.crt -subj "/CN=lab-apiserver-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver"
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc" \
      >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile apiserver.ext -out apiserver.crt
    openssl genrsa -out sa.key 2048
    openssl rsa -in sa.key -pubout -out sa.pub
  ) >"$DIR/pki.log" 2>&1 || { cat "$DIR/pki.log" >&2; die "openssl failed to make test certificates"; }
  chmod 600 "$pki"/*.key
  # Static token file: token,user,uid,"groups". system:masters bypasses RBAC; everything else is RBAC.
  printf '%s,lab-admin,lab-admin,"system:masters"\n' "$TOKEN" >"$pki/tokens.csv"
  chmod 600 "$pki/tokens.csv"
}

write_kubeconfig() {
  local ca; ca="$(base64 -w0 <"$DIR/pki/ca.crt")"
  cat >"$DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: lab-apiserver
    cluster:
      server: https://127.0.0.1:$APISERVER_PORT
      certificate-authority-data: $ca
users:
  - name: lab-admin
    user:
      token: $TOKEN
contexts:
  - name: lab-apiserver
    context: { cluster: lab-apiserver, user: lab-admin, namespace: default }
current-context: lab-apiserver
EOF
  chmod 600 "$DIR/kubeconfig"
}

write_state() {
  {
    printf 'ETCD_PORT=%q\nETCD_PEER_PORT=%q\nAPISERVER_PORT=%q\nTOKEN=%q\n' \
      "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$TOKEN"
    printf 'LAB_APISERVER_BIN_DIR=%q\nKUBE_APISERVER=%q\nKUBECTL=%q\nETCD=%q\n' \
      "$LAB_APISERVER_BIN_DIR" "$KUBE_APISERVER" "$KUBECTL" "$ETCD"
    printf 'EXTRA_APISERVER_ARGS=%q\n' "${EXTRA_APISERVER_ARGS:-}"
  } >"$DIR/state.env"
}

start_etcd() {
  start_process etcd "$ETCD" --name lab --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "lab=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level warn
  wait_ready etcd "http://127.0.0.1:$ETCD_PORT/readyz"
}

start_apiserver() {
  local pki="$DIR/pki" extra=()
  read -r -a extra <<<"${EXTRA_APISERVER_ARGS:-}"
  # ServiceAccount admission is off: it rejects Pods until a controller-manager has created the
  # namespace's "default" ServiceAccount, and nothing here runs one. TokenRequest still works.
  start_process kube-apiserver "$KUBE_APISERVER" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --cert-dir="$pki" --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" --token-auth-file="$pki/tokens.csv" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --disable-admission-plugins=ServiceAccount \
    --endpoint-reconciler-type=none \
    --allow-privileged=true --profiling=false "${extra[@]}"
  wait_ready kube-apiserver "https://127.0.0.1:$APISERVER_PORT/readyz" \
    --cacert "$pki/ca.crt" -H "Authorization: Bearer $TOKEN"
}

port_taken() { grep -q "address already in use" "$DIR/$1.log" 2>/dev/null; }

# Ports are picked free but may be taken before the process binds them: retry with new ones.
start_with_fresh_ports() { # name pick-ports-function start-function
  local name="$1" pick="$2" start="$3" attempt
  for attempt in 1 2 3; do
    "$pick"
    if "$start"; then return 0; fi
    port_taken "$name" || return 1
    stop_process "$name"
    log "$name lost a port race (attempt $attempt); retrying with other ports"
    : >"$DIR/$name.log"
  done
  return 1
}

pick_etcd_ports() { ETCD_PORT="$(free_port)"; ETCD_PEER_PORT="$(free_port)"; }
pick_apiserver_port() { APISERVER_PORT="$(free_port)"; }

on_failure() {
  log "start failed; stopping what was started (logs stay in $DIR; down.sh --dir $DIR removes it)"
  stop_process kube-apiserver
  [[ "$APISERVER_ONLY" == 1 ]] || stop_process etcd
  exit 1
}

restart_apiserver() {
  load_state
  local t0=$SECONDS
  stop_process kube-apiserver
  start_apiserver || on_failure
  log "kube-apiserver restarted on 127.0.0.1:$APISERVER_PORT in $((SECONDS - t0))s"
  print_state
}

up() {
  if [[ -f "$DIR/state.env" ]] && pid_alive "$(read_pid etcd)" && pid_alive "$(read_pid kube-apiserver)"; then
    log "already up in $DIR"
    load_state
    print_state
    return 0
  fi
  if [[ -e "$DIR" && ! -f "$DIR/.lab-apiserver" && -n "$(ls -A "$DIR" 2>/dev/null)" ]]; then
    die "$DIR exists, is not empty and was not made by up.sh; pick another --dir"
  fi
  if [[ -f "$DIR/.lab-apiserver" ]]; then # leftovers of a stopped or half-started plane
    stop_process kube-apiserver
    stop_process etcd
    rm -rf --one-file-system "${DIR:?}"/{etcd,pki,state.env,kubeconfig,*.log}
  fi
  eval "$(bash "$HERE/install.sh" --print-env)"
  mkdir -p "$DIR"
  touch "$DIR/.lab-apiserver"
  local t0=$SECONDS
  EXTRA_APISERVER_ARGS="${LAB_APISERVER_EXTRA_ARGS:-}"
  TOKEN="$(openssl rand -hex 24)"
  make_pki
  start_with_fresh_ports etcd pick_etcd_ports start_etcd || on_failure
  start_with_fresh_ports kube-apiserver pick_apiserver_port start_apiserver || on_failure
  write_state
  write_kubeconfig
  log "etcd and kube-apiserver ready in $((SECONDS - t0))s; KUBECONFIG=$DIR/kubeconfig"
  print_state
}

if [[ "$APISERVER_ONLY" == 1 ]]; then restart_apiserver; else up; fi
