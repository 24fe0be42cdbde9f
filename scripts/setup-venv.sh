#!/usr/bin/env bash
# Create .venv with Warden and everything its tests need. PyTorch is installed as the CPU
# build explicitly (a plain `pip install torch` would pull a multi-GB CUDA build).
#   TORCH_VERSION   torch release to install (default 2.13.0)
#   TORCH_INDEX     where CPU wheels come from (default: PyTorch's CPU wheel index)
#   PYTHON          interpreter for the venv (default: python3, must be 3.11+)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
TORCH_INDEX=${TORCH_INDEX:-https://download.pytorch.org/whl/cpu}

"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "Warden needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2; exit 1; }
[ -x "$VENV/bin/python" ] || { echo "==> creating $VENV"; "$PYTHON" -m venv "$VENV"; }
PIP=("$VENV/bin/python" -m pip --quiet --disable-pip-version-check)

if ! "$VENV/bin/python" -c "import sys, torch; sys.exit(0 if torch.__version__.startswith('$TORCH_VERSION') and torch.version.cuda is None else 1)" 2>/dev/null; then
  echo "==> installing torch $TORCH_VERSION (CPU build)"
  # The "+cpu" local version only exists as a CPU wheel: first from any local wheel folder
  # pip is configured with, then from the CPU index.
  "${PIP[@]}" install "torch==${TORCH_VERSION}+cpu" 2>/dev/null \
    || "${PIP[@]}" install --index-url "$TORCH_INDEX" "torch==${TORCH_VERSION}"
fi
echo "==> installing Warden and its test tools"
"${PIP[@]}" install -e ".[dev,onnx]"
touch "$VENV/.installed"
echo "==> ready: $VENV/bin/warden"
