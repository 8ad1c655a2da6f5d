#!/usr/bin/env bash
# Creates (or refreshes) the project's Python environment in .venv/ from requirements.txt:
# PySpark 3.5 for the Glue runner, awsglue's interfaces, boto3, moto's server, pytest; then the
# jars of Spark's S3A connector (scripts/spark-jars.sh: hadoop-aws and its AWS SDK bundle, from
# Maven Central, SHA-1 checked, into .venv/spark-jars/).
# Idempotent: does nothing when .venv/ already matches requirements.txt and the jars are there.
#   bash scripts/python-env.sh          create or refresh .venv/
#   bash scripts/python-env.sh --lock   rewrite requirements.txt from requirements.in
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
stamp="$venv/.requirements.sha256"
python=${PYTHON:-python3}

if ! command -v "$python" >/dev/null; then
  echo "python-env: $python not found (Python 3.11, the Python of AWS Glue 5.0, is needed)" >&2
  exit 2
fi
if ! command -v java >/dev/null; then
  echo "python-env: java not found (PySpark needs a Java 17 runtime, the Java of AWS Glue 5.0)" >&2
  exit 2
fi

if [ "${1:-}" = "--lock" ]; then
  lockenv=$(mktemp -d)
  "$python" -m venv "$lockenv"
  "$lockenv/bin/pip" install --quiet --disable-pip-version-check -r requirements.in
  { echo "# Full lock of requirements.in (bash scripts/python-env.sh --lock). Glue 5.0 = Spark 3.5.4, Python 3.11."
    "$lockenv/bin/pip" freeze --all --exclude pip --exclude setuptools; } > requirements.txt
  rm -rf "$lockenv"
  echo "python-env: requirements.txt locked"
  exit 0
fi

want=$(sha256sum requirements.txt | cut -d' ' -f1)
if ! [ -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "python-env: installing requirements.txt into $venv/ (first run: a few minutes, ~900 MB)" >&2
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r requirements.txt
  echo "$want" > "$stamp"
  echo "python-env: ready ($("$venv/bin/python" -c 'import pyspark; print("pyspark", pyspark.__version__)'))" >&2
fi
# After the install: the jars are pinned to the Hadoop of the PySpark just installed.
bash scripts/spark-jars.sh
