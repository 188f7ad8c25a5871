/**
 * Test helpers for the call's features (chat, files, details, verification): a connected pair
 * whose peer connections the test can read, the verification code derived by the test itself
 * from each side's `certificate` stats (or, where the browser reports none, its descriptions), and
 * waits on the chat and the panels.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import {
  byRole,
  clickButton,
  CONNECT_TIMEOUT_MS,
  LIVE,
  newUser,
  pressJoin,
  type User,
  waitForRemoteFrames,
  waitForStatus,
} from "./browser.ts";
import { watchPeerConnections } from "./peer_watch.ts";

/** Two people in `room` who joined and see each other; their peer connections are watched. */
export async function joinedPair(
  browsers: [Browser, Browser],
  baseUrl: string,
  room: string,
): Promise<[User, User]> {
  const users: User[] = [];
  for (const [i, name] of ["A", "B"].entries()) {
    const user = await newUser(browsers[i], baseUrl, { name });
    await watchPeerConnections(user.page);
    // The page's CSP (connect-src 'self') forbids fetching blob: URLs: keep the blobs it offers.
    await user.page.evaluateOnNewDocument(() => {
      const blobs = new Map<string, Blob>();
      const original = URL.createObjectURL;
      Object.assign(globalThis, { parleyBlobs: blobs });
      URL.createObjectURL = (object: Blob | MediaSource) => {
        const url = original(object);
        if (object instanceof Blob) blobs.set(url, object);
        return url;
      };
    });
    await user.page.goto(room);
    // Starting a fake camera takes over 15 s when six people's tests share two cores.
    await pressJoin(user.page, { timeoutMs: 3 * CONNECT_TIMEOUT_MS });
    users.push(user);
  }
  await Promise.all(users.map(async (user) => {
    await waitForRemoteFrames(user.page, LIVE, { timeoutMs: 3 * CONNECT_TIMEOUT_MS });
    await waitForStatus(user.page, "Connected.");
  }));
  return users as [User, User];
}

/** The local and remote certificate fingerprints `page`'s newest connection reports. */
export async function certificatesOf(page: Page): Promise<{ local: string; remote: string }> {
  const found = await page.waitForFunction(async () => {
    const pc = (globalThis as unknown as { parleyPeerConnections: RTCPeerConnection[] })
      .parleyPeerConnections.at(-1);
    if (!pc) return false;
    const stats = [...(await pc.getStats()).values()];
    const transport = stats.find((s) => s.type === "transport" && s.remoteCertificateId);
    if (!transport) {
      // Firefox has no certificate stats: the fingerprints its DTLS checked, from the SDP.
      if (!stats.some((s) => s.type === "candidate-pair" && s.state === "succeeded")) return false;
      const of = (sdp = "") => {
        const [, algorithm, value] = /a=fingerprint:(\S+) (\S+)/.exec(sdp) ?? [];
        return `${algorithm} ${value}`;
      };
      return { local: of(pc.localDescription?.sdp), remote: of(pc.remoteDescription?.sdp) };
    }
    const cert = (id: string) => {
      const c = stats.find((s) => s.id === id);
      return `${c.fingerprintAlgorithm} ${c.fingerprint}`;
    };
    return {
      local: cert(transport.localCertificateId),
      remote: cert(transport.remoteCertificateId),
    };
  }, { timeout: CONNECT_TIMEOUT_MS, polling: 200 });
  return await found.jsonValue() as { local: string; remote: string };
}

/**
 * The code as the test derives it on its own: both fingerprints sorted, PBKDF2-SHA-256 (200,000
 * rounds, the code's salt), the first 66 bits as 6 words of 11 bits from the BIP-39 list.
 */
export async function expectedCode(certificates: { local: string; remote: string }) {
  const normal = (f: string) => {
    const [algorithm, value] = f.split(" ");
    return `${algorithm.toLowerCase()} ${value.toUpperCase()}`;
  };
  const text = [normal(certificates.local), normal(certificates.remote)].sort().join("\n");
  const encode = (value: string) => new TextEncoder().encode(value);
  const key = await crypto.subtle.importKey("raw", encode(text), "PBKDF2", false, ["deriveBits"]);
  const salt = encode("Parley verification code, 66 bits");
  const bytes = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt, iterations: 200_000 },
      key,
      72,
    ),
  );
  const bits = [...bytes].map((byte) => byte.toString(2).padStart(8, "0")).join("");
  return Array.from({ length: 6 }, (_, i) => wordlist[parseInt(bits.slice(i * 11, i * 11 + 11), 2)])
    .join(" ");
}

/** A verification code as the page shows it: six lower-case words. */
export const CODE_PATTERN = /^[a-z]+( [a-z]+){5}$/;

/** Waits until `selector`'s text matches `pattern`; returns the text. */
export async function waitForMatch(
  page: Page,
  selector: string,
  pattern: RegExp,
  timeoutMs = CONNECT_TIMEOUT_MS,
): Promise<string> {
  try {
    await page.waitForFunction(
      (sel: string, source: string, flags: string) => {
        const text = document.querySelector(sel)?.textContent ?? "";
        return new RegExp(source, flags).test(text);
      },
      { timeout: timeoutMs, polling: 100 },
      selector,
      pattern.source,
      pattern.flags,
    );
  } catch (error) {
    const text = await page.$eval(selector, (e) => e.textContent).catch(() => "(missing)");
    assert.fail(`${selector} never matched ${pattern}; it says ${JSON.stringify(text)}: ${error}`);
  }
  return await page.$eval(selector, (e) => e.textContent ?? "");
}

/** One message of the chat as the page shows it. */
export interface ShownMessage {
  from: string;
  text: string;
  links: { href: string; rel: string; target: string; text: string }[];
  images: number;
}

/** The messages the chat's log shows (the log named "Messages"). */
export async function chatMessages(page: Page): Promise<ShownMessage[]> {
  const log = await byRole(page, "log", "Messages");
  try {
    return await log.evaluate((element) =>
      [...element.querySelectorAll<HTMLElement>("li[data-from]")].filter((li) =>
        li.querySelector(".bubble")
      ).map((li) => {
        const bubble = li.querySelector(".bubble")!;
        return {
          from: li.dataset.from!,
          text: bubble.textContent ?? "",
          images: bubble.querySelectorAll("img").length,
          links: [...bubble.querySelectorAll("a")].map((a) => ({
            href: a.href,
            rel: a.rel,
            target: a.target,
            text: a.textContent ?? "",
          })),
        };
      })
    );
  } finally {
    await log.dispose();
  }
}

/** Waits until a message `from` "me" or "them" matches `pattern`; resolves with it. */
export async function waitForMessage(
  page: Page,
  from: "me" | "them",
  pattern: RegExp,
  timeoutMs = CONNECT_TIMEOUT_MS,
): Promise<ShownMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await chatMessages(page)).find((m) => m.from === from && pattern.test(m.text));
    if (found) return found;
    if (Date.now() > deadline) {
      assert.fail(
        `no message from ${from} matched ${pattern}: ${JSON.stringify(await chatMessages(page))}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Types `text` into the chat and sends it. */
export async function sendChat(page: Page, text: string): Promise<void> {
  const field = await byRole(page, "textbox", "Message");
  await field.evaluate((input, value) => (input as HTMLInputElement).value = value, text);
  await field.dispose();
  await clickButton(page, "Send");
}

/** Chooses `path` in the file picker "Send a file" opens, as a person would. */
export async function sendFile(page: Page, path: string): Promise<void> {
  const [chooser] = await Promise.all([
    page.waitForFileChooser(),
    clickButton(page, "Send a file"),
  ]);
  await chooser.accept([path]);
}

/** The files the chat shows, each with whose it is and its status. */
export async function fileCards(page: Page): Promise<{ from: string; status: string }[]> {
  return await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>("[role=log] li[data-from]")].filter((li) =>
      li.querySelector(".file-status")
    ).map((li) => ({
      from: li.dataset.from!,
      status: li.querySelector(".file-status")?.textContent ?? "",
    }))
  );
}

/** Records every file status text the page shows from now on (progress may be quick). */
export async function recordFileStatuses(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    Object.assign(globalThis, { fileStatuses: seen });
    const log = document.querySelector("[role=log]")!;
    new MutationObserver(() => {
      for (const status of log.querySelectorAll(".file-status")) {
        const text = status.textContent ?? "";
        if (seen.at(-1) !== text) seen.push(text);
      }
    }).observe(log, { childList: true, subtree: true, characterData: true });
  });
}

/** The file statuses recorded so far. */
export async function fileStatuses(page: Page): Promise<string[]> {
  return await page.evaluate(() =>
    (globalThis as unknown as { fileStatuses: string[] }).fileStatuses
  );
}

/** Waits until the details panel's value for `term` ("Receiving", "Path", ...) matches. */
export async function waitForDetail(
  page: Page,
  term: string,
  pattern: RegExp,
  timeoutMs = CONNECT_TIMEOUT_MS,
): Promise<string> {
  const read = () =>
    page.evaluate((t: string) => {
      const dt = [...document.querySelectorAll("dt")].find((d) => d.textContent === t);
      return dt?.nextElementSibling?.textContent ?? null;
    }, term);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null && pattern.test(value)) return value;
    if (Date.now() > deadline) {
      assert.fail(`details: ${term} is ${JSON.stringify(value)}, not ${pattern}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
