/**
 * The room page's shell: a top bar (the brand and the theme switch), the screen the call is on,
 * and the live regions that speak status changes. It renders from the call machine's snapshots
 * (through {@linkcode callView}) after every change of the call or any of its children, once per
 * burst, and turns what the person does into machine events; each screen builds its own DOM and
 * lets go of it when another takes its place (`screen.ts`).
 *
 * The pre-join screen and the cards come with the page; the call screen, the peer connection,
 * the devices dialog, the shortcuts, and the switches of noise suppression and background blur
 * (with what runs them) come in a bundle of their own (`call_chunk.ts`): it is
 * fetched in the background once the pre-join screen is ready (a moment after the page itself
 * has arrived, so a first visit stays small), or at once when the person reaches for Join.
 *
 * @module
 */
import type { Actor } from "xstate";
import type { callMachine } from "../../machines/call_machine.ts";
import { chime, readLevel } from "../devices/audio_level.ts";
import { MAX_NAME_LENGTH } from "../presence/name.ts";
import { h, text } from "../ui/dom.ts";
import { themeButton } from "../ui/theme.ts";
import { callSnapshots, callView } from "./call_view.ts";
import { cardScreen } from "./card_screen.ts";
import { prejoinScreen } from "./prejoin.ts";
import type { PageHost, PageState, Screen } from "./screen.ts";
import { listenForShortcuts } from "./shortcuts.ts";
import { watchTree } from "./watch.ts";

/** What the call chunk gives the page (`call_chunk.ts`). */
type CallChunk = typeof import("./call_chunk.ts");

const NAME_KEY = "parley.name";
/** How long after the pre-join screen is ready the call's bundle is fetched in the background. */
const PREFETCH_AFTER_MS = 1000;

function storedName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? "";
  } catch {
    return "";
  }
}

let chunk: Promise<CallChunk> | null = null;
let arrived: (loaded: CallChunk) => void;
const chunkArrived = new Promise<CallChunk>((resolve) => arrived = resolve);

/** The call's chunk once something has loaded it (this never loads it). */
export function callChunkArrived(): Promise<CallChunk> {
  return chunkArrived;
}

/**
 * Where the build put the call's bundle (`call_chunk.ts`, built on its own: see server/build.ts);
 * filled in by the build.
 */
declare const PARLEY_CALL_URL: string;

/** The call's code and styles, loaded once (a bundle and a style sheet of their own). */
export function loadCallChunk(): Promise<CallChunk> {
  // A variable, so that the build leaves it to the browser: the bundle is built on its own.
  const url = PARLEY_CALL_URL;
  chunk ??= Promise.all([
    import(url) as Promise<CallChunk>,
    new Promise<void>((resolve) => {
      const link = h("link", { rel: "stylesheet", href: "/call.css" });
      link.addEventListener("load", () => resolve());
      link.addEventListener("error", () => resolve());
      document.head.append(link);
    }),
  ]).then(([module]) => {
    arrived(module);
    return module;
  });
  return chunk;
}

/** Makes a new room at once (the server answers `POST /new` with its address). */
function newCall(): void {
  const form = h("form", { method: "post", action: "/new", hidden: true });
  document.body.append(form);
  form.submit();
}

/** Binds the room page to a running call actor. */
export function mountCallPage(actor: Actor<typeof callMachine>): void {
  const send = actor.send.bind(actor);
  const status = h("p", { id: "status", className: "sr-only", role: "status" }, "Loading…");
  const announce = h("p", { className: "sr-only", role: "alert" });
  const slot = h("div", { className: "screen" });
  const app = h(
    "div",
    { id: "app", className: "app" },
    h(
      "header",
      { className: "topbar" },
      h("a", { className: "brand", href: "/" }, "Parley"),
      themeButton(),
    ),
    slot,
    status,
    announce,
  );
  document.body.replaceChildren(app);

  let name = storedName();
  let loaded: CallChunk | null = null;
  const link = location.origin + location.pathname;
  const host: PageHost = {
    send,
    link,
    name: {
      get: () => name,
      set(value) {
        name = value.trim().slice(0, MAX_NAME_LENGTH);
        try {
          localStorage.setItem(NAME_KEY, name);
        } catch {
          // Not remembered: still sent in this call.
        }
        soon();
      },
    },
    perform(event) {
      if (event === "newCall") newCall();
      else if (event === "checkConnection") globalThis.open("/check", "_blank", "noopener");
      else {
        navigator.clipboard?.writeText(link).then(
          () => text(status, "Link copied."),
          () => text(status, `The link: ${link}`),
        );
      }
    },
    effects: null,
    openDevices: () =>
      void loadCallChunk().then((c) =>
        c.showDevices({
          stream: () => actor.getSnapshot().context.stream as MediaStream | null,
          useDevice: (kind, deviceId) => send({ type: "user.useDevice", kind, deviceId }),
        })
      ),
    openHelp: () => void loadCallChunk().then((c) => c.showHelp()),
    preload: () =>
      void loadCallChunk().then((c) => {
        if (loaded) return;
        loaded = c;
        host.effects = c.effectControls({ send, snapshot: () => actor.getSnapshot() });
        soon();
      }),
    rerender: () => soon(),
    // One AudioContext for the page: the call's chunk uses the page's.
    audio: { readLevel, chime },
  };
  listenForShortcuts({ send, help: host.openHelp });

  // Leaving the page mid-call (the brand link, closing the tab) asks first.
  addEventListener("beforeunload", (event) => {
    if (callView(actor.getSnapshot()).inCall) event.preventDefault();
  });

  let screen: Screen | null = null;
  let screenKind = "";
  let focused = "";
  let announced = "";
  let prefetch: ReturnType<typeof setTimeout> | undefined;

  const render = () => {
    const snapshot = actor.getSnapshot();
    const { session, negotiation, link: linkSnapshot } = callSnapshots(snapshot);
    const view = callView(snapshot);
    app.dataset.screen = view.screen;
    app.dataset.state = JSON.stringify({
      call: snapshot.value,
      session: session?.value ?? null,
      negotiation: negotiation?.value ?? null,
      link: linkSnapshot?.value ?? null,
    });
    // A problem is said at once, in the assertive region, once.
    const problem = view.alert && !view.alert.neutral
      ? `${view.alert.title}. ${view.alert.text}`
      : "";
    if (problem !== announced) text(announce, announced = problem);

    if (view.screen === "call" && !loaded) host.preload();
    // While the person checks their camera, the call's code arrives: Join waits for nothing.
    if (view.canJoin && !prefetch) prefetch = setTimeout(host.preload, PREFETCH_AFTER_MS);
    const kind = view.screen === "call" ? (loaded ? "call" : "prejoin") : view.screen;
    if (kind !== screenKind) {
      screen?.destroy();
      screenKind = kind;
      screen = kind === "call"
        ? loaded!.callScreen(host)
        : kind === "message"
        ? cardScreen(host)
        : prejoinScreen(host);
      slot.replaceChildren(screen.element);
      app.dataset.shown = kind;
    }
    const state: PageState = {
      view,
      snapshot,
      stream: snapshot.context.stream as MediaStream | null,
      name,
    };
    screen!.update(state);
    text(status, screen!.status?.() ?? view.status);
    if (kind !== "call") {
      document.title = view.alert?.kind === "left"
        ? "Parley — you left"
        : view.alert
        ? `Parley — ${view.alert.title.toLowerCase()}`
        : "Parley call";
    }

    // Each new screen puts the keyboard on its main control.
    const focusKey = `${kind}:${view.focus}:${view.alert?.title}`;
    if (view.focus && focusKey !== focused) {
      const target = screen!.focusTarget(view.focus);
      if (target && !(target as HTMLButtonElement).disabled) {
        focused = focusKey;
        // Not while they type their name, or use a dialog.
        const busy = document.activeElement?.closest("input, select, textarea, dialog");
        if (!busy || view.focus === "alert") target.focus();
      }
    }
  };

  /**
   * One render per burst of changes, in a task of its own after the one that made them: a
   * description or candidate just received goes to the browser's WebRTC thread first, and the
   * page is drawn while that works (a MessageChannel task, which hidden tabs do not throttle as
   * they do timers).
   */
  const tick = new MessageChannel();
  let pending = false;
  tick.port1.onmessage = () => {
    pending = false;
    render();
  };
  const soon = () => {
    if (pending) return;
    pending = true;
    tick.port2.postMessage(null);
  };
  watchTree(actor, soon);
  render();
}
