#!/usr/bin/env bash
# Downloads the jars of Spark's S3A connector (scripts/spark-jars.txt) from Maven Central into a
# cache folder, ETL_SPARK_JARS_DIR or .venv/spark-jars/ (~280 MB, once). Idempotent: a jar already
# there and checked is not downloaded again. Each download is checked against its pinned SHA-1
# (and Maven Central's own .sha1 of it) before it is moved into place.
# Fails when PySpark's Hadoop is not the version the jars are pinned to (hadoop-aws must match it).
#   bash scripts/spark-jars.sh          (run by scripts/python-env.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
pins=scripts/spark-jars.txt
dir=${ETL_SPARK_JARS_DIR:-.venv/spark-jars}
central=${ETL_MAVEN_CENTRAL:-https://repo1.maven.org/maven2}

hadoop_api=$(ls .venv/lib/python3*/site-packages/pyspark/jars/hadoop-client-api-*.jar 2>/dev/null | head -n 1 || true)
if [ -z "$hadoop_api" ]; then
  echo "spark-jars: PySpark's jars not found in .venv/ (run bash scripts/python-env.sh)" >&2
  exit 2
fi
hadoop=$(basename "$hadoop_api" .jar)
hadoop=${hadoop#hadoop-client-api-}

mkdir -p "$dir"
partial=
trap 'rm -f "$partial"' EXIT
while read -r group artifact version sha1; do
  [ -n "$group" ] || continue
  if [ "$artifact" = hadoop-aws ] && [ "$version" != "$hadoop" ]; then
    echo "spark-jars: $pins pins hadoop-aws $version, but PySpark's Hadoop is $hadoop: pin hadoop-aws $hadoop and the aws-java-sdk-bundle its POM names" >&2
    exit 2
  fi
  jar="$dir/$artifact-$version.jar"
  # The checked SHA-1 is kept beside the jar: hashing 280 MB on every run would cost seconds.
  if [ -f "$jar" ] && [ "$(cat "$jar.sha1" 2>/dev/null)" = "$sha1" ]; then
    continue
  fi
  url="$central/${group//.//}/$artifact/$version/$artifact-$version.jar"
  published=$(curl -fsSL --retry 3 "$url.sha1" | cut -c1-40)
  if [ "$published" != "$sha1" ]; then
    echo "spark-jars: Maven Central's SHA-1 of $artifact-$version.jar is '$published', $pins pins $sha1" >&2
    exit 1
  fi
  echo "spark-jars: downloading $url" >&2
  partial="$jar.$$.part"
  curl -fsSL --retry 3 -o "$partial" "$url"
  got=$(sha1sum "$partial" | cut -d' ' -f1)
  if [ "$got" != "$sha1" ]; then
    echo "spark-jars: $artifact-$version.jar downloaded with SHA-1 $got, expected $sha1" >&2
    exit 1
  fi
  mv "$partial" "$jar"
  echo "$sha1" > "$jar.sha1"
done < <(grep -v '^#' "$pins")
