#!/usr/bin/env bash
# pip-locked.sh PYTHON LOCKFILE...: installs exactly what the locks name (hash-checked, no resolution), and
# says what it is doing while it runs: a fresh machine compiles llama-cpp-python here for minutes (PyPI ships
# only its source), and pip prints nothing useful meanwhile.
set -euo pipefail
python=$1; shift
args=()
for lock in "$@"; do args+=(-r "$lock"); done
if ! "$python" -m pip cache list 'llama_cpp_python*' 2>/dev/null | grep -q llama_cpp_python \
   && grep -q '^llama-cpp-python==' "$@"; then
  echo ">>> llama-cpp-python (the local LLM server) compiles once now: about 3-5 minutes on 2 cores."
  echo ">>> pip's wheel cache keeps the result, so later installs take seconds."
fi
"$python" -m pip install --quiet --require-hashes --no-deps "${args[@]}" &
pid=$!
started=$SECONDS
while kill -0 "$pid" 2>/dev/null; do
  sleep 5
  elapsed=$((SECONDS - started))
  if kill -0 "$pid" 2>/dev/null && ((elapsed % 30 == 0)); then
    echo ">>> still installing (${elapsed}s): $(pgrep -af 'cmake|ninja|cc1plus' >/dev/null && echo 'compiling llama-cpp-python' || echo 'unpacking wheels')"
  fi
done
wait "$pid"
