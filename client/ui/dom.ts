/**
 * Building the page's DOM from code: {@linkcode h} makes an element with its properties,
 * attributes and children in one call, so a view reads like the markup it makes. No virtual DOM:
 * a view makes its elements once and changes the few that change when its data does.
 *
 * @module
 */

/** What can be a child: nodes, text, nothing (null, false, undefined), or lists of these. */
export type Child = Node | string | null | false | undefined | readonly Child[];

/**
 * Properties of the element (`className`, `hidden`, `onclick`, `type`, ...), or attributes where
 * the element has no property of that name (`aria-*`, `data-*`, `role`, `for`).
 */
export type Props = Record<string, unknown>;

/** The element `tag` with `props` and `children`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null) continue;
    if (name.includes("-") || !(name in element)) element.setAttribute(name, String(value));
    else (element as unknown as Record<string, unknown>)[name] = value;
  }
  element.append(...nodes(children));
  return element;
}

/** `children` as nodes to append. */
export function nodes(children: readonly Child[]): (Node | string)[] {
  return (children as Child[]).flat(9).filter((c) =>
    c !== null && c !== false && c !== undefined
  ) as (
    | Node
    | string
  )[];
}

/** Sets `element`'s text when it differs (a live region then speaks only real changes). */
export function text(element: Element, value: string): void {
  if (element.textContent !== value) element.textContent = value;
}

/** Sets an attribute when it differs; `null` removes it. */
export function attr(element: Element, name: string, value: string | null): void {
  if (value === null) element.removeAttribute(name);
  else if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

/** Listens to `type` on `target` until the returned function is called. */
export function listen<K extends keyof WindowEventMap>(
  target: Window | Document | HTMLElement,
  type: K,
  listener: (event: WindowEventMap[K]) => void,
  options?: AddEventListenerOptions,
): () => void {
  target.addEventListener(type, listener as EventListener, options);
  return () => target.removeEventListener(type, listener as EventListener, options);
}
