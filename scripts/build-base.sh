#!/usr/bin/env bash
# Rebuilds the shipped base model (models/base-small-bpe4096) the way it was made: the small preset (d=128, 4 blocks,
# T=128) with the bpe:4096 tokenizer, 1,500 steps of 16 x 128 tokens, seed 42, one thread, on the full general corpora
# (scripts/fetch-corpora.sh) minus every document of the bundled excerpt corpora/general.jsonl.gz, so the bundled general
# corpus stays text the base never saw. About 66 minutes on one core of a 2-vCPU machine; resumable.
#   scripts/build-base.sh [--out DIR]   (default: .cache/base-build; then copies the model into models/ only with --install)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.cache/base-build"
install=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --install) install=1; shift ;;
    -h|--help) sed -n 2,6p "$0"; exit 0 ;;
    *) echo "build-base: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
full="$root/.cache/corpora/general.jsonl.gz"
[ -f "$full" ] || "$root/scripts/fetch-corpora.sh"
resume=""
[ -d "$out/checkpoint" ] && resume="--resume"
"$root/adept" pretrain --preset small --steps 1500 --seed 42 --threads 1 --tokenizer bpe:4096 \
  --corpus "$full" --exclude "$root/corpora/general.jsonl.gz" --out "$out" $resume
if [ -n "$install" ]; then
  dest="$root/models/base-small-bpe4096"
  if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then
    echo "build-base: $dest is not empty; move it away first (nothing was overwritten)" >&2
    exit 2
  fi
  mkdir -p "$dest"
  cp "$out/model/config.json" "$out/model/weights.zip" "$dest/"
  cp "$out/result.json" "$dest/pretrain-result.json"
  sha() { sha256sum "$1" | cut -d' ' -f1; }
  cat > "$dest/provenance.json" <<JSON
{
  "model": "small preset: d=128, 4 blocks, 4 query / 2 key-value heads, T=128, tied embeddings",
  "preset": "small",
  "tokenizer": "bpe:4096",
  "steps": 1500,
  "batch": "16 windows x 128 tokens",
  "seed": 42,
  "threads": 1,
  "command": "scripts/build-base.sh --install",
  "pretrainCommand": "./adept pretrain --preset small --steps 1500 --seed 42 --threads 1 --tokenizer bpe:4096 --corpus .cache/corpora/general.jsonl.gz --exclude corpora/general.jsonl.gz",
  "corpora": {
    "trainedOn": {"file": ".cache/corpora/general.jsonl.gz (scripts/fetch-corpora.sh)", "sha256": "$(sha "$full")"},
    "excluded": {"file": "corpora/general.jsonl.gz (the bundled excerpt)", "sha256": "$(sha "$root/corpora/general.jsonl.gz")"}
  },
  "files": {
    "config.json": "$(sha "$dest/config.json")",
    "weights.zip": "$(sha "$dest/weights.zip")",
    "pretrain-result.json": "$(sha "$dest/pretrain-result.json")"
  }
}
JSON
  echo "build-base: installed into $dest with its provenance.json"
fi
