import { startServer } from "../helpers/server.ts";
import {
  BROWSER_TEST,
  closeBrowser,
  launchChromium,
  LIVE,
  newRoomUrl,
  newUser,
  waitForRemoteFrames,
} from "../helpers/browser.ts";
const OUT = "/tmp/parley-design/shots";
Deno.test({
  name: "look",
  ...BROWSER_TEST,
  fn: async () => {
    const server = await startServer();
    const browser = await launchChromium();
    try {
      const room = await newRoomUrl(server.url);
      const a = await newUser(browser, server.url, {
        name: "A",
        viewport: { width: 1280, height: 800 },
      });
      a.page.on("console", (m) => console.log("A console", m.type(), m.text()));
      await a.page.goto(room);
      await new Promise((r) => setTimeout(r, 2500));
      await a.page.screenshot({ path: `${OUT}/prejoin-desktop.png` });
      await a.page.setViewport({ width: 390, height: 844 });
      await new Promise((r) => setTimeout(r, 500));
      await a.page.screenshot({ path: `${OUT}/prejoin-phone.png` });
      await a.page.setViewport({ width: 1280, height: 800 });
      await a.page.type("#display-name", "Ada");
      await a.page.click("#join");
      await new Promise((r) => setTimeout(r, 2000));
      await a.page.screenshot({ path: `${OUT}/waiting-desktop.png` });
      const b = await newUser(browser, server.url, {
        name: "B",
        viewport: { width: 1280, height: 800 },
      });
      await b.page.goto(room);
      await new Promise((r) => setTimeout(r, 2000));
      await b.page.click("#join");
      await waitForRemoteFrames(a.page, LIVE);
      await new Promise((r) => setTimeout(r, 1500));
      await a.page.screenshot({ path: `${OUT}/call-desktop-a.png` });
      await b.page.screenshot({ path: `${OUT}/call-desktop-b.png` });
      console.log("errors", a.errors, b.errors);
    } finally {
      await closeBrowser(browser);
      await server.stop();
    }
  },
});
