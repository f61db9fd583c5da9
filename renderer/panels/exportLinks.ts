// What a finished export offers to download where the host cannot take its timeline files along
// with the clip (the browser: one file per download). The clip downloads by itself, but it gets a
// link too: a browser may ask first, or block, a download that no click started (a second export's
// among them). The timeline files download by their own handles, from links (a click each, so no
// browser blocks them). A PNG sequence is one ZIP that holds its timeline already.
import type { ExportResult } from '../../src/contract/index.js';

export interface ExportLink {
  /** which file: the export itself or one of its timeline files (the link's data-testid says it) */
  part: 'clip' | 'json' | 'csv';
  /** the name it is saved under (the server's Content-Disposition gives the same) */
  name: string;
  /** its download handle */
  download: string;
}

/** Pure: a path's last component, either separator (the service may run on Windows). */
function baseName(p: string): string {
  return p.split(/[\\/]/).filter(Boolean).pop() ?? p;
}

/** Pure: the links for a finished export; `folder`: a PNG sequence, downloaded as one ZIP. */
export function exportLinks(result: ExportResult, folder: boolean): ExportLink[] {
  const links: ExportLink[] = [{ part: 'clip', name: folder ? `${result.name}.zip` : result.name, download: result.download }];
  if (!folder && result.sidecars && result.sidecarDownloads) {
    links.push({ part: 'json', name: baseName(result.sidecars.json), download: result.sidecarDownloads.json });
    links.push({ part: 'csv', name: baseName(result.sidecars.csv), download: result.sidecarDownloads.csv });
  }
  return links;
}
