/**
 * Each connection of a call watched on its own: per person, a stats reader (`stats_feed.ts`, one
 * `getStats()` a second), the quality indicator's judgement (`quality.ts`) and the adaptation of
 * this side's picture on that connection (`adaptation_link.ts`), made as they arrive and let go as
 * they leave. In a group, a poor link with one person lowers or pauses only what goes to them,
 * and the page says so on their tile; the share of the uplink each connection gets on top
 * (`meshLimits`) is the remote links' (`remote_links.ts`).
 *
 * @module
 */
import type { PeerChannels } from "../../machines/peer_types.ts";
import type { SendingState } from "../adaptation/adaptation.ts";
import {
  type AdaptationLink,
  adaptationLink,
  type DataSaverChoice,
} from "../adaptation/adaptation_link.ts";
import type { VideoSource } from "../adaptation/send_levels.ts";
import {
  type Expected,
  initialQuality,
  nextQuality,
  type Problem,
  type QualityState,
  verdict,
} from "./quality.ts";
import { type StatsReader, statsReader } from "./stats_feed.ts";

/** One other person's connection, as the page knows it. */
export interface WatchedPerson {
  session: string;
  channels: PeerChannels | null;
}

/** How one connection goes: the indicator's verdict, and what each side's picture does on it. */
export interface ConnectionHealth {
  problems: Problem[];
  /** This side's picture to them. */
  mine: SendingState | null;
  /** Their picture to this side, as they say. */
  theirs: SendingState | null;
}

/** Every connection of the call, watched. */
export interface ConnectionWatch {
  /** Follows `people` (watches made and let go), this side sending `source` to each. */
  update(people: readonly WatchedPerson[], source: VideoSource): void;
  /** How the connection with `session` goes (null: not watched). */
  health(session: string): ConnectionHealth | null;
  /** Data saver on or off, for every connection (remembered in this browser). */
  setDataSaver(on: boolean): void;
  dataSaver(): boolean;
  /** Stops every reader and adaptation for good. */
  stop(): void;
}

/** What the watch needs from the page. */
export interface ConnectionWatchOptions {
  /** The "Data saver" choice as the page keeps it. */
  choice: DataSaverChoice;
  /** What `session` said they send (a camera off is not a frozen picture). */
  expected(session: string): Expected;
  /** Runs when a verdict or what a picture does changes. */
  onChange(): void;
}

interface Watch {
  channels: PeerChannels | null;
  stats: StatsReader;
  adapt: AdaptationLink;
  quality: QualityState;
  stop(): void;
}

/** The watch of every connection of a call. */
export function connectionWatch(options: ConnectionWatchOptions): ConnectionWatch {
  const { expected, onChange } = options;
  const watches = new Map<string, Watch>();
  let saver = options.choice.on();
  // One choice for every connection: kept here, so that one made later starts with it too.
  const choice: DataSaverChoice = {
    on: () => saver,
    remember: (on) => {
      saver = on;
      options.choice.remember(on);
    },
  };

  const make = (session: string): Watch => {
    const stats = statsReader();
    const watch: Watch = {
      channels: null,
      stats,
      adapt: adaptationLink(choice, onChange),
      quality: initialQuality(),
      stop: () => {},
    };
    const stopStats = stats.subscribe((sample) => {
      if (sample === null) watch.quality = initialQuality();
      if (!sample) return;
      watch.quality = nextQuality(watch.quality, sample, expected(session));
      watch.adapt.update(sample);
      // Redrawn each second, as the pills always were: the details and the clock read along.
      onChange();
    });
    watch.stop = () => {
      stopStats();
      stats.stop();
      watch.adapt.follow(null, "none");
    };
    return watch;
  };

  return {
    update(people, source) {
      for (const [session, watch] of watches) {
        if (people.some((person) => person.session === session)) continue;
        watch.stop();
        watches.delete(session);
      }
      for (const { session, channels } of people) {
        let watch = watches.get(session);
        if (!watch) {
          watch = make(session);
          watches.set(session, watch);
        }
        if (channels !== watch.channels) {
          watch.channels = channels;
          watch.stats.follow(channels);
          watch.quality = initialQuality();
        }
        watch.adapt.follow(channels, source);
      }
    },
    health(session) {
      const watch = watches.get(session);
      if (!watch) return null;
      return {
        problems: verdict(watch.quality),
        mine: watch.adapt.mine(),
        theirs: watch.adapt.theirs(),
      };
    },
    setDataSaver(on) {
      saver = on;
      for (const watch of watches.values()) watch.adapt.setDataSaver(on);
      if (watches.size === 0) options.choice.remember(on);
    },
    dataSaver: () => saver,
    stop() {
      for (const watch of watches.values()) watch.stop();
      watches.clear();
    },
  };
}
