#!/usr/bin/env node
// ONNX operator conformance: node scripts/onnx-conformance.mjs DIR... [--json FILE] [--backend NAME]
// Each case folder under DIR (model.onnx + test_data_set_0) is translated by the head translator and
// run on TF.js against its reference outputs. Exit 1 when a case fails (refused is not a failure).
// Needs the build (npm run prepare): the logic is in dist/models/onnx/conformance.js.
import fs from 'node:fs';
import { selectBackend } from '../dist/engine/backend.js';
import { runConformance } from '../dist/models/onnx/conformance.js';
import { formatResult, formatSummary, summarise } from '../dist/models/onnx/conformanceCompare.js';

const args = process.argv.slice(2);
const dirs = [];
let json = null;
let backend;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') json = args[++i];
  else if (args[i] === '--backend') backend = args[++i];
  else dirs.push(args[i]);
}
if (dirs.length === 0 || (json !== null && !json)) {
  console.error('usage: node scripts/onnx-conformance.mjs DIR... [--json FILE] [--backend tensorflow|wasm|cpu]');
  process.exit(2);
}
const missing = dirs.filter((d) => !fs.existsSync(d));
if (missing.length) {
  console.error(`no such folder: ${missing.join(', ')}`);
  process.exit(2);
}
const used = await selectBackend(backend);
const cases = await runConformance(dirs, (r) => console.log(formatResult(r)));
const summary = summarise(cases);
console.log(`${formatSummary(summary)} (backend ${used})`);
if (json) fs.writeFileSync(json, JSON.stringify({ backend: used, cases, summary }, null, 2) + '\n');
process.exit(summary.fail > 0 ? 1 : 0);
