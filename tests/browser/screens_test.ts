/**
 * Every screen of the app, as a designer would check it, in one Chromium session: the landing
 * page, the connection check, the pre-join screen and its devices dialog, waiting alone, the call
 * (with its More menu, the chat and the details open, a screen shared on both sides), the other
 * person gone, the ends (you left, the room full, the camera refused, the server out of reach),
 * a browser that cannot make calls and a room that does not exist. Each is laid out at five
 * sizes (desktop, large desktop, two phones upright, a phone on its side) in light and dark:
 * nothing scrolls sideways, no control overlaps another or is cut off, touch targets are 44 px
 * on phones, the other person's picture keeps half the screen (and stays visible with a panel
 * open), the phone's controls stay in one row. axe-core finds no serious or critical problem on
 * any of them, in either theme.
 *
 * `UPDATE_SCREENSHOTS=1` writes each screen in four modes (desktop, phone, landscape, dark) to
 * docs/screens/.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { seriousAxeProblems } from "../helpers/axe.ts";
import {
  BROWSER_TEST,
  byRole,
  chooseFromMenu,
  clickButton,
  closeBrowser,
  launchChromium,
  LIVE,
  newRoomUrl,
  newUser,
  pressJoin,
  type User,
  waitForAlert,
  waitForRemoteFrames,
  waitForScreenText,
  waitForStatus,
} from "../helpers/browser.ts";
import { prejoinSwitch } from "../helpers/effect_switches.ts";
import { type LayoutExpectations, layoutProblems, VIEWPORTS } from "../helpers/layout.ts";
import { sendChat } from "../helpers/joined_pair.ts";
import { type RunningServer, startServer } from "../helpers/server.ts";

type Mode = keyof typeof VIEWPORTS;
type Theme = "light" | "dark";

/** The modes a screenshot is taken in: the size, the theme. */
const SHOTS: Record<string, [Mode, Theme]> = {
  desktop: ["desktop", "light"],
  phone: ["phone", "light"],
  landscape: ["landscape", "light"],
  dark: ["desktop", "dark"],
};

const SHOOT = Deno.env.get("UPDATE_SCREENSHOTS") === "1";
const SCREENS_DIR = new URL("../../docs/screens/", import.meta.url).pathname;

async function setTheme(page: Page, theme: Theme): Promise<void> {
  await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
}

/** Lets a resize or a theme settle: two frames. */
async function settled(page: Page): Promise<void> {
  await page.evaluate(() =>
    new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))
  );
}

/**
 * Checks `user`'s screen as it is now at every size and theme (and takes its screenshots when
 * asked); collects every problem in `problems`, with the screen's name.
 */
async function checkScreen(
  user: User,
  name: string,
  problems: string[],
  expect: LayoutExpectations = {},
): Promise<void> {
  const { page } = user;
  for (const theme of ["light", "dark"] as const) {
    await setTheme(page, theme);
    for (
      const [mode, size] of Object.entries(VIEWPORTS) as [Mode, { width: number; height: number }][]
    ) {
      await page.setViewport(size);
      await settled(page);
      // The call's picture owns the screen on every size; panels keep it visible.
      const found = await layoutProblems(page, expect);
      problems.push(...found.map((p) => `${name}, ${mode}, ${theme}: ${p}`));
      const shot = Object.entries(SHOTS).find(([, [m, t]]) => m === mode && t === theme);
      if (SHOOT && shot) {
        await page.screenshot({ path: `${SCREENS_DIR}${name}-${shot[0]}.png` });
      }
    }
    // axe looks at the markup and the colours: one size per theme.
    await page.setViewport(VIEWPORTS.desktop);
    await settled(page);
    const axe = await seriousAxeProblems(page);
    problems.push(...axe.map((p) => `${name}, ${theme}: axe ${p.id} (${p.help}) at ${p.targets}`));
  }
  await setTheme(page, "light");
  await page.setViewport(VIEWPORTS.desktop);
}

Deno.test({
  name: "every screen at five sizes, light and dark: layout and axe-core",
  ...BROWSER_TEST,
  fn: async (t) => {
    let server: RunningServer | undefined = await startServer();
    let browser: Browser | undefined;
    const problems: string[] = [];
    if (SHOOT) await Deno.mkdir(SCREENS_DIR, { recursive: true });
    try {
      browser = await launchChromium({
        args: ["--auto-select-desktop-capture-source=Entire screen"],
      });
      const room = await newRoomUrl(server.url);
      const a = await newUser(browser, server.url, { name: "A", path: "/" });
      await t.step("landing", async () => {
        await byRole(a.page, "button", "Start a call");
        await checkScreen(a, "landing", problems);
      });
      await t.step("no such room", async () => {
        await a.page.goto(new URL("/r/not-a-room", server!.url).href);
        await waitForScreenText(a.page, "No such room");
        await checkScreen(a, "no-room", problems);
      });
      await t.step("connection check", async () => {
        await a.page.goto(new URL("/check", server!.url).href);
        await byRole(a.page, "button", "Check again");
        await a.page.waitForFunction(
          () => document.getElementById("check")?.dataset.done === "true",
          {
            timeout: 30_000,
          },
        );
        await checkScreen(a, "check", problems);
      });

      await a.page.goto(room);
      await t.step("pre-join", async () => {
        await waitForStatus(a.page, "Ready to join");
        await (await byRole(a.page, "textbox", /^Your name/)).type("Ada");
        // The switches of noise suppression and blur come a moment after the screen.
        await prejoinSwitch(a.page, "Reduce background noise");
        await prejoinSwitch(a.page, "Blur background");
        await checkScreen(a, "prejoin", problems);
      });
      await t.step("devices", async () => {
        await clickButton(a.page, "Check your devices");
        await byRole(a.page, "combobox", "Camera");
        await checkScreen(a, "devices", problems);
        await clickButton(a.page, "Done");
      });
      await t.step("waiting alone", async () => {
        await pressJoin(a.page);
        await waitForStatus(a.page, "Waiting for the other person");
        await byRole(a.page, "region", "Waiting for the other person");
        await checkScreen(a, "waiting", problems, { oneRowOfControls: true });
      });

      const b = await newUser(browser, server.url, { name: "B", path: room });
      await (await byRole(b.page, "textbox", /^Your name/)).type("Grace");
      await pressJoin(b.page);
      await Promise.all([waitForRemoteFrames(a.page, LIVE), waitForRemoteFrames(b.page, LIVE)]);
      await waitForStatus(a.page, "Connected.");
      const inCall = { picture: "half", oneRowOfControls: true } as const;
      await t.step("in a call", async () => {
        await waitForScreenText(a.page, "Grace");
        await checkScreen(a, "call", problems, inCall);
      });
      await t.step("the More menu", async () => {
        await clickButton(a.page, "More options");
        await byRole(a.page, "menu", "More options");
        await byRole(a.page, "menuitemcheckbox", "Blur background");
        await checkScreen(a, "call-menu", problems, { ...inCall, picture: "visible" });
        await a.page.keyboard.press("Escape");
      });
      await t.step("chat", async () => {
        await clickButton(b.page, "Chat");
        await sendChat(b.page, "Hello Ada! Here is the agenda: https://example.org/agenda");
        await clickButton(a.page, "Chat, 1 unread");
        await sendChat(a.page, "Thanks, looking at it now.");
        await checkScreen(a, "call-chat", problems, { ...inCall, picture: "visible" });
        await clickButton(a.page, "Close");
        await clickButton(b.page, "Close");
      });
      await t.step("details", async () => {
        await chooseFromMenu(a.page, "Details and verification code");
        await waitForScreenText(a.page, /Verification code [a-z]+( [a-z]+){5}/);
        await checkScreen(a, "call-details", problems, { ...inCall, picture: "visible" });
        await clickButton(a.page, "Close");
      });
      await t.step("screen share, both sides", async () => {
        await clickButton(a.page, "Share your screen");
        await waitForScreenText(a.page, "You are presenting");
        await waitForScreenText(b.page, "Ada is presenting");
        await checkScreen(a, "share-presenter", problems, inCall);
        await checkScreen(b, "share-viewer", problems, inCall);
        await clickButton(a.page, "Stop presenting");
      });
      await t.step("the other person left", async () => {
        await clickButton(b.page, "Hang up");
        await waitForScreenText(a.page, "Grace left the call");
        await checkScreen(a, "they-left", problems, { oneRowOfControls: true });
        await waitForAlert(b.page, "You left the call");
        await checkScreen(b, "left", problems);
      });

      await t.step("room full", async () => {
        await clickButton(b.page, "Rejoin");
        await waitForRemoteFrames(a.page, LIVE);
        const c = await newUser(browser!, server!.url, { name: "C", path: room });
        await waitForAlert(c.page, "This room is full");
        await checkScreen(c, "full", problems);
        await c.close();
      });
      await t.step("camera refused", async () => {
        const d = await newUser(browser!, server!.url, { name: "D" });
        await d.page.evaluateOnNewDocument(() => {
          navigator.mediaDevices.getUserMedia = () =>
            Promise.reject(new DOMException("refused", "NotAllowedError"));
        });
        await d.page.goto(await newRoomUrl(server!.url));
        await waitForAlert(d.page, "Camera and microphone blocked");
        await checkScreen(d, "camera-refused", problems);
        await d.close();
      });
      await t.step("a browser that cannot make calls", async () => {
        const e = await newUser(browser!, server!.url, { name: "E" });
        await e.page.evaluateOnNewDocument(() => {
          delete (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection;
        });
        await e.page.goto(await newRoomUrl(server!.url));
        await waitForAlert(e.page, "This browser can't make video calls");
        await checkScreen(e, "unsupported", problems);
        await e.close();
      });
      await t.step("server out of reach", async () => {
        const f = await newUser(browser!, server!.url, { name: "F" });
        await f.page.goto(await newRoomUrl(server!.url));
        await waitForStatus(f.page, "Ready to join");
        await server!.stop();
        server = undefined;
        await pressJoin(f.page);
        await waitForAlert(f.page, "Can't reach the Parley server");
        await checkScreen(f, "unreachable", problems);
      });
      assert.deepEqual(problems, [], problems.join("\n"));
    } finally {
      await closeBrowser(browser);
      await server?.stop();
    }
  },
});
