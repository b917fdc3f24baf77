#!/usr/bin/env bash
# Installs the external engines the conformance stage checks our output with, into $ORACLES
# (default: $HOME/.cache/scalpel-oracles). Idempotent: a second run only verifies. Everything
# comes from PyPI, npm and Debian; versions are pinned so a rerun checks against the same engines.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ORACLES="${ORACLES:-$HOME/.cache/scalpel-oracles}"
mkdir -p "$ORACLES"
cd "$ORACLES"

# pySigma 1.x: sigma-cli (`sigma check`) and the backends (they pin pysigma < 2); the EQL engine;
# the ES|QL grammar.
[ -x venv/bin/python ] || python3 -m venv venv
venv/bin/pip install -q --disable-pip-version-check \
    sigma-cli==3.1.0 pysigma==1.5.1 pysigma-backend-splunk==2.1.0 \
    pysigma-backend-elasticsearch==2.1.1 pysigma-backend-kusto==1.0.1 \
    eql==1.0.1 esql-parser==9.1.3

# pySigma 2 with its SQLite backend: the only engine that evaluates Sigma correlations.
[ -x venv-sigma2/bin/python ] || python3 -m venv venv-sigma2
venv-sigma2/bin/pip install -q --disable-pip-version-check pysigma==2.0.1 pysigma-backend-sqlite==2.1.1

# duckdb-kql runs KQL on DuckDB: the scheduled replay executes every Sentinel rule's query with it.
[ -x venv-kql/bin/python ] || python3 -m venv venv-kql
venv-kql/bin/pip install -q --disable-pip-version-check 'duckdb-kql[duckdb]==1.1.2' duckdb==2.0.0
# Splunk .conf parsers: ksconf's strict parser and Splunk's add-on factory parser.
[ -x venv-splunk/bin/python ] || python3 -m venv venv-splunk
venv-splunk/bin/pip install -q --disable-pip-version-check ksconf==0.13.10 addonfactory-splunk-conf-parser-lib==1.0.0

# MITRE's own ATT&CK library, to load our Navigator layers the way MITRE's tools do.
[ -x venv-attack/bin/python ] || python3 -m venv venv-attack
venv-attack/bin/pip install -q --disable-pip-version-check mitreattack-python==6.3.1

# Microsoft's Kusto.Language (parser and semantic analyser), bridged to JavaScript.
mkdir -p npm
(cd npm && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-audit --no-fund --silent @kusto/language-service-next@12.4.1)

# Apache Lucene from Debian's package (unpacked, not installed) and our Java harness around it.
mkdir -p deb lucene
if [ ! -f lucene/lucene-core.jar ]; then
    (cd deb && { ls liblucene8-java_*.deb >/dev/null 2>&1 || apt-get download liblucene8-java 2>/dev/null ||
        { apt-get update -qq && apt-get download liblucene8-java; }; } && dpkg-deb -x liblucene8-java_*.deb x)
    for jar in core queryparser memory queries misc sandbox analyzers-common; do
        cp "$(ls deb/x/usr/share/java/lucene-$jar-8*.jar | head -1)" "lucene/lucene-$jar.jar"
    done
fi
javac -nowarn -cp 'lucene/*' -d lucene "$here/engines/LuceneCheck.java"

# Debian's Chromium renders the coverage report headless.
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

echo "engines installed in $ORACLES"
