/**
 * The verification code against a man in the middle, in real Chromium and Firefox: a hostile peer
 * on the signaling server (socket.io-client) sends a real offer of the browser's own making with a
 * forged `a=fingerprint` line put first, as a forger would to make both codes match (Firefox
 * checked the first line). Parley refuses the description before applying it and says the
 * connection cannot be verified. The honest Chromium–Firefox call's codes are checked in
 * `call_features_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { type JoinAck, randomToken } from "../../protocol/signaling.ts";
import {
  BROWSER_TEST,
  closeBrowser,
  launchChromium,
  launchFirefox,
  newRoomUrl,
  newUser,
  pressJoin,
  statusText,
  waitForAlert,
  waitForStatus,
} from "../helpers/browser.ts";
import { closeClient, connectClient, emitWithAck, startServer } from "../helpers/server.ts";

/** A fingerprint of a certificate nobody has: 32 random bytes, as `AB:CD:…`. */
function forgedFingerprint(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

/** An offer `page`'s browser makes itself (audio, video, data), as a peer would send it. */
function realOffer(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver("audio");
    pc.addTransceiver("video");
    pc.createDataChannel("probe");
    const offer = await pc.createOffer();
    pc.close();
    return offer.sdp ?? "";
  });
}

/** Records every description `page` gives `setRemoteDescription` (from the next load on). */
function recordRemoteDescriptions(page: Page): Promise<unknown> {
  return page.evaluateOnNewDocument(() => {
    const given: string[] = [];
    Object.assign(globalThis, { parleyRemoteDescriptions: given });
    const original = RTCPeerConnection.prototype.setRemoteDescription;
    const record = function (this: RTCPeerConnection, description?: RTCSessionDescriptionInit) {
      given.push(description?.sdp ?? "");
      return (original as (d?: RTCSessionDescriptionInit) => Promise<void>).call(this, description);
    };
    RTCPeerConnection.prototype.setRemoteDescription = record as typeof original;
  });
}

/** The descriptions `page` gave `setRemoteDescription` so far. */
function remoteDescriptions(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    (globalThis as unknown as { parleyRemoteDescriptions: string[] }).parleyRemoteDescriptions
  );
}

async function refusesTwoFingerprints(launch: () => Promise<Browser>, name: string) {
  const server = await startServer();
  let browser: Browser | undefined;
  try {
    browser = await launch();
    const room = await newRoomUrl(server.url);
    const user = await newUser(browser, server.url, { name });
    await recordRemoteDescriptions(user.page);
    await user.page.goto(room);
    await pressJoin(user.page);
    await waitForStatus(user.page, /Waiting for the other person/);

    const real = await realOffer(user.page);
    const bogus = forgedFingerprint();
    const forged = real.replace(
      /^a=fingerprint:(\S+) (\S+)\r?$/gm,
      (line, algorithm) => `a=fingerprint:${algorithm} ${bogus}\r\n${line}`,
    );
    assert.ok(forged.includes(bogus), "the offer carries a fingerprint line to forge");
    const hostile = await connectClient(server.url);
    try {
      const ack = await emitWithAck<JoinAck>(hostile, "join", {
        room: new URL(room).pathname.split("/").at(-1),
        session: randomToken(9),
        offer: { type: "offer", sdp: forged },
      });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      await waitForAlert(user.page, "This connection cannot be verified");
      assert.equal(await statusText(user.page), "This connection cannot be verified.");
      const applied = await remoteDescriptions(user.page);
      assert.ok(!applied.some((sdp) => sdp.includes(bogus)), "the forged offer was never applied");
    } finally {
      await closeClient(hostile);
    }
  } finally {
    await closeBrowser(browser);
    await server.stop();
  }
}

Deno.test({
  name: "Chromium: an offer naming two certificates is refused, 'cannot be verified'",
  ...BROWSER_TEST,
  fn: () => refusesTwoFingerprints(launchChromium, "Chromium"),
});

Deno.test({
  name: "Firefox: an offer naming two certificates is refused, 'cannot be verified'",
  ...BROWSER_TEST,
  fn: () => refusesTwoFingerprints(launchFirefox, "Firefox"),
});
