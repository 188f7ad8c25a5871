/**
 * Finding things as a person does: controls by their role and accessible name ("the button
 * Join", "the textbox Message"), words by what is visibly on the screen. The role and name are
 * computed in the page (explicit `role`, else the element's own; `aria-labelledby`,
 * `aria-label`, its labels, else its text), in Chromium and Firefox alike.
 *
 * @module
 */
import type { ElementHandle, JSHandle, Page } from "puppeteer-core";
import { explained } from "./explain.ts";

/** Where a connection or a first frame may take long on a loaded 2-core machine. */
const DEFAULT_TIMEOUT_MS = 15_000;

/** Options of the waits below. */
export interface WaitOptions {
  /** Default 15 s. */
  timeoutMs?: number;
}

/** A name to find: exactly this text, or text that matches. */
export type Name = string | RegExp;

function pattern(name: Name): { source: string; flags: string } {
  return typeof name === "string"
    ? { source: `^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, flags: "" }
    : { source: name.source, flags: name.flags };
}

/**
 * Runs in the page: the visible elements of `role` whose accessible name matches, the first of
 * them (or false) with `which` "first", or all of them with "all". With "still", the first only once
 * it holds still between two polls (a layout that shifts as a camera starts would make a click
 * miss it). Serialized by puppeteer: it uses nothing from outside its own body (the page's CSP
 * forbids building code there).
 */
function findByRole(
  role: string,
  source: string,
  flags: string,
  which: string,
): Element | Element[] | false {
  const implicit = (el: Element): string => {
    const tag = el.tagName.toLowerCase();
    const type = (el as HTMLInputElement).type;
    const named = el.hasAttribute("aria-label") || el.hasAttribute("aria-labelledby");
    const roles: Record<string, string> = {
      button: "button",
      a: el.hasAttribute("href") ? "link" : "generic",
      select: "combobox",
      textarea: "textbox",
      meter: "meter",
      dialog: "dialog",
      main: "main",
      aside: "complementary",
      nav: "navigation",
      section: named ? "region" : "generic",
      h1: "heading",
      h2: "heading",
      h3: "heading",
      li: "listitem",
      progress: "progressbar",
      input: ["button", "submit", "reset", "file"].includes(type)
        ? "button"
        : type === "checkbox" || type === "radio"
        ? type
        : "textbox",
    };
    return roles[tag] ?? "generic";
  };
  const nameOf = (el: Element): string => {
    const squash = (text: string | null | undefined) => (text ?? "").replace(/\s+/g, " ").trim();
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      return squash(
        by.split(/\s+/).map((id) => document.getElementById(id)?.textContent).join(" "),
      );
    }
    const label = el.getAttribute("aria-label");
    if (label) return squash(label);
    const labels = (el as HTMLInputElement).labels;
    if (labels?.length) return squash([...labels].map((l) => l.textContent).join(" "));
    if (el.tagName === "INPUT" || el.tagName === "SELECT") return squash(el.getAttribute("title"));
    return squash(el.textContent);
  };
  const visible = (el: Element) =>
    !el.closest("[hidden], [inert]") && el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== "hidden";
  const matches = new RegExp(source, flags);
  const found = [...document.querySelectorAll("*")].filter((el) =>
    (el.getAttribute("role")?.split(/\s+/)[0] ?? implicit(el)) === role && visible(el) &&
    matches.test(nameOf(el))
  );
  if (which === "all") return found;
  // What holds still is what a person can press: disabled controls are passed over.
  const first =
    (which === "still"
      ? found.find((el) =>
        !(el as HTMLButtonElement).disabled && el.getAttribute("aria-disabled") !== "true"
      )
      : found[0]) as (Element & { lastRect?: string }) | undefined;
  if (!first) return false;
  if (which === "first") return first;
  // Brought into view as a person scrolls to it, then pressed once it stays put (a list that
  // draws only what is in view may move it).
  first.scrollIntoView({ block: "nearest" });
  const rect = JSON.stringify(first.getBoundingClientRect());
  const still = first.lastRect === rect;
  first.lastRect = rect;
  return still ? first : false;
}

/** Waits for the first visible element of `role` named `name`; resolves with it. */
export async function byRole(
  page: Page,
  role: string,
  name: Name,
  options: WaitOptions & { still?: boolean } = {},
): Promise<ElementHandle<Element>> {
  const { source, flags } = pattern(name);
  const handle = await explained(page, `no ${role} named ${name}`, () =>
    page.waitForFunction(
      findByRole,
      { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, polling: 100 },
      role,
      source,
      flags,
      options.still ? "still" : "first",
    ));
  return handle as ElementHandle<Element>;
}

/** Whether a visible element of `role` named `name` is on the page now. */
export async function hasRole(page: Page, role: string, name: Name): Promise<boolean> {
  const { source, flags } = pattern(name);
  return await page.evaluate(findByRole, role, source, flags, "first") !== false;
}

/** The accessible names of the visible elements of `role` (named anything, or `name`). */
export async function namesOf(page: Page, role: string, name: Name = /.*/): Promise<string[]> {
  const { source, flags } = pattern(name);
  const found = await page.evaluateHandle(findByRole, role, source, flags, "all") as JSHandle<
    Element[]
  >;
  try {
    return await page.evaluate(
      (elements: Element[]) =>
        elements.map((el) =>
          (el.getAttribute("aria-label") ?? el.textContent ?? "").replace(/\s+/g, " ").trim()
        ),
      found,
    );
  } finally {
    await found.dispose();
  }
}

/**
 * Waits for the enabled, visible button named `name` to hold still, and clicks it (another
 * role with `role`: "menuitem", "link", ...).
 */
export async function clickButton(
  page: Page,
  name: Name,
  options: WaitOptions & { role?: string } = {},
): Promise<void> {
  const role = options.role ?? "button";
  const element = await byRole(page, role, name, { ...options, still: true });
  try {
    await element.click();
  } finally {
    await element.dispose();
  }
}

/**
 * Words to find anywhere in a text, as a pattern's source and flags to pass into the page
 * ({@linkcode pattern} is a whole accessible name).
 */
function containing(expected: string | RegExp): { source: string; flags: string } {
  return typeof expected === "string"
    ? { source: expected.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), flags: "" }
    : expected;
}

/**
 * What the screen shows in words now (hidden parts left out), squashed to one line. Names come
 * isolated (U+2066…U+2069, invisible): what a person reads has none.
 */
export async function screenText(page: Page): Promise<string> {
  return await page.evaluate(() =>
    document.body.innerText.replace(/[\u2066-\u2069]/g, "").replace(/\s+/g, " ").trim()
  );
}

/** Waits until the screen shows `expected` (words, or a pattern); resolves with all it shows. */
export async function waitForScreenText(
  page: Page,
  expected: string | RegExp,
  options: WaitOptions = {},
): Promise<string> {
  const { source, flags } = containing(expected);
  await explained(page, `the screen never showed ${expected}`, () =>
    page.waitForFunction(
      (s: string, f: string) =>
        new RegExp(s, f).test(
          document.body.innerText.replace(/[\u2066-\u2069]/g, "").replace(/\s+/g, " "),
        ),
      { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, polling: 100 },
      source,
      flags,
    ));
  return await screenText(page);
}

/** Waits until the call's status (the live region `#status`) says `expected`. */
export async function waitForStatus(
  page: Page,
  expected: string | RegExp,
  options: WaitOptions = {},
): Promise<string> {
  const { source, flags } = containing(expected);
  await explained(page, `the status never said ${expected}`, () =>
    page.waitForFunction(
      (s: string, f: string) =>
        new RegExp(s, f).test(document.querySelector("[role=status]#status")?.textContent ?? ""),
      { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, polling: 100 },
      source,
      flags,
    ));
  return await statusText(page);
}

/** What the call's status says now. */
export async function statusText(page: Page): Promise<string> {
  return await page.evaluate(() =>
    document.querySelector("[role=status]#status")?.textContent?.trim() ?? ""
  );
}

/**
 * Waits until the screen's card (a call that ended or cannot start: the main region while no
 * call is on) says `expected`; resolves with what the card says.
 */
export async function waitForAlert(
  page: Page,
  expected: string | RegExp,
  options: WaitOptions = {},
): Promise<string> {
  const { source, flags } = containing(expected);
  const card = await explained(page, `no card said ${expected}`, () =>
    page.waitForFunction(
      (s: string, f: string) => {
        const regions = [
          ...document.querySelectorAll<HTMLElement>("main section[aria-labelledby]"),
        ];
        const texts = regions.map((r) =>
          r.innerText.replace(/[\u2066-\u2069]/g, "").replace(/\s+/g, " ").trim()
        );
        return texts.find((text) => new RegExp(s, f).test(text)) ?? false;
      },
      { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, polling: 100 },
      source,
      flags,
    ));
  return String(await card.jsonValue());
}

/** The accessible name of the element with keyboard focus ("" for none). */
export async function focusedName(page: Page): Promise<string> {
  return await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "";
    return (el.getAttribute("aria-label") ?? el.textContent ?? "").replace(/\s+/g, " ").trim();
  });
}

/** Whether the toggle button named `name` is pressed (`aria-pressed`). */
export async function isPressed(page: Page, name: Name): Promise<boolean> {
  const button = await byRole(page, "button", name);
  try {
    return await button.evaluate((b) => b.getAttribute("aria-pressed") === "true");
  } finally {
    await button.dispose();
  }
}

/**
 * Presses Join once the pre-join screen allows it and the camera preview, if any, is showing
 * (as a person would, having seen themselves).
 */
export async function pressJoin(page: Page, options: WaitOptions = {}): Promise<void> {
  await explained(page, "the camera preview never showed", () =>
    page.waitForFunction(
      () => {
        const video = document.getElementById("local-video") as HTMLVideoElement | null;
        return video !== null && (video.hidden || !video.srcObject || video.videoWidth > 0);
      },
      { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, polling: 100 },
    ));
  await clickButton(page, "Join", options);
}

/** Opens the More menu and chooses `item`. */
export async function chooseFromMenu(page: Page, item: Name): Promise<void> {
  await clickButton(page, "More options");
  await clickButton(page, item, { role: "menuitem" });
}

/**
 * What the call's notice says ("" when there is none): the status pill at the top of the stage
 * for the server away, media starting or refused, the other person away.
 */
export async function noticeText(page: Page): Promise<string> {
  return await page.evaluate(() =>
    document.querySelector<HTMLElement>('[data-pill="notice"]:not([hidden])')?.innerText.replace(
      /[\u2066-\u2069]/g,
      "",
    ).trim() ??
      ""
  );
}

/** Waits until the call's notice says `expected` (`""`: until there is none). */
export async function waitForNotice(
  page: Page,
  expected: string | RegExp,
  options: WaitOptions = {},
): Promise<string> {
  const { source, flags } = expected === "" ? { source: "^$", flags: "" } : containing(expected);
  await explained(
    page,
    `the notice never said ${JSON.stringify(String(expected))}`,
    () =>
      page.waitForFunction(
        (s: string, f: string) => {
          const pill = document.querySelector<HTMLElement>('[data-pill="notice"]:not([hidden])');
          return new RegExp(s, f).test(
            pill?.innerText.replace(/[\u2066-\u2069]/g, "").trim() ?? "",
          );
        },
        { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, polling: 50 },
        source,
        flags,
      ),
  );
  return await noticeText(page);
}
