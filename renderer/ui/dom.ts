// A tiny element builder: h('button', { class: 'primary', 'data-testid': 'open', onclick }, 'Open').
type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: never) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'class') el.className = String(v);
    else if (k in el && typeof v !== 'string') (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function clear(el: Element): void {
  el.replaceChildren();
}

export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const r = s - m * 60;
  return `${m}:${r.toFixed(2).padStart(5, '0')}`;
}

/**
 * A narrow select cuts its chosen text (a model's full name, a layer with its shape): its tooltip
 * says the whole of it. Set when the pointer or focus arrives, so that options replaced or chosen
 * in code since are told right.
 */
export function titledSelect(sel: HTMLSelectElement): HTMLSelectElement {
  const tell = () => {
    sel.title = sel.selectedOptions[0]?.textContent ?? '';
  };
  sel.addEventListener('mouseenter', tell);
  sel.addEventListener('focus', tell);
  return sel;
}
