#!/usr/bin/env node
// Microsoft's Kusto.Language (the parser and semantic analyser behind Sentinel's editor) on every
// KQL query we emit, against the custom tables we emit (`kql/tables/*.json`), so an unknown
// column, a type clash or a bad function call is an error, not only bad syntax.
//
// usage: node kusto_check.js NPM_DIR KQL_DIR OUT.json
// OUT.json: one row per query {artifact, kind, engine, ok, detail}; ok = no diagnostic at all.
'use strict';
const fs = require('fs');
const path = require('path');

const [npmDir, kqlDir, out] = process.argv.slice(2);
const pkg = path.join(npmDir, 'node_modules', '@kusto', 'language-service-next');
require(path.join(pkg, 'bridge.js'));
require(path.join(pkg, 'Kusto.Language.Bridge.js'));
const K = global.Kusto.Language;

// The tables, in Kusto's own schema syntax: `(Column:type, ...)`.
const tableDir = path.join(kqlDir, 'tables');
const tables = fs.readdirSync(tableDir).filter((f) => f.endsWith('.json')).sort().map((file) => {
  const table = JSON.parse(fs.readFileSync(path.join(tableDir, file), 'utf8'));
  // Bracket-quoted, so a column named like a keyword (`where`, `and`) is declared too.
  const columns = table.Properties.map((p) => `['${p.Name}']:${p.Type}`).join(', ');
  return new K.Symbols.TableSymbol.$ctor7(table.Name, `(${columns})`, null);
});
const database = new K.Symbols.DatabaseSymbol.$ctor1('ras', Bridge.toList(tables), false);
const globals = K.GlobalState.Default.WithDatabase(database);

function each(enumerable) {
  const items = [];
  const it = Bridge.getEnumerator(enumerable);
  while (it.System$Collections$IEnumerator$moveNext()) items.push(it.System$Collections$IEnumerator$Current);
  return items;
}

const rows = [];
const flows = fs.readdirSync(kqlDir).filter((d) => d !== 'tables' && fs.statSync(path.join(kqlDir, d)).isDirectory()).sort();
for (const flow of flows) {
  for (const file of fs.readdirSync(path.join(kqlDir, flow)).filter((f) => f.endsWith('.kql')).sort()) {
    const artifact = path.join(kqlDir, flow, file);
    const query = fs.readFileSync(artifact, 'utf8');
    const cancel = new K.Utils.CancellationToken();
    const code = K.KustoCode.ParseAndAnalyze(query, globals, cancel);
    const diagnostics = each(code.GetDiagnostics(cancel)).map((d) =>
      `${d.Severity} ${d.Code} at ${d.Start}: ${d.Message} (${JSON.stringify(query.substr(d.Start, Math.max(d.Length, 1)))})`);
    rows.push({
      artifact, kind: 'kql query', engine: 'Kusto.Language', ok: diagnostics.length === 0,
      detail: diagnostics.length ? diagnostics.join('; ') : `${tables.length} tables declared, no diagnostic`,
    });
  }
}
fs.writeFileSync(out, JSON.stringify(rows, null, 1));
