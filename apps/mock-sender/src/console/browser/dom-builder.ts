// every piece of data reaches the page as a text node or an attribute value, never as markup

export type Child = Node | string | number | null | undefined | false;
export type Attributes = Record<string, string | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) {
      element.setAttribute(name, '');
    } else if (typeof value === 'string') {
      element.setAttribute(name, value);
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) {
    throw new Error(`the page has no #${id} of the expected kind`);
  }
  return element;
}

/** re-renders `container` and gives focus back to the control that had it (matched by data-focus-key) */
export function keepingFocus(container: HTMLElement, render: () => void): void {
  const active = document.activeElement;
  const key =
    active instanceof HTMLElement && container.contains(active) ? active.dataset.focusKey : undefined;
  render();
  if (key !== undefined) {
    const again = Array.from(container.querySelectorAll<HTMLElement>('[data-focus-key]')).find(
      (element) => element.dataset.focusKey === key,
    );
    again?.focus();
  }
}
