#!/usr/bin/env bash
# Fuzzes the REST API against its own OpenAPI document with schemathesis,
# every check on, in two runs:
#   (a) a server with no instances, to which the fuzzer sends only invalid
#       instance specs; its java and mvn are `false` and its runtime cache
#       empty, so it can neither start a broker nor download a runtime;
#   (b) a server with one running 1-broker SASL_SSL instance, which the path
#       parameter {instance} names; --max-instances 1 and --max-brokers 1
#       keep the fuzzer from starting more JVMs.
# In both runs the operations that make the server dial a Kafka cluster the
# request names (the migration inventory; creating, updating and resuming a
# migration) get only invalid requests: valid ones would connect to made-up
# hosts and, in (b), run MirrorMaker against them (scripts/fuzz-api.toml).
# Each run is bounded by examples per operation (scripts/fuzz-api.toml) and
# by a time limit. Everything is torn down at the end, also on failure.
# Every request is made as the admin: the token its first start wrote to
# <data>/admin.token goes to the CLI and to schemathesis in the environment
# (STREAMPLANE_TOKEN, which the toml's header names), never on a command
# line; schemathesis' ignored_auth check then sends each secured request
# again without it and with a wrong one, and wants them refused.
#
# Usage: scripts/fuzz-api.sh [a|b|all]   (needs bin/streamplane: make build)
set -euo pipefail
cd "$(dirname "$0")/.."

which_runs=${1:-all}
bin=$PWD/bin/streamplane
config=$PWD/scripts/fuzz-api.toml
instance=fuzz-one
st=$(scripts/install-schemathesis.sh)
work=$(mktemp -d "${TMPDIR:-/tmp}/streamplane-fuzz.XXXXXX")
server_pid=

stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}

cleanup() {
  status=$?
  if [ -n "$server_pid" ] && [ -f "$work/b/server.addr" ]; then
    STREAMPLANE_SERVER=$(cat "$work/b/server.addr") "$bin" instance delete "$instance" --yes >/dev/null 2>&1 || true
  fi
  stop_server
  # Safety net: no broker started under this run's directory outlives it.
  pkill -KILL -f -- "$work/" 2>/dev/null || true
  if [ $status -ne 0 ]; then
    echo "fuzz-api: failed; server logs and reports kept in $work" >&2
  else
    rm -rf "$work"
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server DIR FLAGS...: starts the server on a free port and waits until
# it answers; sets $server_pid and $url, and exports the admin's token as
# STREAMPLANE_TOKEN (written before server.addr).
start_server() {
  local dir=$1
  shift
  mkdir -p "$dir"
  unset STREAMPLANE_TOKEN
  "$bin" server --data "$dir" --listen 127.0.0.1:0 --install-recommended=false --log-level warn "$@" >"$dir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 300); do
    if [ -s "$dir/server.addr" ] && [ -s "$dir/admin.token" ]; then
      STREAMPLANE_TOKEN=$(cat "$dir/admin.token")
      export STREAMPLANE_TOKEN
    fi
    if [ -s "$dir/server.addr" ] && [ -n "${STREAMPLANE_TOKEN:-}" ] && STREAMPLANE_SERVER=$(cat "$dir/server.addr") "$bin" zone list >/dev/null 2>&1; then
      url=$(cat "$dir/server.addr")
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "fuzz-api: the server did not start; its log:" >&2
  tail -n 40 "$dir/server.log" >&2
  return 1
}

# iam_targets: makes an IAM user and a token of its own for the fuzzer's
# operations on one user's attachments or on one token, and prints the toml
# that pins those operations to them. The fuzzer learns names and ids from
# answers (whoami, the token list): left free it revokes the admin's own
# token, or attaches a deny-all policy to the admin, and every request
# after that is a 401 or 403. Everything else about users and tokens stays
# free (the admin account cannot be deleted).
iam_targets() {
  STREAMPLANE_SERVER=$url "$bin" iam user create fuzz-target >/dev/null
  local token_id
  token_id=$(STREAMPLANE_SERVER=$url "$bin" iam token create --user fuzz-target --description "fuzz-api: revokeToken's target" -o json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  printf '\n[[operations]]\ninclude-path-regex = "^/api/v1/iam/users/[{]user[}]/attachments$"\nparameters = { "path.user" = "fuzz-target" }\n'
  printf '\n[[operations]]\ninclude-path = "/api/v1/iam/tokens/{token}"\nparameters = { "path.token" = "%s" }\n' "$token_id"
}

# fuzz NAME CONFIG [ARGS]: runs schemathesis against $url and reports its time.
fuzz() {
  local name=$1 config=$2
  shift 2
  local start=$SECONDS
  echo "fuzz-api ($name): schemathesis $("$st" --version | awk '{print $NF}') against $url"
  # logout would revoke the admin's token that every later request carries.
  timeout 900 "$st" --config-file "$config" run "$url/api/v1/openapi.json" \
    --report junit --report-dir "$work/report-$name" --exclude-operation-id logout "$@"
  echo "fuzz-api ($name): passed in $((SECONDS - start))s"
}

if [ "$which_runs" = all ] || [ "$which_runs" = a ]; then
  # Only invalid instances are asked for here, so the server stays empty
  # and every instance-scoped request meets "no such instance"; valid ones
  # are run (b)'s, where the instance limit refuses them.
  start_server "$work/a" --java false --maven false --runtime-cache "$work/a/runtimes" --max-instances 1 --max-brokers 1 --port-range 39600-39699
  { cat "$config"; printf '\n[[operations]]\ninclude-operation-id = "createInstance"\ngeneration.mode = "negative"\n'; iam_targets; } >"$work/a.toml"
  fuzz a "$work/a.toml"
  stop_server
fi

if [ "$which_runs" = all ] || [ "$which_runs" = b ]; then
  start_server "$work/b" --max-instances 1 --max-brokers 1 --port-range 39700-39799 --supervisor-interval 1s
  # SASL_SSL, so that users, grants and client certificates are served too.
  STREAMPLANE_SERVER=$url "$bin" instance create --name "$instance" --flavor kafka.1u2g.dev --brokers 1 --storage-gb 1 \
    --sasl-ssl --kafka-user fuzzadmin --kafka-password 'Fuzz-pass-1' >"$work/b/create.log" 2>&1 ||
    { echo "fuzz-api: creating $instance failed:" >&2; cat "$work/b/create.log" >&2; exit 1; }
  # Kafka creates __consumer_offsets on the first group request and answers
  # COORDINATOR_NOT_AVAILABLE until it has: wait for that before fuzzing.
  for _ in $(seq 60); do
    STREAMPLANE_SERVER=$url "$bin" group show "$instance" fuzz-warmup 2>&1 | grep NOT_FOUND >/dev/null && break
    sleep 1
  done
  # Runtime installs are pinned to the instance's version, which is
  # installed, so the fuzzer downloads nothing.
  version=$(STREAMPLANE_SERVER=$url "$bin" instance show "$instance" -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
  # No alarm channels in (b): a fuzzed rule that fires on the live instance
  # would post to whatever webhook the fuzzer made up.
  # The instance's own operations that would delete or rename it, or keep it
  # busy rolling brokers, moving replicas or growing storage, are left out;
  # run (a) covers them.
  { cat "$config"
    iam_targets
    printf '\n[[operations]]\ninclude-operation-id = "installRuntime"\nparameters = { "path.version" = "%s" }\n' "$version"
    printf '\n[parameters]\n"path.instance" = "%s"\n' "$instance"; } >"$work/b.toml"
  fuzz b "$work/b.toml" \
    --exclude-operation-id deleteInstance --exclude-operation-id updateInstance --exclude-operation-id restartInstance \
    --exclude-operation-id replaceCertificate --exclude-operation-id setPublicAccess --exclude-operation-id setMutualTLS \
    --exclude-operation-id changeFlavor --exclude-operation-id reassignPartitions --exclude-operation-id scaleInstance \
    --exclude-operation-id advertiseAddress --exclude-operation-id expandStorage \
    --exclude-operation-id upgradeInstance --exclude-operation-id finalizeUpgrade --exclude-operation-id rollbackUpgrade \
    --exclude-operation-id createAlarmChannel
  STREAMPLANE_SERVER=$url "$bin" instance delete "$instance" --yes >/dev/null
  stop_server
fi
