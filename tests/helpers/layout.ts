/**
 * A layout check of whatever the page shows, as a designer would look at it at one screen size:
 * nothing scrolls sideways, no control overlaps another or is cut off by the screen, controls are
 * big enough to touch on a phone, and in a call the other person's picture keeps its room and
 * the phone's controls stay in one row. Each problem is one line, naming the controls.
 *
 * @module
 */
import type { Page } from "puppeteer-core";

/** What the check expects of the screen it looks at. */
export interface LayoutExpectations {
  /** A call with the other person here: their picture takes at least half the screen. */
  picture?: "half" | "visible";
  /** The call's control bar must fit in one row. */
  oneRowOfControls?: boolean;
}

/** The sizes every screen is checked at. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  large: { width: 1920, height: 1080 },
  phone: { width: 390, height: 844 },
  "small-phone": { width: 360, height: 640 },
  landscape: { width: 844, height: 390 },
} as const;

/** The problems of the page as it is laid out now ([] when there are none). */
export async function layoutProblems(
  page: Page,
  expect: LayoutExpectations = {},
): Promise<string[]> {
  return await page.evaluate(inPage, expect.picture ?? null, expect.oneRowOfControls ?? false);
}

/** Runs in the page (serialized by puppeteer: nothing from outside its body). */
function inPage(picture: "half" | "visible" | null, oneRow: boolean): string[] {
  const problems: string[] = [];
  const width = innerWidth;
  const height = innerHeight;
  const phone = Math.min(width, height) < 600;
  const describe = (el: Element) => {
    const name = el.getAttribute("aria-label") ?? (el.textContent ?? "").trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${name ? ` "${name}"` : ""}`;
  };
  const visible = (el: Element) => {
    if (el.closest("[hidden], [inert]")) return false;
    const style = getComputedStyle(el);
    return el.getClientRects().length > 0 && style.visibility !== "hidden" &&
      Number(style.opacity) > 0;
  };
  const scrolls = (el: Element) => {
    for (let at = el.parentElement; at; at = at.parentElement) {
      const overflow = getComputedStyle(at).overflowY;
      if ((overflow === "auto" || overflow === "scroll") && at.scrollHeight > at.clientHeight) {
        return true;
      }
    }
    return false;
  };

  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`scrolls sideways: ${document.documentElement.scrollWidth} px wide in ${width}`);
  }
  const modal = document.querySelector("dialog[open]");
  const controls = [
    ...document.querySelectorAll(
      "button, a[href], input:not([type=hidden]), select, textarea, [role^=menuitem]",
    ),
  ].filter((el) =>
    visible(el) && (!modal || modal.contains(el)) && !(el as HTMLInputElement).hidden
  );
  const pageScrolls = document.documentElement.scrollHeight > height + 1;
  const rects = new Map(controls.map((el) => [el, el.getBoundingClientRect()]));
  for (const [el, r] of rects) {
    if (r.left < -1 || r.right > width + 1) {
      problems.push(
        `${describe(el)} is cut off at the side (${Math.round(r.left)}–${Math.round(r.right)})`,
      );
    }
    if (!pageScrolls && !scrolls(el) && (r.top < -1 || r.bottom > height + 1)) {
      problems.push(
        `${describe(el)} is cut off at the top or bottom (${Math.round(r.top)}–${
          Math.round(r.bottom)
        })`,
      );
    }
    // A link inside a sentence is exempt (WCAG 2.5.8); a checkbox counts by its label.
    const inline = el.tagName === "A" && el.closest("p, li, dd") &&
      !el.classList.contains("button");
    const target = el.matches("input[type=checkbox]") ? el.closest("label") ?? el : el;
    const t = target.getBoundingClientRect();
    if (phone && !inline && (t.width < 43.5 || t.height < 43.5)) {
      problems.push(
        `${describe(el)} is ${Math.round(t.width)}×${Math.round(t.height)} px, under 44 to touch`,
      );
    }
  }
  // What shows of each control: a list that scrolls (the More menu on a short screen) clips what
  // is scrolled out, which a person reaches by scrolling and which covers nothing.
  const shownPart = (el: Element, r: DOMRect) => {
    let { left, top, right, bottom } = r;
    for (let at = el.parentElement; at; at = at.parentElement) {
      const style = getComputedStyle(at);
      if (style.overflowX === "visible" && style.overflowY === "visible") continue;
      const clip = at.getBoundingClientRect();
      left = Math.max(left, clip.left);
      top = Math.max(top, clip.top);
      right = Math.min(right, clip.right);
      bottom = Math.min(bottom, clip.bottom);
    }
    return { left, top, right, bottom };
  };
  const list = [...rects].map(([el, r]) => [el, shownPart(el, r)] as const)
    .filter(([, r]) => r.right > r.left && r.bottom > r.top);
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const [a, ra] = list[i];
      const [b, rb] = list[j];
      if (a.contains(b) || b.contains(a) || a.closest("label")?.contains(b)) continue;
      const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (x > 1 && y > 1) problems.push(`${describe(a)} overlaps ${describe(b)}`);
    }
  }

  if (picture) {
    const tile = document.querySelector(".tile.remote");
    const r = tile?.getBoundingClientRect();
    const shown = r
      ? Math.max(0, Math.min(r.right, width) - Math.max(r.left, 0)) *
        Math.max(0, Math.min(r.bottom, height) - Math.max(r.top, 0))
      : 0;
    // A panel over it (the phone's sheet) hides part of it.
    const sheet = [...document.querySelectorAll("aside")].find((a) => visible(a));
    const s = sheet?.getBoundingClientRect();
    const covered = r && s && getComputedStyle(sheet!).position === "fixed"
      ? Math.max(0, Math.min(r.right, s.right) - Math.max(r.left, s.left)) *
        Math.max(0, Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top))
      : 0;
    const share = (shown - covered) / (width * height);
    if (picture === "half" && share < 0.5) {
      problems.push(`their picture takes ${Math.round(share * 100)}% of the screen, under half`);
    }
    if (picture === "visible" && share < 0.15) {
      problems.push(`their picture is ${Math.round(share * 100)}% of the screen with a panel open`);
    }
  }
  if (oneRow) {
    const tops = [...document.querySelectorAll("[role=toolbar] button")].filter(visible).map((b) =>
      Math.round(b.getBoundingClientRect().top)
    );
    if (new Set(tops).size > 1) problems.push(`the controls take ${new Set(tops).size} rows`);
    if (phone && tops.length > 5) {
      problems.push(`${tops.length} buttons in the phone's row, over 5`);
    }
  }
  return problems;
}
