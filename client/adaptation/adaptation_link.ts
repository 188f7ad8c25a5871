/**
 * The page's side of the adaptation (`adaptation.ts`): one per peer connection, fed the stats the
 * page reads each second; its limits are applied by that connection's peer connection actor
 * (`PeerChannels.limit`, `send_controls.ts`). What it does with this side's picture is told to the
 * other side over the call's control channel (a `sending` message, on every change and when the
 * channel opens), and what the other side says about theirs is kept for the indicator.
 *
 * @module
 */
import type { PeerChannels } from "../../machines/peer_types.ts";
import {
  adapt,
  type Adaptation,
  initialAdaptation,
  limitsOf,
  type SendingState,
  sendingState,
} from "./adaptation.ts";
import { type MessageChannel, peerMessages } from "../effects/peer_messages.ts";
import type { VideoSource } from "./send_levels.ts";
import { readSending, sendingMessage, toldState } from "./sending_view.ts";
import type { StatsSample } from "../quality/stats_sample.ts";

/** The adaptation of the current connection. */
export interface AdaptationLink {
  /** Follow `channels` (a new connection, or none) sending from `source`. */
  follow(channels: PeerChannels | null, source: VideoSource): void;
  /** One more second of the call. */
  update(sample: StatsSample): void;
  /** Data saver on or off (remembered in this browser). */
  setDataSaver(on: boolean): void;
  dataSaver(): boolean;
  /** How this side's picture goes, and how the other side says theirs goes. */
  mine(): SendingState | null;
  theirs(): SendingState | null;
}

/** The "Data saver" choice as the page keeps it (`data_saver.ts`, in the page's own bundle). */
export interface DataSaverChoice {
  on(): boolean;
  remember(on: boolean): void;
}

/**
 * The page's adaptation, data saver as `choice` says; `onChange` runs when what either side's
 * picture does changes.
 */
export function adaptationLink(choice: DataSaverChoice, onChange: () => void): AdaptationLink {
  let channels: PeerChannels | null = null;
  let state: Adaptation | null = null;
  let source: VideoSource = "none";
  let saver = choice.on();
  let theirs: SendingState | null = null;
  // What this side's picture was last said to do (`toldState`).
  let told: SendingState | null = null;
  let applied = "";
  let shown = "";
  let said = "";
  let stops: (() => void)[] = [];

  const bus = () => channels && peerMessages(channels.control as unknown as MessageChannel);
  const say = () => {
    const text = told ? JSON.stringify(told) : "";
    if (!told || text === said) return;
    if (bus()?.send(sendingMessage(told))) said = text;
  };
  /** Applies and tells what changed. */
  const settle = () => {
    const limits = state && limitsOf(state);
    const text = JSON.stringify(limits);
    if (limits && text !== applied) channels?.limit?.(limits);
    applied = text;
    told = state && toldState(told, sendingState(state));
    const now = JSON.stringify(told);
    if (now === shown) return;
    shown = now;
    say();
    onChange();
  };
  const tell = (input: Parameters<typeof adapt>[1]) => {
    if (!state) return;
    state = adapt(state, input);
    settle();
  };

  const start = () => {
    for (const stop of stops) stop();
    stops = [];
    said = applied = "";
    told = null;
    if (theirs) {
      theirs = null;
      queueMicrotask(onChange);
    }
    state = channels ? initialAdaptation(source, saver) : null;
    settle();
    const messages = bus();
    if (!messages) return;
    stops = [
      messages.on("sending", (message) => {
        const heard = readSending(message);
        if (!heard) return;
        theirs = toldState(theirs, heard);
        onChange();
      }),
      messages.onOpen(() => {
        said = "";
        say();
      }),
    ];
  };

  return {
    follow(next, nextSource) {
      if (next !== channels) {
        channels = next;
        source = nextSource;
        start();
      } else if (nextSource !== source) {
        source = nextSource;
        tell({ type: "source", source });
      }
    },
    update(sample) {
      // Said again until it got through (the channel may have been closed at the change).
      say();
      tell({
        type: "sample",
        at: sample.at,
        sample: {
          estimate: sample.estimate,
          loss: sample.outLossFraction,
          rttMs: sample.mediaRttMs ?? sample.rttMs,
          cpuLimited: sample.cpuLimited,
        },
      });
    },
    setDataSaver(on) {
      saver = on;
      choice.remember(on);
      tell({ type: "saver", on });
    },
    dataSaver: () => saver,
    mine: () => told,
    theirs: () => theirs,
  };
}
