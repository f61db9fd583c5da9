// Styles set through the CSSOM (element.style): the app's Content-Security-Policy allows only its
// own style sheets ('self'), which blocks <style> elements and style attributes, but not this.
export type Styles = Partial<Record<keyof CSSStyleDeclaration & string, string>>;

export function css<E extends HTMLElement>(el: E, styles: Styles): E {
  for (const [k, v] of Object.entries(styles)) (el.style as unknown as Record<string, string>)[k] = v as string;
  return el;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  styles: Styles = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'testid') e.dataset.testid = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  css(e, styles);
  e.append(...children);
  return e;
}
