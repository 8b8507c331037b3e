#!/usr/bin/env bash
# Prints the OpenBLAS kernel family to force on this CPU, or nothing to let OpenBLAS detect it.
#
# Why: ND4J 1.0.0-M2.1 bundles OpenBLAS 0.3.19 (JavaCPP 1.5.7), built without kernels for newer AVX-512 cores. On such a
# CPU (measured: an Intel Xeon that OpenBLAS names "Cooperlake") it prints "Core not found" and runs a slow fallback:
# sgemm at 18-27 GFLOP/s on one thread instead of 86-131 GFLOP/s with the SkylakeX kernels, which any CPU
# with the AVX-512 F/BW/DQ/VL subsets runs. A value the user already exported always wins.
# Used by ./adept and by the tests' Maven build (pom.xml), so both choose the same kernel.
set -euo pipefail
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
  echo "$OPENBLAS_CORETYPE"
  exit 0
fi
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
for f in avx512f avx512bw avx512dq avx512vl; do
  case " $flags " in
    *" $f "*) ;;
    *) exit 0 ;;
  esac
done
echo SkylakeX
