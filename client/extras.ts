/**
 * The call's extras (issue 11), mounted once the person joins (`extras_loader.ts` loads this
 * chunk then): buttons in `#call-tools` (Chat with its unread badge, Share screen, Details),
 * panels in `#side-panel` (chat and files, the connection details with the verification code),
 * and the quality indicator. Each part mounts its own DOM into the containers it is given; this
 * module finds (or makes) the containers, follows the call's current connection and reads its
 * stats once a second for the parts that need them.
 *
 * @module
 */
import type { Actor, AnyActorRef } from "xstate";
import type { callMachine, PeerChannels } from "../machines/call_machine.ts";
import { mountChatPanel } from "./chat_view.ts";
import { peerMessages } from "./peer_messages.ts";
import { mountQualityView } from "./quality_view.ts";
import { sample, type StatsSample } from "./stats_sample.ts";
import {
  certificateFingerprints,
  sdpFingerprints,
  type StatsEntry,
  verificationCode,
} from "./verification.ts";

/**
 * The current connection's data channels (the session's negotiation's), read from the actor
 * tree directly: importing the page's own helpers for this would split them out of the entry
 * into a chunk of their own, and the first visit would grow.
 */
function currentChannels(actor: Actor<typeof callMachine>): PeerChannels | null {
  const child = (parent: unknown, id: string) =>
    (parent as { children?: Record<string, AnyActorRef | undefined> } | undefined)?.children?.[id]
      ?.getSnapshot();
  const negotiation = child(child(actor.getSnapshot(), "session"), "negotiation");
  return (negotiation?.context?.channels ?? null) as PeerChannels | null;
}

/** How often the page looks for a new connection (after a reconnect) to speak over. */
const FOLLOW_MS = 250;

/** How often the connection's stats are read. */
export const STATS_INTERVAL_MS = 1000;

/** What a panel that shows the connection gets every second. */
export interface StatsFeed {
  /** The last minute of samples, oldest first (the newest is the current second). */
  readonly history: readonly StatsSample[];
  /** The verification code of the current connection, once DTLS is done. */
  readonly code: string | null;
  /** Calls `listener` after every new sample or code; returns a stop. */
  subscribe(listener: () => void): () => void;
}

function container(id: string, className: string): HTMLElement {
  const existing = document.getElementById(id);
  if (existing) return existing;
  const made = document.createElement("div");
  made.id = id;
  made.className = className;
  (document.getElementById("app") ?? document.body).append(made);
  return made;
}

function button(id: string, label: string): HTMLButtonElement {
  const made = document.createElement("button");
  made.type = "button";
  made.id = id;
  made.textContent = label;
  return made;
}

/** Mounts every extra for the call run by `actor`. */
export function mountExtras(actor: Actor<typeof callMachine>): void {
  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = "/extras.css";
  document.head.append(style);

  const tools = container("call-tools", "call-tools");
  const side = container("side-panel", "side-panel");
  const quality = mountQualityView(container("quality", "quality"));

  const chatButton = button("open-chat", "Chat");
  const badge = document.createElement("span");
  badge.id = "chat-unread";
  badge.className = "badge";
  badge.hidden = true;
  chatButton.append(badge);
  const shareButton = button("share-screen", "Share screen");
  const detailsButton = button("open-details", "Details");
  tools.append(chatButton, shareButton, detailsButton);

  const chatPanel = mountChatPanel(side, {
    onUnread: (count) => {
      badge.hidden = count === 0;
      badge.textContent = String(count);
      chatButton.setAttribute("aria-label", count ? `Chat, ${count} unread` : "Chat");
    },
  });
  const detailsPanel = document.createElement("section");
  detailsPanel.id = "details-panel";
  detailsPanel.className = "panel";
  detailsPanel.setAttribute("aria-label", "Connection details");
  detailsPanel.hidden = true;
  side.append(detailsPanel);

  const openPanel = (which: "chat" | "details" | null) => {
    chatPanel.setOpen(which === "chat");
    detailsPanel.hidden = which !== "details";
    chatButton.setAttribute("aria-pressed", String(which === "chat"));
    detailsButton.setAttribute("aria-pressed", String(which === "details"));
    side.hidden = which === null;
  };
  chatButton.addEventListener("click", () => openPanel(chatPanel.isOpen() ? null : "chat"));
  let panelLoaded = false;
  detailsButton.addEventListener("click", () => {
    const open = detailsPanel.hidden;
    openPanel(open ? "details" : null);
    if (!open || panelLoaded) return;
    panelLoaded = true;
    // Only the curious open it: its charts are a chunk of their own.
    import("./connection_panel.ts").then(({ mountConnectionPanel }) =>
      mountConnectionPanel(detailsPanel, feed)
    );
  });
  shareButton.addEventListener("click", () =>
    actor.send({
      type: actor.getSnapshot().hasTag("sharing") ? "user.stopSharing" : "user.shareScreen",
    }));

  // --- Stats, once a second, for the indicator, the panel and the code --------------------------
  const listeners = new Set<() => void>();
  const history: StatsSample[] = [];
  const feed: StatsFeed = {
    history,
    code: null,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const changed = () => {
    for (const listener of listeners) listener();
  };
  let channels: PeerChannels | null = null;
  let detach: (() => void) | null = null;
  let previous: StatsEntry[] | null = null;
  let reading = false;
  const readStats = async () => {
    const stats = channels?.stats;
    if (!stats || reading) return;
    reading = true;
    try {
      const report = await stats() as RTCStatsReport;
      const entries = [...report.values()] as StatsEntry[];
      if (stats !== channels?.stats) return;
      if (previous) {
        const next = sample(previous, entries);
        history.push(next);
        if (history.length > 60) history.shift();
        quality.update(next);
      }
      previous = entries;
      if (!feed.code) {
        const connected = entries.some((e) =>
          e.type === "transport" && e.dtlsState === "connected"
        ) ||
          entries.some((e) => e.type === "candidate-pair" && e.state === "succeeded");
        const fingerprints = certificateFingerprints(entries) ??
          (connected && channels?.sdp ? sdpFingerprints(channels.sdp()) : null);
        if (fingerprints) {
          (feed as { code: string | null }).code = await verificationCode(fingerprints);
        }
      }
      changed();
    } catch {
      // The connection closed between two reads: the next one will tell.
    } finally {
      reading = false;
    }
  };
  setInterval(readStats, STATS_INTERVAL_MS);

  const follow = () => {
    const snapshot = actor.getSnapshot();
    const inCall = snapshot.matches({ live: "inCall" });
    const sharing = snapshot.hasTag("sharing");
    shareButton.textContent = sharing ? "Stop sharing" : "Share screen";
    shareButton.setAttribute("aria-pressed", String(sharing));
    shareButton.disabled = !inCall || !navigator.mediaDevices?.getDisplayMedia;
    tools.hidden = !inCall;
    // The side panel takes room only while one of its panels is open.
    side.hidden = !inCall || (!chatPanel.isOpen() && detailsPanel.hidden);
    if (!inCall) quality.clear();
    const now = currentChannels(actor);
    if (now === channels) return;
    // A new connection (after a reconnect): chat and files go over its channels from now on.
    detach?.();
    channels = now;
    previous = null;
    (feed as { code: string | null }).code = null;
    quality.clear();
    detach = channels
      ? chatPanel.attach(
        peerMessages(channels.control as RTCDataChannel),
        channels.files as RTCDataChannel,
      )
      : null;
    changed();
  };
  actor.subscribe(follow);
  setInterval(follow, FOLLOW_MS);
  follow();
}
