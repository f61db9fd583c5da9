// Searching the model's labels for the class picker. Pure (tested in test/renderer).

export interface ClassChoice {
  index: number;
  label: string;
}

/**
 * Pure: labels matching the query, best first: a class index ("173" or "#173", as the picker shows
 * it) first, then labels where every word of the query starts a word of the label (any order:
 * "tabby cat", "cat tabby"), then labels holding the query anywhere; case-insensitive.
 */
export function searchLabels(labels: readonly string[], query: string, limit = 30): ClassChoice[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const byIndex: ClassChoice[] = [];
  const asIndex = /^#?(\d+)$/.exec(q);
  if (asIndex) {
    const i = Number(asIndex[1]);
    if (i < labels.length) byIndex.push({ index: i, label: labels[i]! });
  }
  const words = q.split(/[\s,]+/).filter(Boolean);
  const starts: ClassChoice[] = [];
  const contains: ClassChoice[] = [];
  labels.forEach((label, index) => {
    if (byIndex[0]?.index === index) return;
    const l = label.toLowerCase();
    const lw = l.split(/[\s,]+/);
    if (words.every((w) => lw.some((x) => x.startsWith(w)))) starts.push({ index, label });
    else if (l.includes(q)) contains.push({ index, label });
  });
  return [...byIndex, ...starts, ...contains].slice(0, limit);
}
