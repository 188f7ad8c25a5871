/**
 * A group call as people live it: four people, three in real Chromium (each in their own context)
 * and one in Firefox, fake cameras and microphones at 320×180, on one server (four on two instances
 * sharing Redis: group_network_fault_test.ts, and with raw clients redis_group_test.ts). Ada starts
 * it from the landing page; they see each other's pictures moving in a tile each, chat to everyone;
 * Ada sends a file to Ben alone and one to everyone, asked whom each goes to (the question whole on
 * every screen size), and only those picked are offered it; a fifth is turned away before their
 * camera starts; the server stops for 6 s and starts again (every picture keeps moving meanwhile,
 * peer to peer, and all four are back in the room by themselves on their first connections, nobody
 * said to be back); Dee reloads the page and comes back (the others told "Dee is back.") while the
 * others' connections between themselves go on untouched; Cy leaves and the three others go on and
 * are told; Dee shares a screen, which takes the others' stage with the people as a strip beside
 * it.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import {
  BROWSER_TEST,
  clickButton,
  closeBrowser,
  launchChromium,
  launchFirefox,
  LIVE,
  newUser,
  pressJoin,
  statusText,
  type User,
  waitForAlert,
  waitForFrames,
  waitForNotice,
  waitForScreenText,
  waitForStatus,
} from "../helpers/browser.ts";
import { byRole } from "../helpers/screen.ts";
import { gridProblems, onEachScreen, stripProblems } from "../helpers/group_layout.ts";
import { sendChat, sendFile, waitForMessage } from "../helpers/joined_pair.ts";
import {
  allSee,
  describeAll,
  eachWithOthers,
  iceUfrags,
  joinAs,
  keptMoving,
  named,
  person,
  SMALL_WINDOW,
  smallCamera,
  tileOf,
} from "../helpers/group.ts";
import { type RunningServer, startServer } from "../helpers/server.ts";
import { peerConnectionsOf } from "../helpers/peer_watch.ts";

async function typeName(page: Page, name: string): Promise<void> {
  await (await byRole(page, "textbox", /^Your name/)).type(name);
}

/** The files `page`'s chat shows: those offered to it, and those it sent (with whom to). */
function filesShown(page: Page): Promise<{ offered: string[]; sent: string[] }> {
  return page.evaluate(() => {
    const cards = [...document.querySelectorAll<HTMLElement>("[role=log] .file-card")];
    const text = (card: HTMLElement, selector: string) =>
      card.querySelector(selector)?.textContent ?? "";
    return {
      offered: cards.filter((c) => c.dataset.from === "them").map((c) => text(c, ".file-name")),
      sent: cards.filter((c) => c.dataset.from === "me").map((c) =>
        `${text(c, ".file-name")} ${text(c, ".file-to")}`
      ),
    };
  });
}

/**
 * Every "Send … to" choice within the window, whole, large enough to touch and not covered:
 * what a person needs to answer it on each screen.
 */
async function sendToProblems(page: Page): Promise<string[]> {
  return await page.$$eval(".send-to button", (buttons) =>
    buttons.flatMap((button) => {
      const r = button.getBoundingClientRect();
      const name = button.getAttribute("aria-label") ?? button.textContent;
      const problems: string[] = [];
      if (r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight) {
        problems.push(`${name} is outside the window`);
      } else if (
        !button.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2))
      ) {
        problems.push(`${name} is covered`);
      }
      if (r.height < 44) problems.push(`${name} is ${Math.round(r.height)} px high`);
      return problems;
    }));
}

/**
 * `sender` sends a file to the first of `others` alone, then one to everyone: each is asked whom
 * it goes to, on every screen size; only the one picked is offered the first, everyone the second,
 * and each of the sender's cards says whom it went to.
 */
async function filesToOneAndAll(sender: User, others: User[]): Promise<void> {
  const [one] = others;
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/notes.txt`, `For ${one.name} alone\n`);
    await Deno.writeTextFile(`${dir}/plan.txt`, "For everyone\n");
    await sendFile(sender.page, `${dir}/notes.txt`);
    await waitForScreenText(sender.page, "Send notes.txt to");
    await onEachScreen(sender.page, "group-send-to", sendToProblems);
    await clickButton(sender.page, `Send to ${one.name}`);
    await waitForScreenText(one.page, `${sender.name} wants to send you notes.txt`);
    await clickButton(one.page, "Accept notes.txt");
    await byRole(one.page, "link", "Save notes.txt");

    await sendFile(sender.page, `${dir}/plan.txt`);
    await clickButton(sender.page, "Send to everyone");
    for (const other of others) {
      await waitForScreenText(other.page, `${sender.name} wants to send you plan.txt`);
    }
    // Each pair's files come in order on their own channel: had notes.txt gone to the others too,
    // it would show there before plan.txt.
    for (const other of others) {
      const expected = other === one ? ["notes.txt", "plan.txt"] : ["plan.txt"];
      assert.deepEqual((await filesShown(other.page)).offered, expected, `${other.name}'s offers`);
    }
    const sent = (await filesShown(sender.page)).sent;
    assert.deepEqual([sent[0], ...sent.slice(1).sort()], [
      `notes.txt To ${one.name}`,
      ...others.map((other) => `plan.txt To ${other.name}`).sort(),
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** "Ada, Ben and Cy are in the call." as the page says it. */
function inCall(...names: string[]): string {
  const shown = names.map(named);
  return `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)} are in the call.`;
}

/**
 * The status saying `names` are in the call, then `after` (" Dee is back."), the names in any
 * order: a page lists them by their places in the room, which a server's restart deals anew in the
 * order they come back (a page opened since lists them so).
 */
function saysInCall(names: string[], after = ""): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(orders(names).map((order) => escape(inCall(...order) + after)).join("|"));
}

/** Every order of `names`. */
function orders(names: string[]): string[][] {
  if (names.length <= 1) return [names];
  return names.flatMap((name, i) =>
    orders(names.filter((_, j) => j !== i)).map((rest) => [name, ...rest])
  );
}

/**
 * The server's settings, the same before and after its restart: a group's room id is sealed under
 * the room key, which must outlive the process (`ROOM_SECRET`; without it, or a TURN secret, the
 * key is random per process and a restarted server no longer knows the room).
 */
const ENV = { ROOM_SECRET: "group-call-test-room-key" };

/** How long the server stays down: longer than the client's first reconnection attempts. */
const SERVER_DOWN_MS = 6000;

/**
 * The server (`servers[0]`) stops for {@linkcode SERVER_DOWN_MS} and starts again on its port, the
 * new one in its place: meanwhile everyone is told and every picture of `everyone` keeps moving
 * (peer to peer); once back, everyone is in the room again by themselves, on their first
 * connections, each told who is there and nobody said to be back (nobody left: a server's restart
 * is not theirs).
 */
async function restart(servers: RunningServer[], everyone: [User, string[]][]): Promise<void> {
  const users = everyone.map(([user]) => user);
  const { port } = servers[0];
  await servers[0].stop();
  const down = performance.now();
  await Promise.all(users.map((user) => waitForNotice(user.page, /Reconnecting/)));
  await keptMoving(everyone, "while the server was down", async () => {
    await new Promise((r) => setTimeout(r, SERVER_DOWN_MS - (performance.now() - down)));
  });
  servers[0] = await startServer({ port, env: ENV });
  await Promise.all(users.map((user) => waitForNotice(user.page, ""))).catch(async (error) => {
    throw new Error(`${(error as Error).message}\n${await describeAll(users)}`);
  });
  for (const [user, others] of everyone) await waitForStatus(user.page, saysInCall(others));
  await allSee(everyone);
  for (const user of users) {
    assert.doesNotMatch(await statusText(user.page), /\bback\b/, `${user.name}'s status`);
    const { count } = await peerConnectionsOf(user.page);
    assert.equal(count, 3, `${user.name} is still on their first three connections`);
  }
}

Deno.test({
  name: "Chromium and Firefox, four people: a moving tile for " +
    "each other person, chat to everyone, a fifth turned away, the server stops for 6 s and all " +
    "four are back by themselves, one reloads and is back with the " +
    "others' connections untouched, one leaves and the others go on, a screen shared takes the stage",
  ...BROWSER_TEST,
  fn: async () => {
    // One server, in a list: the restart puts the new one in its place.
    const servers = [await startServer({ env: ENV })];
    const url = servers[0].url;
    const camera = await smallCamera();
    let browser: Browser | undefined;
    let firefox: Browser | undefined;
    try {
      browser = await launchChromium({ args: camera.chromium });
      firefox = await launchFirefox({ prefs: camera.firefox });
      const ada = await person(browser, url, {
        name: "Ada",
        path: "/",
        viewport: SMALL_WINDOW,
      });
      const start = await byRole(ada.page, "button", "Start a group call");
      await Promise.all([ada.page.waitForNavigation(), start.click()]);
      const room = new URL(ada.page.url()).pathname;
      await typeName(ada.page, "Ada");
      await pressJoin(ada.page);
      await waitForStatus(ada.page, /Waiting for the other/);
      await byRole(ada.page, "heading", "Waiting for the others");

      // Ben comes in Firefox: every pair with him is Chromium–Firefox.
      const ben = await person(firefox, url, {
        name: "Ben",
        path: room,
        viewport: SMALL_WINDOW,
      });
      await joinAs(ben);
      await allSee([[ada, ["Ben"]], [ben, ["Ada"]]]);

      const cy = await person(browser, url, { name: "Cy", path: room, viewport: SMALL_WINDOW });
      await joinAs(cy);
      const dee = await person(browser, url, {
        name: "Dee",
        path: room,
        viewport: SMALL_WINDOW,
      });
      // Before joining, Dee is told who is there (in numbers: names travel peer to peer).
      await waitForScreenText(dee.page, "3 people are in the call.");
      await joinAs(dee);
      const everyone = eachWithOthers([ada, ben, cy, dee]);
      await allSee(everyone);
      for (const [user, others] of everyone) await waitForStatus(user.page, inCall(...others));
      assert.equal(await ada.page.title(), `Parley — ${inCall("Ben", "Cy", "Dee").slice(0, -1)}`);

      // The grid of four on a desktop, an upright phone, a phone on its side, and in dark.
      await onEachScreen(ada.page, "group", gridProblems);

      // A message goes to everyone.
      await clickButton(ada.page, "Chat");
      await sendChat(ada.page, "Hello all");
      for (const other of [ben, cy, dee]) {
        await clickButton(other.page, /^Chat/);
        const heard = await waitForMessage(other.page, "them", /^Hello all$/).catch(async (e) => {
          const pages = await describeAll([ada, ben, cy, dee]);
          throw new Error(`${other.name}: ${(e as Error).message}\n${pages}`);
        });
        assert.equal(heard.text, "Hello all");
      }

      // A file to one person, then one to everyone: Ada is asked whom each goes to.
      await filesToOneAndAll(ada, [ben, cy, dee]);

      // A fifth: the room is full, said before Join (before the camera).
      const eve = await newUser(browser, url, { name: "Eve", path: room });
      await waitForAlert(eve.page, "This room is full");
      assert.match(
        await eve.page.evaluate(() => document.body.innerText),
        /All 4 places in this call are taken/,
      );
      await eve.close();

      // The server stops for 6 s and starts again.
      await restart(servers, everyone);

      // Dee reloads: the others are told Dee went, then see Dee again and are told Dee is back
      // (Dee's page remembers the name: Join is all it takes), and their connections with each
      // other (made before Dee's) never stop nor restart meanwhile.
      const stay: [User, string[]][] = [
        [ada, ["Ben", "Cy"]],
        [ben, ["Ada", "Cy"]],
        [cy, ["Ada", "Ben"]],
      ];
      const ufragsBefore = await Promise.all(stay.map(([user]) => iceUfrags(user.page)));
      await keptMoving(stay, "while Dee reloaded", async () => {
        await dee.page.reload();
        // Meanwhile the others are told Dee went ("Dee left the call") or, when the page went
        // before it could say so (a busy machine), that Dee is reconnecting: either may come
        // first, so neither is waited for here.
        await pressJoin(dee.page);
        await allSee(everyone);
        for (const [user, others] of everyone) await waitForStatus(user.page, saysInCall(others));
        // Dee left and came back: said so, after who is in the call.
        for (const [user, others] of stay) {
          await waitForStatus(
            user.page,
            saysInCall([...others, "Dee"], ` ${named("Dee")} is back.`),
          );
        }
      });
      const ufragsAfter = await Promise.all(stay.map(([user]) => iceUfrags(user.page)));
      stay.forEach(([user, names], i) => {
        assert.deepEqual(
          ufragsAfter[i].slice(0, 2),
          ufragsBefore[i].slice(0, 2),
          `${user.name}'s connections with ${names.join(" and ")} were never restarted`,
        );
        assert.equal(ufragsAfter[i].length, 4, `${user.name} made one new connection, for Dee`);
      });

      // Cy leaves: the three others are told, and still see each other moving.
      await clickButton(cy.page, "Hang up");
      const rest: [User, string[]][] = [
        [ada, ["Ben", "Dee"]],
        [ben, ["Ada", "Dee"]],
        [dee, ["Ada", "Ben"]],
      ];
      for (const [user, others] of rest) {
        await waitForStatus(user.page, saysInCall(others, ` ${named("Cy")} left the call.`));
      }
      await allSee(rest);
      assert.equal(await ada.page.$(tileOf("Cy")), null, "Cy's tile is gone");

      // Dee shares a screen: on the others' pages it takes the stage, the people a strip beside it
      // (three by now: a share among four is more than two cores encode and decode at once).
      await clickButton(ada.page, /^Chat/); // closed: the call has the screen to itself
      await clickButton(dee.page, "Share your screen");
      await waitForScreenText(ben.page, "Dee is presenting");
      await waitForScreenText(ada.page, "Dee is presenting");
      await waitForFrames(ada.page, LIVE, { selector: `video[aria-label="Dee's screen"]` });
      await onEachScreen(ada.page, "group-share", (page) => stripProblems(page, "Dee"));
      await clickButton(dee.page, "Stop presenting");
      await allSee([[ada, ["Dee"]], [ben, ["Dee"]]]);

      // (But for the browser's own report of the server going away and of each attempt that found
      // it down: Chromium and Firefox word them differently.)
      const refused = new RegExp(
        "WebSocket connection to .* failed|can’t establish a connection|" +
          "was interrupted while the page was loading",
      );
      const errors = [ada, ben, cy, dee].flatMap((user) => user.errors)
        .filter((error) => !refused.test(error));
      assert.deepEqual(errors, [], "no errors in the pages");
    } finally {
      await closeBrowser(firefox);
      await closeBrowser(browser);
      for (const server of servers) await server.stop();
    }
  },
});
