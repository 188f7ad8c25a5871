/**
 * The call screen: the stage, the control bar with its More menu, and the side panel (chat, or
 * the details), rendered from each {@linkcode PageState}. It follows each person's current
 * connection (its data channels for presence, chat and files: `remote_links.ts`), watches each
 * connection's stats and adapts what it sends on it (`connection_watch.ts`: the pills of a call of
 * two, a note on each tile of a group, `connection_notes.ts`), reads the details of the one the
 * person picks, and lets go of all of it when the screen goes.
 *
 * @module
 */
import type { PeerChannels } from "../../machines/peer_types.ts";
import { dataSaverOn, rememberDataSaver } from "../adaptation/data_saver.ts";
import { type ChatView, chatView } from "../chat/chat_view.ts";
import { effectMarks, effectSwitches } from "../processing/effect_switches.ts";
import type { Presence } from "../presence/presence.ts";
import { mountDetailsPanel } from "../quality/details_panel.ts";
import { connectionWatch } from "../quality/connection_watch.ts";
import { statsReader } from "../quality/stats_feed.ts";
import { isolate } from "../text/safe_text.ts";
import { h } from "../ui/dom.ts";
import { applyTheme, currentTheme } from "../ui/theme.ts";
import { controlBar } from "./control_bar.ts";
import { fadeWhenIdle } from "./idle.ts";
import { type MenuContext, menuItems } from "./menu_items.ts";
import { moreMenu } from "./more_menu.ts";
import { callSnapshots } from "./call_view.ts";
import { remoteLinks } from "./remote_links.ts";
import { type People, peopleOf } from "./people.ts";
import { whosePicker } from "./whose_picker.ts";
import type { PageHost, PageState, Screen } from "./screen.ts";
import { sidePanel } from "./side_panel.ts";
import { stage } from "./stage.ts";
import { clock, type ClockStart, nextClock } from "./stage_view.ts";
import { stageWords } from "./stage_words.ts";

/** Whether the browser can share a screen (phones cannot). */
const canShare = typeof navigator.mediaDevices?.getDisplayMedia === "function";

/** The call screen. */
export function callScreen(host: PageHost): Screen {
  let state: PageState | null = null;
  // Set by the page when this chunk loaded, before any call screen is made.
  const effects = host.effects!;
  const rerender = () => host.rerender();
  const root = h("main", { className: "call" }, h("h1", { className: "sr-only" }, "Call"));
  const theStage = stage(host, rerender);
  const panel = sidePanel(rerender);
  let fit: "fit" | "fill" = matchMedia("(orientation: portrait) and (max-width: 600px)").matches
    ? "fill"
    : "fit";
  let unread = 0;
  /** The first person's session (the other person, in a call of two). */
  let first = "";
  let people: People = { here: [], gone: [] };

  const chat: ChatView = chatView({
    onUnread: (count) => {
      if (count === unread) return;
      unread = count;
      rerender();
    },
    theirName: (peer) => links.lastName(peer ?? first),
  });
  const links = remoteLinks(chat, rerender);
  const speak = stageWords(links);
  // Each connection's stats, its verdict and what Parley does to each side's picture on it.
  const watch = connectionWatch({
    choice: { on: dataSaverOn, remember: rememberDataSaver },
    expected: (session) => {
      const theirs = links.theirs(session);
      return { video: theirs?.camera !== false && !theirs?.sharing && !theirs?.switching };
    },
    onChange: rerender,
  });
  let details: { body: HTMLElement; stop: () => void } | null = null;

  const openChat = (from: HTMLElement | null) => {
    chat.setOpen(true);
    panel.show("chat", { title: "Chat", body: chat.body, focus: () => chat.input }, from);
  };
  // The details show one connection: the first person's, or whom the person picks in a group.
  const detailStats = statsReader();
  let watched = "";
  const picker = whosePicker((session) => {
    watched = session;
    rerender();
  });
  const openDetails = (from: HTMLElement | null) => {
    if (!details) {
      const inner = h("div");
      const body = h(
        "div",
        { className: "details", tabIndex: 0, "aria-label": "Details" },
        picker.element,
        inner,
      );
      const whom = () =>
        people.here.length > 1 ? isolate(links.lastName(watched) || "this person") : null;
      details = { body, stop: mountDetailsPanel(inner, detailStats, whom) };
    }
    panel.show("details", { title: "Details", body: details.body }, from);
  };

  const context = (): MenuContext => ({
    view: state!.view,
    theme: currentTheme(),
    fit,
    selfHidden: theStage.self.hidden(),
    canShare,
    canPictureInPicture: document.pictureInPictureEnabled === true,
    canFullscreen: document.fullscreenEnabled === true,
    fullscreen: document.fullscreenElement !== null,
    dataSaver: watch.dataSaver(),
    effects: effectSwitches(state!.snapshot).map((s) => ({
      ...s,
      note: effects.note(s.effect, s.status),
    })),
    act: {
      openDevices: host.openDevices,
      openDetails: () => openDetails(menu.button),
      copyLink: () => host.perform("copyLink"),
      toggleShare,
      toggleFit: () => {
        fit = fit === "fit" ? "fill" : "fit";
        rerender();
      },
      toggleSelf: () => theStage.self.toggleHidden(),
      pictureInPicture: () =>
        void theStage.remoteVideo()?.requestPictureInPicture().catch(() => {}),
      toggleFullscreen: () => {
        if (document.fullscreenElement) void document.exitFullscreen();
        else void root.requestFullscreen().catch(() => {});
      },
      toggleDataSaver: () => {
        watch.setDataSaver(!watch.dataSaver());
        rerender();
      },
      toggleEffect: effects.toggle,
      openHelp: host.openHelp,
      setTheme: applyTheme,
    },
  });
  const toggleShare = () =>
    host.send({ type: state?.view.sharing ? "user.stopSharing" : "user.shareScreen" });
  const menu = moreMenu(() => menuItems(context()), rerender);
  const bar = controlBar({
    toggleMic: () => host.send({ type: "user.toggleMic" }),
    toggleCamera: () => host.send({ type: "user.toggleCamera" }),
    toggleShare,
    toggleChat: () => panel.open() === "chat" ? panel.close() : openChat(bar.chatButton),
    hangUp: () => host.send({ type: "user.hangUp" }),
  }, menu);
  root.append(
    h("div", { className: "call-body" }, theStage.element, panel.element),
    bar.element,
    menu.menu,
  );
  const idle = fadeWhenIdle(
    root,
    () => state?.view.peer === "here" && !menu.isOpen() && panel.open() === null,
  );

  let presenceWords: string | null = null;

  // The call's clock runs while the two of you are connected.
  let since: ClockStart = null;
  let ticking: ReturnType<typeof setInterval> | undefined;
  let countWas = 0;

  return {
    element: root,
    update(next) {
      state = next;
      const { view, stream } = next;
      const live = stream?.getVideoTracks().some((t) => t.readyState === "live") ?? false;
      const camera = view.cameraOn && view.hasVideo;
      const mine: Presence = {
        mic: view.micOn && view.hasAudio,
        camera,
        name: next.name,
        sharing: view.sharing,
        switching: camera && !live && !view.sharing,
      };
      // The other people (while in the call), each connection watched.
      people = view.inCall ? peopleOf(next.snapshot) : { here: [], gone: [] };
      const { here } = people;
      first = here[0]?.session ?? "";
      watch.update(
        here.map((p) => ({ session: p.session, channels: p.channels as PeerChannels | null })),
        view.sharing ? "screen" : camera ? "camera" : "none",
      );
      if (!here.some((p) => p.session === watched)) watched = first;
      picker.update(
        here.map((p) => ({ session: p.session, name: links.lastName(p.session) })),
        watched,
      );
      const shown = here.find((p) => p.session === watched)?.channels ?? null;
      detailStats.follow(panel.open() === "details" ? shown : null);
      links.update(people, mine);
      const session = callSnapshots(next.snapshot).session;
      const { words, pill } = speak({
        view,
        people,
        health: (id) => watch.health(id) ?? {},
        offline: !!session?.context.joinedOnce && session.hasTag("connecting"),
      });
      document.title = words.title;
      presenceWords = words.presence;

      const started = nextClock(since, view, Date.now());
      if (started !== since) {
        since = started;
        clearInterval(ticking);
        if (since !== null) ticking = setInterval(rerender, 1000);
      }
      // A chime as someone comes (rising) or goes.
      const count = words.tiles.length;
      if (count !== countWas) {
        host.audio.chime(count > countWas);
        countWas = count;
        idle.poke();
      }
      if (!view.inCall) panel.close();

      root.dataset.panel = panel.open() ?? "none";
      root.dataset.alone = String(words.tiles.length === 0);
      theStage.update({
        words,
        pill,
        stream,
        streams: new Map(here.map((p) => [p.session, p.remoteStream as MediaStream | null])),
        cameraOn: view.cameraOn,
        sharing: view.sharing,
        fit,
        // What each person's picture does is told over their connection (their adaptation's).
        paused: new Set(
          here.filter((p) => watch.health(p.session)?.theirs?.video === "paused")
            .map((p) => p.session),
        ),
        selfMarks: effectMarks(effectSwitches(next.snapshot)),
      });
      chat.setOpen(panel.open() === "chat");
      bar.update({
        view,
        clock: since === null ? null : clock(Date.now() - since),
        chatOpen: panel.open() === "chat",
        unread,
        canShare,
      });
    },
    focusTarget: (focus) =>
      focus === "copy"
        ? theStage.invite.copyButton
        : focus === "mic"
        ? bar.element.querySelector("button")
        : null,
    destroy() {
      clearInterval(ticking);
      idle.destroy();
      menu.destroy();
      watch.stop();
      detailStats.stop();
      links.destroy();
      details?.stop();
      theStage.destroy();
    },
    status: () => presenceWords,
  };
}
