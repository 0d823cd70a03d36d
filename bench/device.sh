#!/usr/bin/env bash
# bench/device.sh: the 'gpu' device on real hardware (issue 15, item 4), one prepared script for a machine
# with an NVIDIA GPU and no Node.js, no node_modules and no network. From the device bundle
# (scripts/build-device-bundle.js: .device/bundle/js/device.js, one esbuild file, and webgpu@0.6.2's
# dawn.node) it
#   probe    asks Dawn for a WebGPU adapter through the system's Vulkan driver, prints it, and runs one small
#            gpu.js kernel (refusing a software adapter where nvidia-smi lists a GPU);
#   suites   runs the gpu parity suite (test/tensor/gpu-parity.test.ts) and the PROPEL suite with the
#            reference fixture (test/propel/gpu.test.ts) in gpu.js's webgpu mode;
#   bench    measures W1 at B = 65536, W3 matmul at 1024² and 4096², and the (1024, 1024) MLP training step
#            in webgpu mode (bench/device.ts);
#   torch    the same rows in PyTorch on CUDA (bench/pytorch/device.py), when `python3 -c 'import torch'`
#            works there.
# stdout: JSON lines only ({"workload","params","median_ms","runs"}, as `npm run bench`); stderr: the rest.
# Exit status 1 if any step failed (the later steps still run, except after a failed probe).
#
# Prepare, here:   ../shared/device/pack-node.sh && npm run build:device    (.device/: Node, Vulkan loader, bundle)
# Run there:       device tool, carry [".device"], command `bash bench/device.sh`   (a few minutes)
# Prove, here:     VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json PROPEL_DEVICE_TORCH=cpu \
#                    PYTHON=/usr/bin/python3 bash bench/device.sh --quick
#
# Usage: bash bench/device.sh [--quick] [probe] [suites] [bench] [torch]   (no step named: all four)
#   --quick                 bench and torch at sizes SwiftShader finishes in seconds (bench/device.ts)
#   PROPEL_DEVICE_BUNDLE    the bundle folder (default .device/bundle)
#   PROPEL_DEVICE_TORCH     PyTorch's device (default cuda; cpu only proves the script)
#   PROPEL_DEVICE_EXPECT_GPU=0|1   refuse a software adapter (default: 1 where nvidia-smi lists a GPU)
#   PYTHON                  the Python with torch (default python3)
#   STEP_TIMEOUT            seconds per step (default 300)
set -uo pipefail
cd "$(dirname "$0")/.."

BUNDLE=${PROPEL_DEVICE_BUNDLE:-.device/bundle}
JS=$BUNDLE/js/device.js
PYTHON=${PYTHON:-python3}
STEP_TIMEOUT=${STEP_TIMEOUT:-300}
QUICK=()
STEPS=()
for arg in "$@"; do
  case $arg in
    --quick) QUICK=(--quick) ;;
    probe | suites | bench | torch) STEPS+=("$arg") ;;
    *) echo "bench/device.sh: unknown argument '$arg', expected --quick or steps probe, suites, bench, torch" >&2; exit 2 ;;
  esac
done
[ ${#STEPS[@]} -gt 0 ] || STEPS=(probe suites bench torch)
wants() { [[ " ${STEPS[*]} " == *" $1 "* ]]; }
say() { echo "device.sh: $*" >&2; }

# no Node there: pack-node.sh's run.sh unpacks its binary (and installs the Vulkan loader, and points
# VK_DRIVER_FILES at the NVIDIA driver's manifest where the machine has one)
if ! command -v node >/dev/null; then
  if [ ! -f .device/run.sh ]; then say "no node on PATH and no .device/run.sh (run ../shared/device/pack-node.sh first)"; exit 1; fi
  # shellcheck disable=SC1091
  source .device/run.sh >&2
fi
if [ ! -f "$JS" ]; then say "no bundle at $JS (npm run build:device)"; exit 1; fi
if [ -z "${PROPEL_DEVICE_EXPECT_GPU:-}" ] && command -v nvidia-smi >/dev/null && nvidia-smi -L >&2; then
  export PROPEL_DEVICE_EXPECT_GPU=1
fi
say "node $(node --version), bundle $JS, Vulkan: VK_DRIVER_FILES=${VK_DRIVER_FILES:-} VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"
say "Vulkan driver manifests: $(ls /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>/dev/null | grep '\.json$' | tr '\n' ' ')"

failed=()
# run NAME COMMAND...: one step, within STEP_TIMEOUT; a failure is remembered and reported at the end
run() {
  local name=$1 start=$SECONDS
  shift
  say "$name: $*"
  if timeout "$STEP_TIMEOUT" "$@"; then
    say "$name: ok in $((SECONDS - start)) s"
  else
    local rc=$?
    say "$name: FAILED (exit status $rc$([ $rc -eq 124 ] && echo ", over STEP_TIMEOUT=$STEP_TIMEOUT s")) after $((SECONDS - start)) s"
    failed+=("$name")
    return 1
  fi
}

if wants probe && ! run probe node "$JS" probe; then
  say "no usable WebGPU adapter: nothing else can run"
  exit 1
fi
if wants suites; then
  # a missing webgpu mode fails these suites instead of skipping them
  PROPEL_REQUIRE_GPU_MODES=webgpu run suites.parity node "$JS" test parity
  PROPEL_REQUIRE_GPU_MODES=webgpu run suites.propel node "$JS" test propel
fi
if wants bench; then
  run bench node "$JS" bench ${QUICK[@]+"${QUICK[@]}"}
fi
if wants torch; then
  if "$PYTHON" -c 'import torch' 2>/dev/null; then
    run torch "$PYTHON" bench/pytorch/device.py ${QUICK[@]+"${QUICK[@]}"} --device "${PROPEL_DEVICE_TORCH:-cuda}"
  else
    say "torch: skipped ($PYTHON cannot import torch)"
  fi
fi

if [ ${#failed[@]} -gt 0 ]; then
  say "failed: ${failed[*]}"
  exit 1
fi
say "done: ${STEPS[*]}"
