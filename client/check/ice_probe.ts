/**
 * What the connection check measures in the browser: which kinds of ICE candidates this browser
 * gathers with the server's ICE servers, and how long each took; and a call from the page to
 * itself through the relay (two peer connections, relay only, one data-channel message there and
 * back).
 *
 * @module
 */
import type { IceServer } from "../../protocol/signaling.ts";

/** The ICE candidate kinds, as `RTCIceCandidate.type` names them. */
export type CandidateKind = "host" | "srflx" | "relay";

/** What gathering found. */
export interface Gathered {
  /** Per kind: how many, and milliseconds from the start of gathering to the first. */
  found: Partial<Record<CandidateKind, { count: number; firstMs: number; mdns: boolean }>>;
  /** `icecandidateerror`s: the ICE server's URL, the error code (401: refused, 701: silent). */
  errors: { url: string; code: number; text: string }[];
  /** Milliseconds until gathering completed, or null when it had not after the timeout. */
  completeMs: number | null;
}

/** Gathers candidates with `iceServers`; resolves when gathering completes or `timeoutMs` passes. */
export async function gatherCandidates(
  iceServers: IceServer[],
  timeoutMs = 8000,
): Promise<Gathered> {
  const pc = new RTCPeerConnection({ iceServers });
  const result: Gathered = { found: {}, errors: [], completeMs: null };
  const start = performance.now();
  const elapsed = () => Math.round(performance.now() - start);
  try {
    const complete = new Promise<void>((resolve) => {
      pc.onicecandidate = ({ candidate }) => {
        if (!candidate) return resolve();
        const kind = candidate.type;
        if (kind !== "host" && kind !== "srflx" && kind !== "relay") return;
        const seen = result.found[kind] ??= { count: 0, firstMs: elapsed(), mdns: false };
        seen.count += 1;
        seen.mdns ||= (candidate.address ?? "").endsWith(".local");
      };
      pc.onicecandidateerror = (event) => {
        const error = event as RTCPeerConnectionIceErrorEvent;
        result.errors.push({ url: error.url, code: error.errorCode, text: error.errorText });
      };
    });
    pc.createDataChannel("check");
    await pc.setLocalDescription(await pc.createOffer());
    const done = await Promise.race([complete.then(() => true), sleep(timeoutMs, false)]);
    if (done) result.completeMs = elapsed();
    return result;
  } finally {
    pc.close();
  }
}

/** How a call from the page to itself through the relay went. */
export type RelayRoundTrip =
  | { ok: true; connectMs: number; roundTripMs: number }
  | { ok: false; reason: string };

/**
 * Connects two peer connections of this page to each other through the relay only
 * (`iceTransportPolicy: "relay"`) and sends a data-channel message there and back.
 */
export async function relayRoundTrip(
  iceServers: IceServer[],
  timeoutMs = 10_000,
): Promise<RelayRoundTrip> {
  const config: RTCConfiguration = { iceServers, iceTransportPolicy: "relay" };
  const caller = new RTCPeerConnection(config);
  const callee = new RTCPeerConnection(config);
  const start = performance.now();
  try {
    caller.onicecandidate = ({ candidate }) => candidate && callee.addIceCandidate(candidate);
    callee.onicecandidate = ({ candidate }) => candidate && caller.addIceCandidate(candidate);
    // The callee answers every message with the same text.
    callee.ondatachannel = ({ channel }) => {
      channel.onmessage = ({ data }) => channel.send(data);
    };
    const channel = caller.createDataChannel("check");
    const echoed = new Promise<RelayRoundTrip>((resolve) => {
      let opened = 0;
      let sent = 0;
      channel.onopen = () => {
        opened = performance.now();
        sent = performance.now();
        channel.send("parley-check");
      };
      channel.onmessage = ({ data }) => {
        if (data !== "parley-check") return;
        resolve({
          ok: true,
          connectMs: Math.round(opened - start),
          roundTripMs: Math.round(performance.now() - sent),
        });
      };
    });
    await caller.setLocalDescription(await caller.createOffer());
    await callee.setRemoteDescription(caller.localDescription!);
    await callee.setLocalDescription(await callee.createAnswer());
    await caller.setRemoteDescription(callee.localDescription!);
    return await Promise.race([
      echoed,
      sleep<RelayRoundTrip>(timeoutMs, {
        ok: false,
        reason: `no connection through the relay within ${Math.round(timeoutMs / 1000)} s`,
      }),
    ]);
  } catch (error) {
    return { ok: false, reason: String((error as Error)?.message ?? error) };
  } finally {
    caller.close();
    callee.close();
  }
}

function sleep<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}
