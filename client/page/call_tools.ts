/**
 * The call's tools, mounted once the person joins (`call_tools_loader.ts` loads this chunk then):
 * buttons in `#call-tools` (Chat with its unread badge, Share screen, Details), panels in
 * `#side-panel` (chat and files, the connection details with the verification code), and the
 * quality indicator. Each part mounts its own DOM into the containers it is given; this module
 * finds (or makes) the containers and follows the call's current connection: its data channels
 * for chat and files, its stats for the indicator, the panel and the code.
 *
 * @module
 */
import type { Actor, AnyActorRef } from "xstate";
import type { callMachine, PeerChannels } from "../../machines/call_machine.ts";
import { adaptationLink, type DataSaverChoice } from "../adaptation/adaptation_link.ts";
import { sendingLines } from "../adaptation/sending_view.ts";
import { mountChatPanel } from "../chat/chat_view.ts";
import { peerMessages } from "../effects/peer_messages.ts";
import { mountQualityView } from "../quality/quality_view.ts";
import { statsReader } from "../quality/stats_feed.ts";

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

/** What the page gives the tools (passed in: importing it would split the entry). */
export interface CallToolsHost {
  /** Runs `onChange` after every change of the call or any of its children; returns a stop. */
  watch(onChange: () => void): () => void;
  /** The "Data saver" choice, remembered in this browser (`adaptation/data_saver.ts`). */
  dataSaver: DataSaverChoice;
}

/** Mounts every tool for the call run by `actor`. */
export function mountCallTools(actor: Actor<typeof callMachine>, host: CallToolsHost): void {
  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = "/panels.css";
  document.head.append(style);

  const tools = container("call-tools", "call-tools");
  const side = container("side-panel", "side-panel");
  const stats = statsReader();
  const quality = mountQualityView(container("quality", "quality"));

  const chatButton = button("open-chat", "Chat");
  const badge = document.createElement("span");
  badge.id = "chat-unread";
  badge.className = "badge";
  badge.hidden = true;
  chatButton.append(badge);
  const shareButton = button("share-screen", "Share screen");
  const detailsButton = button("open-details", "Details");
  // Until the call's More menu offers it.
  const saverButton = button("data-saver-button", "Data saver");
  tools.append(chatButton, shareButton, detailsButton, saverButton);

  // What Parley does to each side's picture, said by the indicator; theirs paused is not shown.
  const adapt = adaptationLink(host.dataSaver, () => {
    quality.setSending(sendingLines(adapt.mine(), adapt.theirs()));
    const remoteTile = document.getElementById("remote-tile");
    if (remoteTile) remoteTile.dataset.videoPaused = String(adapt.theirs()?.video === "paused");
  });
  const showSaver = () => saverButton.setAttribute("aria-pressed", String(adapt.dataSaver()));
  saverButton.addEventListener("click", () => {
    adapt.setDataSaver(!adapt.dataSaver());
    showSaver();
    // The pre-join screen's box says the same, should the person come back to it.
    const box = document.getElementById("data-saver") as HTMLInputElement | null;
    if (box) box.checked = adapt.dataSaver();
  });
  showSaver();
  stats.subscribe((sample) => {
    if (sample) {
      quality.update(sample);
      adapt.update(sample);
    } else if (sample === null) quality.clear();
  });

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
    import("../quality/details_panel.ts").then(({ mountDetailsPanel }) =>
      mountDetailsPanel(detailsPanel, stats)
    );
  });
  shareButton.addEventListener("click", () =>
    actor.send({
      type: actor.getSnapshot().hasTag("sharing") ? "user.stopSharing" : "user.shareScreen",
    }));

  let channels: PeerChannels | null = null;
  let detach: (() => void) | null = null;
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
    // (Not the machines' `hasKind`: importing it would split it out of the entry.)
    const { cameraOn, stream } = snapshot.context;
    const camera = cameraOn && !!stream?.getTracks().some((track) => track.kind === "video");
    adapt.follow(now, sharing ? "screen" : camera ? "camera" : "none");
    if (now === channels) return;
    // A new connection (after a reconnect): chat and files go over its channels from now on.
    detach?.();
    channels = now;
    stats.follow(channels);
    detach = channels
      ? chatPanel.attach(
        peerMessages(channels.control as RTCDataChannel),
        channels.files as RTCDataChannel,
      )
      : null;
  };
  // Every change of the call or its children: a reconnect brings a new negotiation's channels.
  host.watch(follow);
  follow();
}
