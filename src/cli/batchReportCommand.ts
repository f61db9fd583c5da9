// `l2caf batch-report DIR`: every item of a batch output folder merged (src/batch/report.ts) into
// JSON ({items, summary}), CSV and a self-contained HTML page; a one-line summary on stdout.
import { Command } from 'commander';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { buildReport, gatherItems, reportWarnings } from '../batch/report.js';
import { reportCsv } from '../batch/reportCsv.js';
import { reportHtml } from '../batch/reportHtml.js';
import { isBatchOutput, OUTPUT_MARKER } from '../batch/outputMarker.js';
import { UsageError } from '../engine/targets.js';
import { checkOutputs, JSON_EXT, CSV_EXT } from './outputChecks.js';
import { writeJsonAtomic, writeTextAtomic } from '../fs/writeJson.js';
import { printWritten } from './wrote.js';

interface ReportCliOptions {
  json?: string;
  csv?: string;
  html?: string;
}

export function batchReportCommand(): Command {
  return new Command('batch-report')
    .description('merge the items of a `l2caf batch` output folder: status, numbers, thumbnails')
    .argument('<dir>', 'the folder given to `l2caf batch --out`')
    .option('--json <file>', 'write {items, summary} as JSON ("-" for stdout)')
    .option('--csv <file>', 'write one row per item as CSV ("-" for stdout)')
    .option('--html <file>', 'write a self-contained HTML page (thumbnails and sparklines inline)')
    .action(async (dir: string, o: ReportCliOptions) => {
      const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`${dir}: cannot read the folder (${e.code ?? e.message})`);
      });
      // (a folder of one's images would report "0 items", as if a run had found nothing)
      if (!(await isBatchOutput(dir, entries))) throw new UsageError(`${dir}: not an output folder of l2caf batch (no ${OUTPUT_MARKER}, no item folders): give the folder named by its --out`);
      // the item folders are what the report reads (a report may be written into DIR itself, and again)
      const itemFolders = entries.filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
      await checkOutputs(itemFolders, [
        { file: o.json, what: 'report JSON', extensions: JSON_EXT },
        { file: o.csv, what: 'report CSV', extensions: CSV_EXT },
        { file: o.html, what: 'report HTML', extensions: ['.html', '.htm'] },
      ]);
      const report = buildReport(await gatherItems(dir));
      if (o.json) await writeJsonAtomic(o.json, report);
      if (o.csv) await writeTextAtomic(o.csv, reportCsv(report));
      if (o.html) await writeTextAtomic(o.html, reportHtml(report, `l2caf batch report: ${dir}`));
      if (![o.json, o.csv, o.html].includes('-')) {
        const s = report.summary;
        process.stdout.write(`${s.items} items: ${s.done} done, ${s.failed} failed, ${s.pending} pending${s.damaged ? ` (${s.damaged} damaged)` : ''} (${s.frames} frames, ${s.slices} slices, ${s.images} images)\n`);
      }
      for (const w of reportWarnings(report)) process.stderr.write(`batch-report: warning: ${w}\n`);
      printWritten([o.json, o.csv, o.html]);
    });
}
