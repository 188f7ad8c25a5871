/**
 * Noise suppression in real Chromium against the real server: a microphone that plays speech
 * over fan noise (made here with espeak-ng and sox), what the other side hears with "Reduce
 * background noise" off (switched off before joining) and then on (switched on from the call's
 * More menu) without a new offer; and browsers that cannot run it (no AudioWorklet, no
 * WebAssembly) get the switch disabled, before joining and in the call, saying why.
 *
 *   deno test --allow-all tests/browser/noise_suppression_test.ts
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { startServer } from "../helpers/server.ts";
import {
  BROWSER_TEST,
  clickButton,
  closeBrowser,
  launchChromium,
  LIVE,
  newRoomUrl,
  newUser,
  pressJoin,
  statusText,
  waitForRemoteFrames,
  waitForScreenText,
  waitForStatus,
} from "../helpers/browser.ts";
import {
  menuSwitch,
  prejoinSwitch,
  pressPrejoinSwitch,
  toggleFromMenu,
  waitForMark,
} from "../helpers/effect_switches.ts";
import { pageLog, watchPeerConnections } from "../helpers/peer_watch.ts";
import {
  judge,
  makeNoisySpeech,
  noisySpeechUnavailable,
  recordHeard,
} from "../helpers/noisy_speech.ts";
import { requirement } from "../helpers/requirements.ts";

const NEEDS = requirement(
  "tests/browser/noise_suppression_test.ts",
  "the noise suppression test",
  await noisySpeechUnavailable(),
);

/** Offers a page's peer connections made (each `have-local-offer`), from the page's log. */
async function offers(page: Page): Promise<number> {
  return (await pageLog(page)).filter((line) => line.endsWith("signaling have-local-offer")).length;
}

const NOISE = "Reduce background noise";
const BLUR = "Blur background";

Deno.test({
  name: "Chromium: noise suppression on makes the noise the other side hears much quieter and " +
    "keeps the speech; switching it mid-call sends no new offer",
  ignore: NEEDS.ignore,
  ...BROWSER_TEST,
  fn: async () => {
    NEEDS.check();
    const dir = await Deno.makeTempDir({ prefix: "parley-noise-" });
    await using server = await startServer();
    let browser: Browser | undefined;
    try {
      const signal = await makeNoisySpeech(dir);
      // One loop of the file, and a little more.
      const seconds = Math.ceil((signal.windows * 480) / 48_000) + 1;
      browser = await launchChromium({
        args: [`--use-file-for-fake-audio-capture=${signal.file}`],
      });
      const room = await newRoomUrl(server.url);
      const a = await newUser(browser, server.url, { name: "A" });
      const b = await newUser(browser, server.url, { name: "B" });
      for (const user of [a, b]) {
        await watchPeerConnections(user.page);
        await user.page.goto(room);
      }
      // On by default before joining, and its name says so.
      assert.deepEqual(await prejoinSwitch(a.page, NOISE), {
        name: `${NOISE}, on`,
        on: true,
        disabled: false,
        description: null,
      });
      // A turns it off before joining.
      await pressPrejoinSwitch(a.page, NOISE);
      assert.deepEqual(await prejoinSwitch(a.page, NOISE), {
        name: `${NOISE}, off`,
        on: false,
        disabled: false,
        description: null,
      });
      // B says nothing: A's echo canceller would otherwise take B's copy of the same file, played
      // in A's page, for an echo of A's microphone.
      await clickButton(b.page, "Turn off microphone");
      await pressJoin(a.page);
      await pressJoin(b.page);
      await Promise.all([a, b].map((user) => waitForStatus(user.page, "Connected.")));
      await waitForRemoteFrames(b.page, LIVE);
      assert.equal((await menuSwitch(a.page, NOISE)).on, false, "still off in the call");
      await waitForMark(a.page, "noise reduced", { running: false });

      const heardOff = judge(signal, await recordHeard(b.page, seconds));
      const offered = await Promise.all([a, b].map((user) => offers(user.page)));
      // On from the call's More menu: A's tile says so once the filtered sound is what is sent.
      await toggleFromMenu(a.page, NOISE);
      await waitForMark(a.page, "noise reduced", { timeoutMs: 30_000 });
      assert.equal((await menuSwitch(a.page, NOISE)).on, true);
      const heardOn = judge(signal, await recordHeard(b.page, seconds));
      console.log(
        `B hears A's noise at ${heardOff.noiseDb.toFixed(1)} dBFS with it off, ` +
          `${heardOn.noiseDb.toFixed(1)} on; the speech at ${heardOff.speechDb.toFixed(1)} and ` +
          `${heardOn.speechDb.toFixed(1)} (fit ${heardOff.fit.toFixed(2)}, ${
            heardOn.fit.toFixed(2)
          })`,
      );
      // What was heard is the signal, lined up (not silence, not something else).
      assert.ok(heardOff.fit > 0.5 && heardOn.fit > 0.5, `fit ${heardOff.fit}, ${heardOn.fit}`);
      assert.ok(heardOff.noiseWindows > 100 && heardOff.speechWindows > 100);
      // The direction and then some; the figures themselves are the bench's (docs/performance.md).
      assert.ok(heardOn.noiseDb < heardOff.noiseDb - 10, "the noise alone is much quieter");
      assert.ok(heardOn.speechDb > heardOff.speechDb - 6, "the speech is not");
      assert.deepEqual(
        await Promise.all([a, b].map((user) => offers(user.page))),
        offered,
        "no new offer on either side",
      );
      assert.equal(await statusText(b.page), "Connected.");
    } finally {
      await closeBrowser(browser);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "Chromium without AudioWorklet, or without WebAssembly: the switches that need them are " +
    "disabled and say why",
  ...BROWSER_TEST,
  fn: async () => {
    await using server = await startServer();
    const browser = await launchChromium();
    try {
      for (
        const [missing, remove, noise, blur] of [
          [
            "AudioWorklet",
            () => {
              delete (globalThis as Record<string, unknown>).AudioWorkletNode;
            },
            /needs AudioWorklet.*own noise reduction is on instead/,
            null,
          ],
          [
            "WebAssembly",
            () => {
              delete (globalThis as Record<string, unknown>).WebAssembly;
            },
            /needs WebAssembly.*own noise reduction is on instead/,
            /needs WebAssembly/,
          ],
        ] as const
      ) {
        const user = await newUser(browser, server.url, { name: missing });
        await user.page.evaluateOnNewDocument(remove);
        await user.page.goto(await newRoomUrl(server.url));
        // The reason comes with its words, loaded only where a switch needs them.
        await waitForScreenText(user.page, noise);
        const noiseSwitch = await prejoinSwitch(user.page, NOISE);
        assert.deepEqual(
          [noiseSwitch.name, noiseSwitch.disabled, noiseSwitch.on],
          [`${NOISE}, off`, true, false],
          `without ${missing}`,
        );
        assert.match(noiseSwitch.description ?? "", noise);
        const blurSwitch = await prejoinSwitch(user.page, BLUR);
        assert.equal(blurSwitch.disabled, blur !== null, `blur without ${missing}`);
        if (blur) assert.match(blurSwitch.description ?? "", blur);
        else assert.equal(blurSwitch.description, null);
        // In the call (alone in the room), the More menu says the same.
        await pressJoin(user.page);
        const inCall = await menuSwitch(user.page, NOISE);
        assert.deepEqual([inCall.name, inCall.disabled, inCall.on], [NOISE, true, false]);
        assert.match(inCall.description ?? "", noise);
        await user.close();
      }
    } finally {
      await closeBrowser(browser);
    }
  },
});
