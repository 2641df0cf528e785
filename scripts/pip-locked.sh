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
# A pip.conf may name local index folders that do not exist on this machine; pip then warns once per package.
"$python" -m pip install --quiet --require-hashes --no-deps "${args[@]}" \
  2> >(grep -v "is ignored: it is neither a file nor a directory" >&2) &
pid=$!
started=$SECONDS
next_report=30
while kill -0 "$pid" 2>/dev/null; do
  sleep 1
  elapsed=$((SECONDS - started))
  if ((elapsed >= next_report)) && kill -0 "$pid" 2>/dev/null; then
    next_report=$((next_report + 30))
    if pgrep -f 'cmake|ninja|cc1plus' >/dev/null; then doing='compiling llama-cpp-python'; else doing='downloading and unpacking wheels'; fi
    echo ">>> still installing after ${elapsed}s: ${doing}"
  fi
done
wait "$pid"
