/**
 * Test helpers: the simulated internet (internet.ts) with what the browser cases share: its
 * coturn, one Chromium per home for every case (each person still gets a fresh browser context),
 * a test-time certificate, and a call between the two homes read out with the selected candidate
 * pair on both sides.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { makeCertificate } from "../../deploy/make_cert.ts";
import {
  byRole,
  closeBrowser,
  describePage,
  launchChromium,
  LIVE,
  newUser,
  pressJoin,
  type User,
  waitForRemoteFrames,
  waitForStatus,
} from "./browser.ts";
import {
  createInternet,
  describePair,
  type Home,
  type Internet,
  type SelectedPair,
  SERVER_ADDRESS,
  type Turn,
  waitForSelectedPair,
} from "./internet.ts";
import { pageLog, watchPeerConnections } from "./peer_watch.ts";
import { ROOT_DIR, type RunningServer } from "./server.ts";

/** Where Parley listens on the server host when it serves the browsers itself. */
export const PARLEY = `http://${SERVER_ADDRESS}:8000`;

/** A call between the two homes, connected. */
export interface Call {
  names: string[];
  pairs: SelectedPair[];
  /** The WebSocket URLs each page opened. */
  webSockets: string[][];
  /** Every remote candidate each side's peer connection knows (from getStats). */
  remoteCandidates: { candidateType: string; address: string }[][];
}

/** Two people in the two homes with a new room open, not joined yet. */
export interface Visit {
  users: [User, User];
  webSockets: string[][];
  /** Closes both people's contexts. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** What /check showed. */
export interface CheckReport {
  summary: string;
  rows: { id: string; result: string; ms: string | undefined; text: string }[];
}

/** Whether neither end of `pair` is the relay. */
export function isDirect(pair: SelectedPair): boolean {
  return pair.local.candidateType !== "relay" && pair.remote.candidateType !== "relay";
}

/** Whether the media of `pair` goes through the relay (ours or the other side's). */
export function isRelayed(pair: SelectedPair): boolean {
  return pair.local.candidateType === "relay" || pair.remote.candidateType === "relay";
}

/**
 * The internet, its coturn, and one Chromium per home for all cases. Disposed in reverse order,
 * also when a case fails: browsers, coturn and servers stopped, namespaces removed.
 */
export class World {
  #stack = new AsyncDisposableStack();
  #certificate: { certFile: string; keyFile: string } | undefined;
  #certDir = `${ROOT_DIR}certs/test-${Deno.pid}`;

  private constructor(
    readonly internet: Internet,
    readonly turn: Turn,
    readonly browsers: Browser[],
  ) {}

  /** Builds the internet (routers of kind `firewall`), starts coturn and the browsers. */
  static async create(): Promise<World> {
    const stack = new AsyncDisposableStack();
    try {
      const internet = stack.use(await createInternet("firewall"));
      const turn = await internet.startTurn();
      const browsers: Browser[] = [];
      stack.defer(async () => {
        for (const browser of browsers) await closeBrowser(browser);
      });
      for (const home of internet.homes) {
        browsers.push(
          await launchChromium({
            executablePath: home.chromium,
            args: [
              // The camera needs a secure context: plain http on the server's address counts as
              // one here; the HTTPS cases use a self-signed certificate the browsers accept.
              `--unsafely-treat-insecure-origin-as-secure=${PARLEY}`,
              "--ignore-certificate-errors",
            ],
          }),
        );
      }
      const world = new World(internet, turn, browsers);
      world.#stack.use(stack.move());
      world.#stack.defer(() => Deno.remove(world.#certDir, { recursive: true }).catch(() => {}));
      return world;
    } catch (error) {
      await stack.disposeAsync();
      throw error;
    }
  }

  /** Parley on the server host with `env` (port 8000); dispose the result to stop it. */
  parley(env: Record<string, string>, options: { host?: string } = {}): Promise<RunningServer> {
    return this.internet.startParley(env, options);
  }

  /** A self-signed certificate for the server's address, made once, under certs/ (gitignored). */
  async certificate(): Promise<{ certFile: string; keyFile: string }> {
    this.#certificate ??= await makeCertificate(this.#certDir, { ips: [SERVER_ADDRESS] });
    return this.#certificate;
  }

  /**
   * A in home A presses "Start a call" at `origin` (a room the server minted: only those get TURN
   * credentials) and B in home B opens its link; their peer connections are watched.
   */
  async visit(origin: string): Promise<Visit> {
    let room = "";
    const users: User[] = [];
    const webSockets: string[][] = [];
    const close = async () => {
      for (const user of users) await user.close();
    };
    try {
      for (const [i, browser] of this.browsers.entries()) {
        const user = await newUser(browser, origin, { name: this.internet.homes[i].name });
        users.push(user);
        await watchPeerConnections(user.page);
        webSockets.push(await recordWebSockets(user.page));
        if (i === 0) {
          await user.page.goto(`${origin}/`);
          const start = await byRole(user.page, "button", "Start a call");
          await Promise.all([user.page.waitForNavigation(), start.click()]);
          room = user.page.url();
        } else {
          await user.page.goto(room);
        }
      }
    } catch (error) {
      await close();
      throw error;
    }
    return { users: users as [User, User], webSockets, close, [Symbol.asyncDispose]: close };
  }

  /**
   * A and B open a new room at `origin` and press Join (after `beforeJoin`, e.g. ticking a box);
   * resolves once both see the other's video moving, with each side's selected candidate pair.
   */
  async call(
    origin: string,
    beforeJoin?: (users: [User, User]) => Promise<void>,
  ): Promise<Call> {
    await using visit = await this.visit(origin);
    const { users, webSockets } = visit;
    try {
      await beforeJoin?.(users);
      const [a, b] = users;
      await pressJoin(a.page);
      await pressJoin(b.page);
      const joined = performance.now();
      const connected = await Promise.all(users.map(async (user) => {
        await waitForRemoteFrames(user.page, LIVE);
        await waitForStatus(user.page, "Connected.");
        return Math.round(performance.now() - joined);
      }));
      const pairs = await Promise.all(users.map((user) => waitForSelectedPair(user.page)));
      console.log(
        `  A: ${describePair(pairs[0])}, B: ${describePair(pairs[1])}; second Join → both ` +
          `decoding: A ${connected[0]} ms, B ${connected[1]} ms`,
      );
      assert.deepEqual(users.flatMap((user) => user.errors), [], "no errors in the pages");
      const remoteCandidates = await Promise.all(
        users.map((user) => remoteCandidatesOf(user.page)),
      );
      return { names: users.map((user) => user.name), pairs, webSockets, remoteCandidates };
    } catch (error) {
      await printPages(users);
      throw error;
    }
  }

  /** Opens `url` (the /check page) in `home`'s browser and reads it once it is done. */
  async check(
    home: Home,
    url: string,
    whenDone?: (page: Page) => Promise<void>,
  ): Promise<CheckReport> {
    const user = await newUser(this.browsers[this.internet.homes.indexOf(home)], url, {
      name: home.name,
      viewport: { width: 900, height: 820 },
    });
    try {
      await user.page.goto(url);
      try {
        await user.page.waitForFunction(
          () => document.getElementById("check")?.dataset.done === "true",
          { timeout: 30_000, polling: 100 },
        );
      } catch (error) {
        throw new Error(`/check never finished: ${(error as Error).message}`);
      }
      await whenDone?.(user.page);
      return await user.page.evaluate(() => ({
        summary: document.getElementById("summary")!.textContent ?? "",
        rows: [...document.querySelectorAll<HTMLElement>(".results li")].map((li) => ({
          id: li.id.replace("check-", ""),
          result: li.dataset.result ?? "",
          ms: li.dataset.ms,
          text: li.querySelector(".outcome")?.textContent ?? "",
        })),
      }));
    } finally {
      await user.close();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#stack.disposeAsync();
  }
}

/** Prints what each page shows and its peer connection log, for failure reports. */
export async function printPages(users: User[]): Promise<void> {
  for (const user of users) {
    console.error(`${await describePage(user.page)}\n  ${(await pageLog(user.page)).join("\n  ")}`);
  }
}

/** Starts recording the URLs of the WebSockets `page` opens; the array fills as they open. */
async function recordWebSockets(page: Page): Promise<string[]> {
  const urls: string[] = [];
  const cdp = await page.createCDPSession();
  cdp.on("Network.webSocketCreated", (event) => urls.push(event.url));
  await cdp.send("Network.enable");
  return urls;
}

/** Every remote candidate the page's newest peer connection knows, from getStats(). */
async function remoteCandidatesOf(
  page: Page,
): Promise<{ candidateType: string; address: string }[]> {
  return await page.evaluate(async () => {
    const pc = (globalThis as unknown as { parleyPeerConnections: RTCPeerConnection[] })
      .parleyPeerConnections.at(-1);
    if (!pc) return [];
    return [...(await pc.getStats()).values()]
      .filter((report) => report.type === "remote-candidate")
      .map((report) => ({ candidateType: report.candidateType, address: report.address }));
  });
}
