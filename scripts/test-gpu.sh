#!/usr/bin/env bash
# The GPU parity suite (test/tensor/gpu-parity.test.ts) in the gpu.js modes CI must prove: headlessgl (Mesa's
# software GL through the native `gl` package, which needs an X display: Xvfb) and webasm; cpu and any other
# available mode run too. A required mode that is missing fails the run instead of being skipped.
# test/tensor/gpu-trig.test.ts (sin and cos over the whole float32 range) runs with it, in the same modes.
# Needs the apt packages xvfb, xauth, libgl1-mesa-dev (see DEVELOPERS.md). Usage: scripts/test-gpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PROPEL_REQUIRE_GPU_MODES="${PROPEL_REQUIRE_GPU_MODES:-webasm,headlessgl}"
if ! command -v xvfb-run >/dev/null; then
  echo "scripts/test-gpu.sh: xvfb-run not found (apt-get install xvfb xauth); headlessgl needs a display" >&2
  exit 1
fi
# --no-config: run only these suites (.mocharc.json would add every test file to the run)
exec xvfb-run -a -s "-screen 0 1x1x24" \
  npx mocha --no-config --node-option conditions=@propel-ts/source --require ts-node/register --extension ts --timeout 120000 test/tensor/gpu-parity.test.ts test/tensor/gpu-trig.test.ts
