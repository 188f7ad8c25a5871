/**
 * Two people in two homes, each behind its own NAT router, calling through a Parley server on a
 * simulated internet (tests/helpers/internet.ts: network namespaces, iptables NATs, a real coturn
 * from deploy/turnserver.conf, nginx from deploy/nginx.conf). Each case reads the call's selected
 * candidate pair from getStats() on both sides and prints it with the time from the second Join
 * to both sides decoding the other's video:
 *
 *   deno test --allow-all tests/browser/internet_test.ts
 *
 * `UPDATE_SCREENSHOTS=1` also saves the /check page as docs/check.png. Needs root, iptables,
 * coturn and nginx; elsewhere it is skipped with the reason, except in CI (`CI=true`), where it
 * must run and so fails instead.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { newRoomId } from "../../protocol/signaling.ts";
import { makeCertificate } from "../../deploy/make_cert.ts";
import {
  BROWSER_TEST,
  closeBrowser,
  describePage,
  launchChromium,
  LIVE,
  newUser,
  pressJoin,
  type User,
  waitForRemoteFrames,
  waitForStatus,
} from "../helpers/browser.ts";
import {
  createInternet,
  describePair,
  type Home,
  type Internet,
  internetUnavailable,
  type SelectedPair,
  SERVER_ADDRESS,
  STUN_ENV,
  type Turn,
  waitForSelectedPair,
} from "../helpers/internet.ts";
import { pageLog, watchPeerConnections } from "../helpers/peer_watch.ts";
import { ROOT_DIR } from "../helpers/server.ts";
import { startNginx } from "../helpers/nginx.ts";

const unavailable = await internetUnavailable();
const inCI = Deno.env.get("CI") === "true";
if (unavailable && !inCI) {
  console.warn(`internet_test.ts: skipped, ${unavailable}. (In CI, CI=true, it must run.)`);
}

/** Where Parley listens on the server host when it serves the browsers itself. */
const PARLEY = `http://${SERVER_ADDRESS}:8000`;

Deno.test({
  name: "Two homes behind NAT routers call through a server on a simulated internet",
  ignore: unavailable !== null && !inCI,
  ...BROWSER_TEST,
  fn: async (t) => {
    if (unavailable) throw new Error(`CI must run the internet test, but ${unavailable}`);
    await using world = await World.create();
    const { internet, turn } = world;

    await t.step("routers that let STUN work, only STUN: a direct call on srflx", async () => {
      await internet.setNat("open");
      await using _parley = await world.parley(STUN_ENV);
      const call = await world.call(PARLEY);
      for (const [i, pair] of call.pairs.entries()) {
        const other = internet.homes[1 - i];
        assert.ok(isDirect(pair), `${call.names[i]}'s call is direct: ${describePair(pair)}`);
        assert.equal(
          pair.remote.address,
          other.publicAddress,
          `${call.names[i]} sends to ${other.name}'s router, found by STUN (${describePair(pair)})`,
        );
        assert.match(pair.remote.candidateType, /srflx|prflx/, describePair(pair));
      }
    });

    await t.step(
      "typical home routers (NAT + firewall), STUN and TURN: the call connects",
      async () => {
        await internet.setNat("firewall");
        await using _parley = await world.parley({ ...STUN_ENV, ...turn.env });
        const call = await world.call(PARLEY);
        for (const [i, pair] of call.pairs.entries()) {
          const other = internet.homes[1 - i];
          // Direct (through both routers) or relayed: either way, never a private address.
          assert.ok(
            isRelayed(pair) || pair.remote.address === other.publicAddress,
            `${call.names[i]}: ${describePair(pair)} to ${pair.remote.address}`,
          );
        }
      },
    );

    await t.step("symmetric routers with TURN: the call goes through the relay", async () => {
      await internet.setNat("symmetric");
      await using _parley = await world.parley({ ...STUN_ENV, ...turn.env });
      const call = await world.call(PARLEY);
      for (const [i, pair] of call.pairs.entries()) {
        assert.ok(isRelayed(pair), `${call.names[i]}'s pair uses the relay: ${describePair(pair)}`);
      }
    });

    await t.step(
      "HTTPS with a certificate made at test time: pages load, the call uses WSS",
      async () => {
        await internet.setNat("firewall");
        const tls = await world.certificate();
        await using parley = await world.parley({
          ...STUN_ENV,
          ...turn.env,
          TLS_CERT_FILE: tls.certFile,
          TLS_KEY_FILE: tls.keyFile,
        });
        assert.equal(parley.url, `https://${SERVER_ADDRESS}:8000`);
        const call = await world.call(parley.url);
        for (const [i, sockets] of call.webSockets.entries()) {
          assert.ok(
            sockets.length > 0 &&
              sockets.every((url) => url.startsWith(`wss://${SERVER_ADDRESS}:8000/`)),
            `${call.names[i]}'s signaling went over WSS: ${sockets.join(", ")}`,
          );
        }
      },
    );

    await t.step(
      "behind nginx (deploy/nginx.conf) terminating TLS: the call connects",
      async () => {
        await internet.setNat("firewall");
        const tls = await world.certificate();
        // As the README deploys it: Parley on 127.0.0.1:8000, only nginx reaches it.
        await using _parley = await world.parley({ ...STUN_ENV, ...turn.env }, {
          host: "127.0.0.1",
        });
        await using _nginx = await startNginx(internet, tls);
        const call = await world.call(`https://${SERVER_ADDRESS}`);
        for (const [i, sockets] of call.webSockets.entries()) {
          assert.ok(
            sockets.length > 0 &&
              sockets.every((url) => url.startsWith(`wss://${SERVER_ADDRESS}/`)),
            `${call.names[i]}'s signaling went through nginx over WSS: ${sockets.join(", ")}`,
          );
        }
      },
    );

    await t.step("/check in a home: candidate kinds and a relay round trip", async () => {
      await internet.setNat("symmetric");
      await using _parley = await world.parley({ ...STUN_ENV, ...turn.env });
      const check = await world.check(internet.homes[0], `${PARLEY}/check`, async (page) => {
        if (Deno.env.get("UPDATE_SCREENSHOTS") === "1") {
          await page.screenshot({ path: `${ROOT_DIR}docs/check.png` });
          console.log("saved docs/check.png");
        }
      });
      assert.deepEqual(
        Object.fromEntries(check.rows.map((row) => [row.id, row.result])),
        { server: "ok", host: "ok", srflx: "ok", relay: "ok", roundtrip: "ok" },
        JSON.stringify(check, null, 2),
      );
      assert.match(check.summary, /All good/);
      console.log(`/check in home A: ${check.rows.map((r) => `${r.id} ${r.ms} ms`).join(", ")}`);
    });

    await t.step("/check says so when the relay refuses Parley's credentials", async () => {
      await using _parley = await world.parley({
        ...STUN_ENV,
        ...turn.env,
        TURN_SECRET: "not-the-relays-secret",
      });
      const check = await world.check(internet.homes[1], `${PARLEY}/check`);
      const relay = check.rows.find((row) => row.id === "relay")!;
      assert.equal(relay.result, "failed", JSON.stringify(check, null, 2));
      assert.match(relay.text, /refused Parley’s credentials/);
      assert.match(check.summary, /relay does not work/);
    });
  },
});

/** Whether neither end of `pair` is the relay. */
function isDirect(pair: SelectedPair): boolean {
  return pair.local.candidateType !== "relay" && pair.remote.candidateType !== "relay";
}

/** Whether the media of `pair` goes through the relay (ours or the other side's). */
function isRelayed(pair: SelectedPair): boolean {
  return pair.local.candidateType === "relay" || pair.remote.candidateType === "relay";
}

/** A call between the two homes, connected. */
interface Call {
  names: string[];
  pairs: SelectedPair[];
  /** The WebSocket URLs each page opened. */
  webSockets: string[][];
}

/** What /check showed. */
interface CheckReport {
  summary: string;
  rows: { id: string; result: string; ms: string | undefined; text: string }[];
}

/**
 * The internet, its coturn, and one Chromium per home for all cases (each case's people get
 * fresh browser contexts). Disposed in reverse order, also when a case fails.
 */
class World {
  #stack = new AsyncDisposableStack();
  #certificate: { certFile: string; keyFile: string } | undefined;
  #certDir = `${ROOT_DIR}certs/test-${Deno.pid}`;

  private constructor(
    readonly internet: Internet,
    readonly turn: Turn,
    readonly browsers: Browser[],
  ) {}

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

  /** Parley on the server host with `env`; stopped when the returned handle is disposed. */
  parley(env: Record<string, string>, options: { host?: string } = {}) {
    return this.internet.startParley(env, options);
  }

  /** A self-signed certificate for the server's address, made once, under certs/ (gitignored). */
  async certificate(): Promise<{ certFile: string; keyFile: string }> {
    this.#certificate ??= await makeCertificate(this.#certDir, { ips: [SERVER_ADDRESS] });
    return this.#certificate;
  }

  /**
   * A in home A and B in home B open a new room at `origin` and press Join; resolves once both
   * see the other's video moving, with each side's selected candidate pair.
   */
  async call(origin: string): Promise<Call> {
    const room = `${origin}/r/${newRoomId()}`;
    const users: User[] = [];
    const webSockets: string[][] = [];
    try {
      for (const [i, browser] of this.browsers.entries()) {
        const user = await newUser(browser, origin, { name: this.internet.homes[i].name });
        users.push(user);
        await watchPeerConnections(user.page);
        webSockets.push(await recordWebSockets(user.page));
        await user.page.goto(room);
      }
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
      return { names: users.map((user) => user.name), pairs, webSockets };
    } catch (error) {
      for (const user of users) {
        console.error(
          `${await describePage(user.page)}\n  ${(await pageLog(user.page)).join("\n  ")}`,
        );
      }
      throw error;
    } finally {
      for (const user of users) await user.close();
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

/** Starts recording the URLs of the WebSockets `page` opens; the array fills as they open. */
async function recordWebSockets(page: Page): Promise<string[]> {
  const urls: string[] = [];
  const cdp = await page.createCDPSession();
  cdp.on("Network.webSocketCreated", (event) => urls.push(event.url));
  await cdp.send("Network.enable");
  return urls;
}
