// Reads the attributes of a TF NodeDef as the TF.js converter writes them in a graph model's
// model.json (protobuf JSON): strings are base64 ("s"), integers are decimal strings ("i"), lists
// sit under "list". Pure, so the decoding is unit-tested without a model.

/** One attribute value as stored in model.json. */
export interface AttrValue {
  s?: string | number[];
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { s?: (string | number[])[]; i?: (string | number)[]; f?: number[]; b?: boolean[]; type?: string[] };
  shape?: unknown;
  tensor?: unknown;
  func?: unknown;
}

export type Attrs = Record<string, AttrValue>;

function decodeString(v: string | number[]): string {
  // The converter's JSON holds bytes as base64; some writers emit a byte array instead.
  if (Array.isArray(v)) return String.fromCharCode(...v);
  return Buffer.from(v, 'base64').toString('utf8');
}

export function attrString(attrs: Attrs | undefined, name: string, def: string): string {
  const v = attrs?.[name]?.s;
  return v == null ? def : decodeString(v);
}

export function attrStrings(attrs: Attrs | undefined, name: string): string[] {
  const v = attrs?.[name]?.list?.s;
  return v ? v.map(decodeString) : [];
}

export function attrInt(attrs: Attrs | undefined, name: string, def: number): number {
  const v = attrs?.[name]?.i;
  return v == null ? def : Number(v);
}

export function attrInts(attrs: Attrs | undefined, name: string, def: number[]): number[] {
  const v = attrs?.[name]?.list?.i;
  return v == null || v.length === 0 ? def : v.map(Number);
}

export function attrFloat(attrs: Attrs | undefined, name: string, def: number): number {
  const v = attrs?.[name]?.f;
  return v == null ? def : Number(v);
}

export function attrBool(attrs: Attrs | undefined, name: string, def: boolean): boolean {
  const v = attrs?.[name]?.b;
  return v == null ? def : Boolean(v);
}
