/**
 * The connection check page (`/check`): in plain words and figures, whether this browser reaches
 * the Parley server, which kinds of ICE candidates it gathers and how fast, and whether a call
 * through the server's relay works. Each result is an `<li>` with `data-result` (`ok`, `none`,
 * `failed`) and `data-ms`; `#check[data-done]` turns `true` when all are in.
 *
 * @module
 */
import { io, type Socket } from "socket.io-client";
import { type CheckAck, type CheckInfo, ClientEvent } from "../../protocol/signaling.ts";
import { applyTheme, themeButton } from "../ui/theme.ts";
import { gatherCandidates, type Gathered, relayRoundTrip } from "./ice_probe.ts";

applyTheme();
document.querySelector(".topbar")?.append(themeButton());

type Result = "pending" | "ok" | "none" | "failed";
type Row = "server" | "host" | "srflx" | "relay" | "roundtrip";

const FIX_RELAY =
  "The person who runs this server can add one: see docs/deploy.md in Parley’s source.";

function show(row: Row, result: Result, text: string, ms?: number): void {
  const item = document.getElementById(`check-${row}`)!;
  item.dataset.result = result;
  if (ms === undefined) delete item.dataset.ms;
  else item.dataset.ms = String(ms);
  item.querySelector(".outcome")!.textContent = text;
}

function say(summary: string, status: string): void {
  document.getElementById("summary")!.textContent = summary;
  document.getElementById("status")!.textContent = status;
}

/** Connects to the server and asks for its ICE servers; null (and the row says why) on failure. */
async function reachServer(): Promise<CheckInfo | null> {
  const start = performance.now();
  const socket: Socket = io({ transports: ["websocket"], reconnection: false, timeout: 5000 });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", (error) => reject(error));
    });
    const connectMs = Math.round(performance.now() - start);
    const secure = location.protocol === "https:";
    const ack = await socket.timeout(5000).emitWithAck(ClientEvent.check) as CheckAck;
    if (!ack.ok) {
      show("server", "failed", `Reached in ${connectMs} ms, but: ${ack.error.message}`, connectMs);
      return null;
    }
    show(
      "server",
      "ok",
      `Reached in ${connectMs} ms over a ${secure ? "secure WebSocket (wss)" : "WebSocket (ws)"}.`,
      connectMs,
    );
    return ack;
  } catch (error) {
    show(
      "server",
      "failed",
      `Can’t reach the Parley server (${(error as Error).message}). Check this device’s ` +
        "network; if other sites load, the server may be down.",
    );
    return null;
  } finally {
    socket.disconnect();
  }
}

function hasStun(info: CheckInfo): boolean {
  return info.iceServers.some((s) => [s.urls].flat().some((url) => /^stuns?:/i.test(url)));
}

function errorsFor(gathered: Gathered, scheme: RegExp): Gathered["errors"] {
  return gathered.errors.filter((error) => scheme.test(error.url));
}

function showCandidates(info: CheckInfo, gathered: Gathered): void {
  const host = gathered.found.host;
  if (host) {
    const named = host.mdns ? " (as private .local names: this browser hides its addresses)" : "";
    show("host", "ok", `Found ${host.count} after ${host.firstMs} ms${named}.`, host.firstMs);
  } else {
    show(
      "host",
      "none",
      "None: this browser offers no local address. Calls can still use the relay.",
    );
  }

  const srflx = gathered.found.srflx;
  const stunErrors = errorsFor(gathered, /^stuns?:/i);
  if (srflx) {
    show(
      "srflx",
      "ok",
      `Found after ${srflx.firstMs} ms: the STUN server sees this browser through its router, so ` +
        "direct calls can work.",
      srflx.firstMs,
    );
  } else if (!hasStun(info)) {
    show("srflx", "none", "Not tried: this server has no STUN server configured.");
  } else if (stunErrors.length > 0) {
    show(
      "srflx",
      "failed",
      `The STUN server did not answer (${describeErrors(stunErrors)}). Calls between two ` +
        "networks will need the relay.",
    );
  } else {
    show(
      "srflx",
      "none",
      "None: the STUN server saw the same address as the local one (no router in between).",
    );
  }

  const relay = gathered.found.relay;
  const turnErrors = errorsFor(gathered, /^turns?:/i);
  if (relay) {
    show(
      "relay",
      "ok",
      `Found after ${relay.firstMs} ms: the relay accepted this server’s credentials.`,
      relay.firstMs,
    );
  } else if (!info.relay) {
    show(
      "relay",
      "none",
      `This server has no relay (TURN): calls between two strict networks cannot connect. ${FIX_RELAY}`,
    );
  } else if (turnErrors.some((error) => error.code === 401)) {
    show(
      "relay",
      "failed",
      "The relay refused Parley’s credentials (error 401): the server’s TURN_SECRET and the " +
        "relay’s static-auth-secret differ, or their clocks do.",
    );
  } else {
    const why = turnErrors.length > 0 ? describeErrors(turnErrors) : "no answer";
    show(
      "relay",
      "failed",
      `The relay did not answer (${why}): it may be down, or a firewall blocks it.`,
    );
  }
}

function describeErrors(errors: Gathered["errors"]): string {
  const codes = [...new Set(errors.map((e) => `${e.code}${e.text ? ` ${e.text}` : ""}`))];
  return `error ${codes.join(", ")}`;
}

async function run(): Promise<void> {
  const page = document.getElementById("check")!;
  const again = document.getElementById("check-again") as HTMLButtonElement;
  page.dataset.done = "false";
  again.disabled = true;
  for (const row of ["server", "host", "srflx", "relay", "roundtrip"] as const) {
    show(row, "pending", "Waiting…");
  }
  say("Checking what this browser can reach…", "Checking your connection…");

  const info = await reachServer();
  if (!info) {
    for (const row of ["host", "srflx", "relay", "roundtrip"] as const) {
      show(row, "none", "Not tried: the server could not be reached.");
    }
    say("This browser cannot reach the Parley server.", "Check finished: no server.");
  } else {
    const gathered = await gatherCandidates(info.iceServers);
    showCandidates(info, gathered);
    if (!info.relay) {
      show("roundtrip", "none", "Not tried: this server has no relay.");
    } else if (!gathered.found.relay) {
      show("roundtrip", "failed", "Not possible: this browser got no address on the relay.");
    } else {
      show("roundtrip", "pending", "Calling this page through the relay…");
      const trip = await relayRoundTrip(info.iceServers);
      if (trip.ok) {
        show(
          "roundtrip",
          "ok",
          `Works: connected through the relay in ${trip.connectMs} ms; a message went there and ` +
            `back in ${trip.roundTripMs} ms.`,
          trip.roundTripMs,
        );
      } else {
        show("roundtrip", "failed", `Failed: ${trip.reason}.`);
      }
    }
    say(...verdict(info, gathered));
  }
  page.dataset.done = "true";
  again.disabled = false;
}

/** The one-line answer at the top, and the status line. */
function verdict(info: CheckInfo, gathered: Gathered): [string, string] {
  const trip = document.getElementById("check-roundtrip")!.dataset.result;
  if (trip === "ok") {
    return [
      "All good: calls from this browser can get through, through the relay where nothing else does.",
      "Check finished: all good.",
    ];
  }
  if (info.relay) {
    return [
      "The relay does not work from here: calls between two strict networks will fail.",
      "Check finished: the relay does not work.",
    ];
  }
  if (gathered.found.srflx) {
    return [
      "Calls work on most networks; this server has no relay for the strictest ones.",
      "Check finished: no relay.",
    ];
  }
  return [
    "Calls work on the same network; across networks they may fail: this server has neither a " +
    "working STUN server nor a relay.",
    "Check finished: local calls only.",
  ];
}

document.getElementById("check-again")!.addEventListener("click", () => void run());
void run();
