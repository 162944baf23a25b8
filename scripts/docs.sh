#!/usr/bin/env bash
# The API reference as HTML, in build/docs/ (not committed): the C and C++ headers under include/
# with Doxygen (build/docs/c/), the Python package with pdoc (build/docs/python/), and an index.
#
# Installs what is missing: Doxygen (apt-get), the Python package into build/venv
# (scripts/install_python.sh) and pdoc (pip, into that virtualenv).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/apt.sh
out=build/docs
venv=${ADVSTEP_VENV:-build/venv}

command -v doxygen >/dev/null || apt_install doxygen
scripts/install_python.sh
"$venv/bin/python" -m pip install -q --disable-pip-version-check "pdoc>=14"

rm -rf "$out"
mkdir -p "$out/c"
echo "== Doxygen: include/ -> $out/c =="
# The configuration on stdin: only what differs from Doxygen's defaults.
doxygen - <<DOXYFILE
PROJECT_NAME           = advstep
PROJECT_BRIEF          = "CANN's aclnnAdvanceStep(V2) C API, its ACL runtime subset, and the native C++ API"
INPUT                  = include
RECURSIVE              = YES
FILE_PATTERNS          = *.h *.hpp
OUTPUT_DIRECTORY       = $out/c
HTML_OUTPUT            = .
GENERATE_LATEX         = NO
HAVE_DOT               = NO
EXTRACT_ALL            = YES
JAVADOC_AUTOBRIEF      = YES
FULL_PATH_NAMES        = YES
STRIP_FROM_PATH        = include
STRIP_FROM_INC_PATH    = include
ENABLE_PREPROCESSING   = YES
MACRO_EXPANSION        = YES
PREDEFINED             = ACL_FUNC_VISIBILITY= ACLNN_API= __cplusplus
QUIET                  = YES
WARN_IF_UNDOCUMENTED   = NO
WARN_IF_INCOMPLETE_DOC = NO
DOXYFILE

echo "== pdoc: advstep -> $out/python =="
"$venv/bin/python" -m pdoc --docformat numpy -o "$out/python" advstep advstep.cli

cat > "$out/index.html" <<'HTML'
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>advstep API reference</title></head>
<body>
<h1>advstep API reference</h1>
<ul>
<li><a href="c/index.html">C and C++ headers</a>: CANN's <code>aclnnAdvanceStep</code> /
<code>aclnnAdvanceStepV2</code>, the ACL runtime subset, and <code>advstep::advance_step</code> (Doxygen)</li>
<li><a href="python/advstep.html">Python package <code>advstep</code></a> and its command,
<code>advstep.cli</code> (pdoc)</li>
</ul>
</body>
</html>
HTML
echo "API reference: $out/index.html"
