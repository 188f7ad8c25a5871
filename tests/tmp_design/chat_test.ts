import { startServer } from "../helpers/server.ts";
import { BROWSER_TEST, clickButton, closeBrowser, launchChromium, newRoomUrl, byRole } from "../helpers/browser.ts";
import { chatMessages, joinedPair, sendChat, waitForMessage } from "../helpers/joined_pair.ts";
Deno.test({ name: "chat debug", ...BROWSER_TEST, fn: async () => {
  const server = await startServer();
  const browser = await launchChromium();
  try {
    const room = await newRoomUrl(server.url);
    const [a, b] = await joinedPair([browser, browser], server.url, room);
    await clickButton(a.page, "Chat");
    await sendChat(a.page, "hello from A");
    await byRole(b.page, "button", "Chat, 1 unread");
    await clickButton(b.page, "Chat, 1 unread");
    await waitForMessage(b.page, "them", /hello from A/);
    await sendChat(b.page, "hi from B");
    await new Promise((r) => setTimeout(r, 2000));
    console.log("A", JSON.stringify(await chatMessages(a.page)));
    console.log("B", JSON.stringify(await chatMessages(b.page)));
    console.log("B text", await b.page.evaluate(() => document.body.innerText));
    console.log("errors", a.errors, b.errors);
  } finally { await closeBrowser(browser); await server.stop(); }
}});
