// A small RFC 4180 CSV reader for the ground-truth files (boxes.csv, track.csv): quoted fields,
// doubled quotes, CRLF, comment lines (#) and blank lines skipped. Pure.

/** Rows of fields with the 1-based line number each row starts on (for error messages). */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const rows: { line: number; fields: string[] }[] = [];
  let field = '';
  let fields: string[] = [];
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let any = false;
  const endRow = () => {
    fields.push(field);
    const blank = fields.length === 1 && fields[0]!.trim() === '';
    if (!blank && !fields[0]!.trimStart().startsWith('#')) rows.push({ line: rowLine, fields: fields.map((f) => f.trim()) });
    fields = [];
    field = '';
    any = false;
  };
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (!any) rowLine = line;
    any = true;
    if (ch === '"' && field.trim() === '') {
      field = '';
      quoted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n') {
      endRow();
      line++;
    } else if (ch !== '\r') field += ch;
  }
  if (quoted) throw new Error(`unterminated quoted field starting on line ${rowLine}`);
  if (any) endRow();
  return rows;
}

/** parseCsv for the contents of `file`: a syntax error names the file. */
export function parseCsvFile(text: string, file: string): { line: number; fields: string[] }[] {
  try {
    return parseCsv(text);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}
