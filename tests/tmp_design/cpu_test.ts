import { startServer } from "../helpers/server.ts";
import { BROWSER_TEST, closeBrowser, launchChromium, LIVE, newRoomUrl, newUser, pressJoin, waitForRemoteFrames, waitForStatus } from "../helpers/browser.ts";
Deno.test({ name: "cpu", ...BROWSER_TEST, fn: async () => {
  const server = await startServer();
  const browser = await launchChromium();
  try {
    const room = await newRoomUrl(server.url);
    const a = await newUser(browser, server.url, { name: "A", path: room });
    await waitForStatus(a.page, "Ready to join");
    const m = async (label: string) => {
      const x = await a.page.metrics();
      await new Promise((r) => setTimeout(r, 5000));
      const y = await a.page.metrics();
      console.log(label, "script s/s", ((y.ScriptDuration! - x.ScriptDuration!) / 5).toFixed(3), "task s/s", ((y.TaskDuration! - x.TaskDuration!) / 5).toFixed(3), "layouts", (y.LayoutCount! - x.LayoutCount!) / 5, "styles", (y.RecalcStyleCount! - x.RecalcStyleCount!) / 5);
    };
    await m("prejoin");
    const b = await newUser(browser, server.url, { name: "B", path: room });
    await pressJoin(a.page); await pressJoin(b.page);
    await waitForRemoteFrames(a.page, LIVE);
    await m("call");
  } finally { await closeBrowser(browser); await server.stop(); }
}});
