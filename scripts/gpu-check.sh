#!/usr/bin/env bash
# The CUDA check: the same two measurements on this machine's CPU and on its NVIDIA GPU, side by side.
#   scripts/gpu-check.sh [OUT]            (default: runs/gpu-check-<time>; an existing OUT is refused)
# 1. CPU: ./adept bench model (d=128/4 blocks and d=256/8 blocks) and ./adept demo --quick (a short tune of three methods).
# 2. GPU: the repository's HEAD cloned into OUT/cuda-build, built with ND4J's CUDA 11.6 backend (mvn -Pcuda), and the
#    same two commands run with that build.
# 3. OUT/gpu-check.json: per size, training and forward tokens/s on CPU and GPU and their ratio; the tune's training
#    tokens/s per method; the GPU's name, driver and compute capability; or the exact failure of the GPU half.
# Needs: Maven with access to Maven Central (the CUDA jars, about 1 GB), an NVIDIA driver that supports CUDA 11.6, and
# the CUDA 11.6 runtime libraries (libcudart.so.11.0, cuBLAS 11, cuSOLVER 11) on the library path: ND4J 1.0.0-M2.1's
# CUDA backend does not bundle them. 1.0.0-M2.1 has no CUDA 12 backend (stack-notes.md).
# Exit codes: 0 both halves ran; 2 no GPU, an existing OUT, or the GPU half failed (its error is in the JSON and on stderr).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/runs/gpu-check-$(date +%Y%m%d-%H%M%S)}"
if [ -e "$out" ]; then
  echo "gpu-check: $out already exists; give a new folder (nothing there is replaced)" >&2
  exit 2
fi
if ! command -v nvidia-smi >/dev/null 2>&1 || ! gpu="$(nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader 2>&1 | head -1)" \
    || [ -z "$gpu" ]; then
  echo "gpu-check: no NVIDIA GPU here (nvidia-smi missing or failing); run it on a machine with one" >&2
  exit 2
fi
mkdir -p "$out"
echo "[gpu-check] GPU: $gpu; results in $out" >&2

sizes=128x4,256x8
run_both() { # $1: label, $2: launcher command (array in a string), $3: threads (batch shards) per step
  local label="$1" launch="$2" threads="$3"
  $launch bench model --sizes "$sizes" --steps 6 --threads "$threads" --out "$out/$label-bench" > "$out/$label-bench.log" 2>&1 \
    && $launch demo --quick --threads "$threads" --out "$out/$label-tune" > "$out/$label-tune.log" 2>&1
}

echo "[gpu-check] CPU: bench model and demo --quick ..." >&2
run_both cpu "$root/adept" 2 || { echo "gpu-check: the CPU half failed, see $out/cpu-*.log" >&2; exit 1; }

gpu_error=""
echo "[gpu-check] building the CUDA backend (mvn -Pcuda) in $out/cuda-build ..." >&2
if ! git clone -q "$root" "$out/cuda-build" \
    || ! (cd "$out/cuda-build" && mvn -q -B -Pcuda -DskipTests package) > "$out/cuda-build.log" 2>&1; then
  gpu_error="the CUDA build failed: $(grep -m1 -E 'ERROR|error:' "$out/cuda-build.log" || tail -1 "$out/cuda-build.log")"
else
  jar="$out/cuda-build/samples/target/adept-cli.jar"
  # The same JVM flags as ./adept; OMP threads do not matter on the GPU but keep the host side comparable.
  cuda_launch="env OMP_NUM_THREADS=1 java -Xmx4g --enable-native-access=ALL-UNNAMED -Dorg.nd4j.autodiff.samediff=false --add-modules=jdk.incubator.vector \
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
    --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
    -Dadept4j.home=$out/cuda-build -jar $jar"
  echo "[gpu-check] GPU: bench model and demo --quick ..." >&2
  # One thread on the GPU: batch shards exist to fill CPU cores; one stream of larger kernels suits a GPU.
  if ! run_both gpu "$cuda_launch" 1; then
    log="$out/gpu-bench.log"; [ -f "$out/gpu-tune.log" ] && log="$out/gpu-tune.log"
    gpu_error="the GPU run failed: $(grep -m1 -E 'Exception|Error|error' "$log" || tail -1 "$log")"
  fi
fi

python3 - "$out" "$gpu" "$gpu_error" <<'EOF'
import json, os, sys
out, gpu, err = sys.argv[1], sys.argv[2], sys.argv[3]

def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def sizes(label):
    b = load(os.path.join(out, label + "-bench", "bench.json"))
    return ({"%dx%d" % (s["hidden"], s["layers"]): s for s in b["sizes"]}, b.get("machine")) if b else ({}, None)

def tune(label):
    r = load(os.path.join(out, label + "-tune", "result.json"))
    if not r:
        return {}
    rates = {}
    for m in r.get("methods", []):
        runs = [x for x in m.get("runs", []) if x.get("tokensPerSecond")]
        if runs:
            rates[m["name"]] = round(sum(x["tokensPerSecond"] for x in runs) / len(runs))
    return rates

cpu, cpu_machine = sizes("cpu")
gpu_sizes, gpu_machine = sizes("gpu")
rows = []
for key, c in cpu.items():
    g = gpu_sizes.get(key)
    row = {"size": key, "cpuTrainTokensPerSecond": c["trainTokensPerSecond"],
           "cpuForwardTokensPerSecond": c["forwardTokensPerSecond"]}
    if g:
        row.update({"gpuTrainTokensPerSecond": g["trainTokensPerSecond"],
                    "gpuForwardTokensPerSecond": g["forwardTokensPerSecond"],
                    "trainGpuOverCpu": round(g["trainTokensPerSecond"] / c["trainTokensPerSecond"], 2),
                    "forwardGpuOverCpu": round(g["forwardTokensPerSecond"] / c["forwardTokensPerSecond"], 2)})
    rows.append(row)
name, driver, cc = (gpu.split(", ") + ["", "", ""])[:3]
result = {"gpu": {"name": name, "driver": driver, "computeCapability": cc},
          "backend": {"cpu": (cpu_machine or {}).get("nd4jBackend"), "gpu": (gpu_machine or {}).get("nd4jBackend")},
          "sizes": rows,
          "tuneTokensPerSecond": {"cpu": tune("cpu"), "gpu": tune("gpu")},
          "gpuError": err or None}
tmp = os.path.join(out, "gpu-check.json.tmp")
with open(tmp, "w", encoding="utf-8") as f:
    json.dump(result, f, indent=2)
os.replace(tmp, os.path.join(out, "gpu-check.json"))
print(json.dumps(result, indent=2))
EOF
if [ -n "$gpu_error" ]; then
  echo "gpu-check: $gpu_error (logs in $out)" >&2
  exit 2
fi
echo "[gpu-check] wrote $out/gpu-check.json" >&2
