#!/bin/sh
# The Deno kernel of this workspace's notebooks (installed by .ci/setup as the user's "deno"
# kernelspec). It runs the Deno pinned by the checkout the notebook lives in, found by walking
# up from the kernel's working directory (Jupyter and VS Code start a kernel in the notebook's
# folder), so every clone uses its own pinned Deno wherever it lives, not the last one set up.
# Outside a checkout it falls back to a deno on PATH.
d=$(pwd)
while [ "$d" != / ]; do
  if [ -x "$d/.ci/deno/node_modules/deno/deno" ] && [ -f "$d/denow" ]; then
    NO_COLOR=1 DENO_NO_UPDATE_CHECK=1 RUST_BACKTRACE=0 \
      exec "$d/.ci/deno/node_modules/deno/deno" jupyter --kernel --conn "$1"
  fi
  d=$(dirname "$d")
done
if command -v deno >/dev/null 2>&1; then exec deno jupyter --kernel --conn "$1"; fi
echo "deno kernel: no workspace Deno above $(pwd) (run ./denow once there) and no deno on PATH" >&2
exit 1
