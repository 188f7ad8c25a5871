import { startServer } from "../helpers/server.ts";
import { BROWSER_TEST, closeBrowser, launchChromium, newRoomUrl, newUser, waitForStatus } from "../helpers/browser.ts";
import { byRole } from "../helpers/screen.ts";
Deno.test({ name: "join find", ...BROWSER_TEST, fn: async () => {
  const server = await startServer();
  const browser = await launchChromium();
  try {
    const room = await newRoomUrl(server.url);
    const a = await newUser(browser, server.url, { name: "A", path: room });
    await waitForStatus(a.page, "Ready to join");
    const el = await byRole(a.page, "button", "Join");
    console.log("found first", await el.evaluate((e) => e.outerHTML));
    for (let i = 0; i < 5; i++) {
      console.log(await el.evaluate((e) => JSON.stringify(e.getBoundingClientRect())));
      await new Promise((r) => setTimeout(r, 100));
    }
    const still = await byRole(a.page, "button", "Join", { still: true, timeoutMs: 3000 });
    console.log("still", !!still);
  } finally { await closeBrowser(browser); await server.stop(); }
}});
