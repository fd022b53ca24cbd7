#!/usr/bin/env bash
# Restart only kube-apiserver of a running test control plane, on the same port and with the same
# certs and token (etcd and its data stay), e.g. to test that watches survive an apiserver restart.
#
# usage: test/apiserver/restart-apiserver.sh [--dir DIR]     (same as up.sh --apiserver-only)
exec bash "$(dirname "$0")/up.sh" --apiserver-only "$@"
