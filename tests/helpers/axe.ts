/**
 * Accessibility checks with axe-core (npm:axe-core), injected into the page under test only: the
 * app never ships it. A DevTools evaluation, so the page's CSP does not stop it.
 *
 * @module
 */
import type { Page } from "puppeteer-core";

let source: string | null = null;

/** One rule axe found broken, with where. */
export interface AxeProblem {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** The serious and critical accessibility problems axe-core finds in `page` as it is now. */
export async function seriousAxeProblems(page: Page): Promise<AxeProblem[]> {
  source ??= await Deno.readTextFile(
    new URL("../../node_modules/axe-core/axe.min.js", import.meta.url),
  );
  const loaded = await page.evaluate(() => "axe" in globalThis);
  if (!loaded) await page.evaluate(source);
  return await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const axe = (globalThis as any).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    // deno-lint-ignore no-explicit-any
    return result.violations.filter((v: any) => v.impact === "serious" || v.impact === "critical")
      // deno-lint-ignore no-explicit-any
      .map((v: any) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        // deno-lint-ignore no-explicit-any
        targets: v.nodes.map((n: any) => String(n.target)),
      }));
  });
}
