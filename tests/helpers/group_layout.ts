/**
 * Helpers for the group call's pictures on each screen: the problems a designer would see in the
 * grid of tiles (and in the strip beside a shared screen), checked on a desktop, an upright phone,
 * a phone on its side and in dark.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { layoutProblems, VIEWPORTS } from "./layout.ts";

/**
 * The tiles of the other people as laid out on `page`: the problems a designer would see (the
 * layout check's, tiles overlapping each other, the tiles together under half the screen).
 */
export async function gridProblems(page: Page): Promise<string[]> {
  const problems = await layoutProblems(page);
  // Every tile shown, yours too: yours over someone's picture is an overlap.
  const tiles = await page.$$eval(".tile:not([hidden])", (els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    }));
  const { width, height } = page.viewport()!;
  let area = 0;
  tiles.forEach((a, i) => {
    area += (a.right - a.left) * (a.bottom - a.top);
    for (const b of tiles.slice(i + 1)) {
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 1 && y > 1) problems.push("two tiles overlap");
    }
  });
  if (area / (width * height) < 0.5) {
    problems.push(`the tiles take ${Math.round((100 * area) / (width * height))}% of the screen`);
  }
  return [...problems, ...await bandProblems(page)];
}

/**
 * The camera pictures that leave most of their tile empty: a wide picture shrunk into a tall tile
 * shows as a thin band between two dark ones. Each camera picture, as drawn (`object-fit`), must
 * cover at least half of its tile. A shared screen keeps its shape whatever its tile.
 */
async function bandProblems(page: Page): Promise<string[]> {
  return await page.$$eval(
    ".tile:not([hidden]):not([data-presenting=true]) video",
    (videos) =>
      videos.flatMap((video) => {
        const { videoWidth: w, videoHeight: h } = video;
        const tile = video.closest(".tile")!.getBoundingClientRect();
        if (!w || !h || !tile.width || !tile.height || video.closest("[hidden]")) return [];
        const cover = getComputedStyle(video).objectFit === "cover";
        const scale = (cover ? Math.max : Math.min)(tile.width / w, tile.height / h);
        const drawn = Math.min(w * scale, tile.width) * Math.min(h * scale, tile.height);
        const share = Math.round((100 * drawn) / (tile.width * tile.height));
        return share < 50
          ? [`${video.getAttribute("aria-label")} fills ${share}% of its tile`]
          : [];
      }),
  );
}

/**
 * `page` on a desktop, an upright phone, a phone on its side and in dark, with no problem `check`
 * finds on any; pictured as docs/screens/`name`-….png when UPDATE_SCREENSHOTS=1.
 */
export async function onEachScreen(
  page: Page,
  name: string,
  check: (page: Page) => Promise<string[]>,
): Promise<void> {
  const shots = Deno.env.get("UPDATE_SCREENSHOTS") === "1";
  for (const shot of ["desktop", "phone", "landscape", "dark"] as const) {
    await page.setViewport(VIEWPORTS[shot === "dark" ? "desktop" : shot]);
    await page.evaluate(
      (t) => (document.documentElement.dataset.theme = t),
      shot === "dark" ? "dark" : "light",
    );
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    assert.deepEqual(await check(page), [], `${name} on ${shot}`);
    const path = new URL(`../../docs/screens/${name}-${shot}.png`, import.meta.url).pathname;
    if (shots) await page.screenshot({ path });
  }
  await page.evaluate(() => (document.documentElement.dataset.theme = "light"));
  await page.setViewport(VIEWPORTS.desktop);
}

/**
 * The grid's problems while `presenter` shares a screen, and the screen not taking the stage: no
 * tile shows it, or a person's tile is more than a third of its size.
 */
export async function stripProblems(page: Page, presenter: string): Promise<string[]> {
  const problems = await gridProblems(page);
  const tiles = await page.$$eval(".tile:not([hidden])", (els, label) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return {
        screen: el.querySelector(`video[aria-label="${label}"]`) !== null,
        area: r.width * r.height,
      };
    }), `${presenter}'s screen`);
  const screen = tiles.find((tile) => tile.screen);
  if (!screen) return [...problems, `no tile shows ${presenter}'s screen`];
  for (const tile of tiles.filter((tile) => !tile.screen)) {
    const share = Math.round((100 * tile.area) / screen.area);
    if (share * 3 > 100) problems.push(`a person's tile is ${share}% of the screen's`);
  }
  return problems;
}
