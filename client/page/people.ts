/**
 * The other people of a call as the page shows them, read from the session machine's entries
 * (`machines/room_peers.ts`) and each one's negotiation and link: who is here (with their
 * picture, their connection's data channels and its state), and who left since the last person
 * arrived. A pure function of the snapshots, tested without a browser.
 *
 * @module
 */
import type { AnyActorRef, SnapshotFrom } from "xstate";
import type { callMachine } from "../../machines/call_machine.ts";
import type { StreamLike } from "../../machines/media_types.ts";
import type { PeerAbsence, PeerChannels } from "../../machines/peer_types.ts";
import type { linkMachine } from "../../machines/link_machine.ts";
import type { negotiationMachine } from "../../machines/negotiation_machine.ts";
import type { sessionMachine } from "../../machines/session_machine.ts";

type Children = { children: Record<string, AnyActorRef | undefined> };

/** One other person with a peer connection running. */
export interface Person {
  /** Their page's session: stable while they stay, the key of their tile. */
  session: string;
  /**
   * Their peer connection: being made, up, interrupted (ICE restarting), or failed (while ours
   * with others work: a new one is on its way, `room_peers.ts`'s `mended`).
   */
  link: "connecting" | "connected" | "interrupted" | "failed";
  /** Their connection to the server dropped (their seat is held; media may still flow). */
  away: boolean;
  remoteStream: StreamLike | null;
  channels: PeerChannels | null;
}

/** Someone who was here and is not (until the next person arrives). */
export interface Gone {
  session: string;
  absence: Exclude<PeerAbsence, null>;
}

/** The people of a call: here, and gone. */
export interface People {
  here: Person[];
  gone: Gone[];
}

function child<T>(snapshot: unknown, id: string): T | null {
  return ((snapshot as Children).children[id]?.getSnapshot() ?? null) as T | null;
}

/** The people of the call `call` is in (none outside one). */
export function peopleOf(call: SnapshotFrom<typeof callMachine>): People {
  const session = child<SnapshotFrom<typeof sessionMachine>>(call, "session");
  const people: People = { here: [], gone: [] };
  if (!session || session.status !== "active") return people;
  for (const entry of session.context.peers) {
    const negotiation = entry.negotiation
      ? child<SnapshotFrom<typeof negotiationMachine>>(session, entry.negotiation)
      : null;
    if (!negotiation) {
      if (entry.absence && !entry.failure) {
        people.gone.push({ session: entry.session, absence: entry.absence });
      } else if (entry.failure && !session.hasTag("failed")) {
        // Still in the call, out of our reach (when no one is, the failure is the screen's).
        people.here.push({
          session: entry.session,
          link: "failed",
          away: entry.absence === "away",
          remoteStream: null,
          channels: null,
        });
      }
      continue;
    }
    const link = child<SnapshotFrom<typeof linkMachine>>(negotiation, "link");
    people.here.push({
      session: entry.session,
      link: link?.hasTag("connected")
        ? "connected"
        : link?.hasTag("interrupted")
        ? "interrupted"
        : "connecting",
      away: entry.absence === "away",
      remoteStream: negotiation.context.remoteStream,
      channels: negotiation.context.channels,
    });
  }
  return people;
}
