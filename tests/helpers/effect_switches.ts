/**
 * The switches of noise suppression and background blur as a person finds them: on the pre-join
 * screen a round button whose name says its state ("Blur background, on"), in the call an item of
 * the More menu with a check ("Blur background"), each with a description where it cannot be
 * used; and what runs, as your own tile's name tag says it ("You · noise reduced · blurred").
 *
 * @module
 */
import type { ElementHandle, Page } from "puppeteer-core";
import { explained } from "./explain.ts";
import { byRole, clickButton } from "./screen.ts";

/** A switch as a person (or a screen reader) meets it. */
export interface SwitchState {
  name: string;
  /** `aria-pressed` on the pre-join screen, `aria-checked` in the menu. */
  on: boolean;
  disabled: boolean;
  /** What it says besides its name (its `aria-describedby`), or null. */
  description: string | null;
}

function readSwitch(element: ElementHandle<Element>): Promise<SwitchState> {
  return element.evaluate((el) => {
    const ids = el.getAttribute("aria-describedby")?.split(/\s+/) ?? [];
    const notes = ids.map((id) => document.getElementById(id)).filter((n) =>
      n && !n.closest("[hidden]") && n.textContent
    );
    return {
      name: (el.getAttribute("aria-label") ?? el.textContent ?? "").trim(),
      on: (el.getAttribute("aria-pressed") ?? el.getAttribute("aria-checked")) === "true",
      disabled: (el as HTMLButtonElement).disabled || el.getAttribute("aria-disabled") === "true",
      description: notes.length ? notes.map((n) => n!.textContent).join(" ") : null,
    };
  });
}

/** The pre-join screen's switch named `label` and its state ("Blur background, on"). */
export async function prejoinSwitch(page: Page, label: string): Promise<SwitchState> {
  const button = await byRole(page, "button", new RegExp(`^${label}, (on|off)$`));
  try {
    return await readSwitch(button);
  } finally {
    await button.dispose();
  }
}

/** Presses the pre-join screen's switch named `label` (on or off). */
export async function pressPrejoinSwitch(page: Page, label: string): Promise<void> {
  await clickButton(page, new RegExp(`^${label}, (on|off)$`));
}

/** Opens the call's More menu, reads the item `label`, and closes the menu again. */
export async function menuSwitch(page: Page, label: string): Promise<SwitchState> {
  await clickButton(page, "More options");
  const item = await byRole(page, "menuitemcheckbox", label);
  try {
    return await readSwitch(item);
  } finally {
    await item.dispose();
    await page.keyboard.press("Escape");
  }
}

/** Switches `label` on or off from the call's More menu. */
export async function toggleFromMenu(page: Page, label: string): Promise<void> {
  await clickButton(page, "More options");
  await clickButton(page, label, { role: "menuitemcheckbox" });
}

/** What your own tile's name tag says now ("You · blurred"), or "" without one. */
export async function ownTag(page: Page): Promise<string> {
  return await page.evaluate(() =>
    document.querySelector(".tile.self .name-tag")?.textContent?.trim() ?? ""
  );
}

/**
 * Waits until your own tile's name tag says `mark` runs ("noise reduced", "blurred"), or with
 * `running` false, until it no longer does.
 */
export async function waitForMark(
  page: Page,
  mark: string,
  options: { running?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const running = options.running ?? true;
  await explained(
    page,
    `your tile never said${running ? "" : " no longer"} "${mark}"`,
    () =>
      page.waitForFunction(
        (mark: string, running: boolean) => {
          const tag = document.querySelector(".tile.self .name-tag")?.textContent ?? "";
          return tag.split(" · ").includes(mark) === running;
        },
        { timeout: options.timeoutMs ?? 60_000, polling: 200 },
        mark,
        running,
      ),
  );
}
