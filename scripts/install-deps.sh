#!/usr/bin/env bash
# Checks for what Streamplane and its tests need from the machine (a Java 17
# JDK, Maven, kcat, Prometheus and promtool, Chromium, PostgreSQL), installing
# the Debian packages that are missing when it can (as root).
set -euo pipefail

missing=()
lean=()   # installed without the packages they recommend
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need_lean() { command -v "$1" >/dev/null 2>&1 || [[ " ${lean[*]-} " == *" $2 "* ]] || lean+=("$2"); }

need java openjdk-17-jre-headless
need javac openjdk-17-jdk-headless   # builds the brokers' PLAIN plugin
need mvn maven
need kcat kcat
# deploy/'s tests check the shipped rules with promtool and scrape /metrics
# with a real Prometheus; Debian's package recommends the node exporter,
# which they do not need.
need_lean prometheus prometheus
need_lean promtool prometheus
# the console's browser tests and its bench drive headless Chromium
need_lean chromium chromium
# the PostgreSQL store's tests start servers of their own (package pgtest).
# Debian keeps the server's binaries off PATH, in
# /usr/lib/postgresql/<version>/bin; the package would also create and start
# a cluster of its own, which nothing here uses.
postgres_missing=false
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && ! command -v initdb >/dev/null 2>&1; then
  lean+=(postgresql)
  postgres_missing=true
fi

all=("${missing[@]}" "${lean[@]}")
if [ ${#all[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing: ${all[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if $postgres_missing; then
    mkdir -p /etc/postgresql-common/createcluster.d
    echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/no-main-cluster.conf
  fi
  apt_install() { apt-get install -y -q "$@" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "$@" >/dev/null; }; }
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
  if [ ${#lean[@]} -gt 0 ]; then apt_install --no-install-recommends "${lean[@]}"; fi
else
  echo "missing: ${all[*]}; install them (Debian: sudo apt-get install ${all[*]})" >&2
  exit 1
fi
