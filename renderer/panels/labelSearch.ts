// Searching the model's labels for the class picker. Pure (tested in test/renderer).

export interface ClassChoice {
  index: number;
  label: string;
}

/** Pure: labels matching the query (case-insensitive, any word start or substring), best first. */
export function searchLabels(labels: readonly string[], query: string, limit = 30): ClassChoice[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const starts: ClassChoice[] = [];
  const contains: ClassChoice[] = [];
  labels.forEach((label, index) => {
    const l = label.toLowerCase();
    if (l.startsWith(q) || l.split(/[\s,]+/).some((w) => w.startsWith(q))) starts.push({ index, label });
    else if (l.includes(q)) contains.push({ index, label });
  });
  return [...starts, ...contains].slice(0, limit);
}

