#!/usr/bin/env bash
# Checks for what Streamplane and its tests need from the machine (a Java 17
# JDK, Maven, kcat), installing the Debian packages that are missing when it
# can (as root).
set -euo pipefail

missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }

need java openjdk-17-jre-headless
need javac openjdk-17-jdk-headless   # builds the brokers' PLAIN plugin
need mvn maven
need kcat kcat

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
else
  echo "missing: ${missing[*]}; install them (Debian: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
