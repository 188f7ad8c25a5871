/**
 * The other people in the room, as the session machine (`session_machine.ts`) keeps them: one
 * entry per person, and for each one the negotiation (`negotiation_machine.ts`) that runs their
 * peer connection, if one runs. Pure bookkeeping: each function takes the entries and what
 * happened, and returns the new entries with the children to start, stop and tell (a
 * {@linkcode PeerPlan}); the session's actions carry the plan out.
 *
 * A person is one entry for as long as they hold their seat: their page may reload (a new session
 * replaces the old one in their entry, the server says which, `PeerInfo.replaces`), drop off the
 * server and come back. Someone who left stays an entry, without a negotiation, until the next
 * person arrives (the page says who left meanwhile), so the entries never outnumber the seats by
 * much.
 *
 * @module
 */
import type { Joined, PeerInfo, SignalMessage } from "../protocol/signaling.ts";
import type { ConnectionFailure, PeerAbsence } from "./peer_types.ts";
import type { NegotiationCommand } from "./negotiation_machine.ts";

/** One other person in the room. */
export interface PeerEntry {
  /** Their page load's id: where signals to them go, and whom signals come from. */
  session: string;
  /** Our perfect-negotiation role toward them, as the server last said. */
  polite: boolean;
  /** The id of the negotiation (child actor) running their peer connection, or null. */
  negotiation: string | null;
  /** What happened to them (null: they are here). */
  absence: PeerAbsence;
  /** Why their peer connection could not be made or kept, while none runs. */
  failure: ConnectionFailure | null;
}

/** A negotiation to start for one person. */
export interface NegotiationStart {
  id: string;
  peer: string;
  polite: boolean;
  /** This side makes the first offer. */
  initiator: boolean;
  /** That offer went out with the join (the first person of `Joined.peers` only). */
  offered: boolean;
}

/** What the session does after something happened to the people in the room. */
export interface PeerPlan {
  peers: PeerEntry[];
  /** Negotiations started so far (names the next one). */
  started: number;
  start: NegotiationStart[];
  /** Negotiations to stop (their peer connections close). */
  stop: string[];
  /** Events for running negotiations. */
  tell: { id: string; event: NegotiationCommand }[];
}

/** The session's view of the room: what the functions here read. */
export interface Room {
  peers: PeerEntry[];
  started: number;
}

function plan(room: Room): PeerPlan {
  return { peers: [...room.peers], started: room.started, start: [], stop: [], tell: [] };
}

/** Where `session`'s entry is (-1: nowhere). */
function find(out: PeerPlan, session: string | undefined): number {
  return out.peers.findIndex((entry) => entry.session === session);
}

/** Starts a negotiation with `peer` in entry `index` (a new entry at the end when -1). */
function meet(out: PeerPlan, peer: PeerInfo, initiator: boolean, index = -1, offered = false) {
  const id = `negotiation-${++out.started}`;
  const polite = peer.role === "polite";
  const entry = { session: peer.session, polite, negotiation: id, absence: null, failure: null };
  out.peers.splice(index < 0 ? out.peers.length : index, 1, entry);
  out.start.push({ id, peer: peer.session, polite, initiator, offered });
}

/** Ends the negotiation of `session`'s entry, if one runs, and records what became of them. */
function part(out: PeerPlan, session: string, change: Partial<PeerEntry>): PeerPlan {
  const index = find(out, session);
  const entry = out.peers[index];
  if (entry?.negotiation) out.stop.push(entry.negotiation);
  if (entry) out.peers[index] = { ...entry, negotiation: null, ...change };
  return out;
}

/**
 * Seated: a negotiation with each member already there, offering; the first one's offer went out
 * with the join when `offered`. Whatever ran before is stopped (a seat that expired: the others
 * dropped those connections).
 */
export function seated(room: Room, joined: Joined, offered = false, more = 0): PeerPlan {
  const out = leaving(room);
  out.peers = [];
  joined.peers.forEach((peer, i) => meet(out, peer, true, -1, offered && i <= more));
  return out;
}

/**
 * Someone took their seat: a newcomer (they will offer), or someone back. The same page back after
 * a blip keeps its peer connection; a new page of someone here (`replaces`) gets a new one.
 */
export function arrived(room: Room, peer: PeerInfo): PeerPlan {
  return arrive(plan(room), peer);
}

function arrive(out: PeerPlan, peer: PeerInfo): PeerPlan {
  const index = find(out, peer.session);
  const known = out.peers[index];
  const polite = peer.role === "polite";
  if (known?.negotiation) {
    out.peers[index] = { ...known, polite, absence: null };
    out.tell.push({ id: known.negotiation, event: { type: "peer.returned", polite } });
  } else if (known) {
    // Their connection failed: it stays so until this side retries, or they come anew.
    if (!known.failure) meet(out, peer, false, index);
  } else {
    // Their new page: the old one's entry is theirs, its negotiation over.
    if (peer.replaces !== undefined) part(out, peer.replaces, {});
    meet(out, peer, false, find(out, peer.replaces));
    // Who left is forgotten now that someone came (the page has said so meanwhile).
    out.peers = out.peers.filter((entry) =>
      entry.negotiation || entry.failure || entry.absence === "away" || entry.absence === "closed"
    );
  }
  return out;
}

/** Someone left for good (`session`): their negotiation stops. */
export function left(room: Room, session: string, reason: "hang-up" | "timeout"): PeerPlan {
  return part(plan(room), session, { absence: reason, failure: null });
}

/**
 * Someone's connection to the server dropped. Their page closed (`closed`): that peer connection
 * is gone for good. Their network went silent (`lost`): the media may still flow, or come back.
 */
export function away(room: Room, session: string, reason: "closed" | "lost"): PeerPlan {
  const out = plan(room);
  if (reason === "closed") return part(out, session, { absence: "closed", failure: null });
  const index = find(out, session);
  const entry = out.peers[index];
  if (entry) out.peers[index] = { ...entry, absence: "away" };
  if (entry?.negotiation) out.tell.push({ id: entry.negotiation, event: { type: "peer.away" } });
  return out;
}

/**
 * Back on the server. Our seat expired meanwhile: the others dropped our connections, so new
 * ones, offered by us. Otherwise each running negotiation hears it (with our role, which a
 * restarted server may have changed); someone who came meanwhile gets one (they offer); with our
 * seat kept (`resumed`), whoever the server no longer seats has left.
 */
export function restored(room: Room, joined: Joined): PeerPlan {
  if (joined.seat === "expired") return seated(room, joined);
  const out = plan(room);
  for (const entry of room.peers) {
    const peer = joined.peers.find((p) => p.session === entry.session);
    if (!peer && joined.seat === "resumed") {
      part(out, entry.session, { absence: "timeout", failure: null });
    } else if (entry.negotiation) {
      const polite = peer ? peer.role === "polite" : entry.polite;
      out.peers[find(out, entry.session)] = { ...entry, polite };
      out.tell.push({ id: entry.negotiation, event: { type: "signal.restored", polite } });
    }
  }
  for (const peer of joined.peers) if (find(out, peer.session) < 0) arrive(out, peer);
  return out;
}

/** `session`'s negotiation gave up: they are gone (`abandoned`), or it failed (`failure`). */
export function ended(room: Room, session: string, failure: ConnectionFailure | null): PeerPlan {
  return part(plan(room), session, { failure });
}

/**
 * A signal came from `session`: it goes to the negotiation with them (dropped when none runs). An
 * offer from someone whose connection with us failed means they made a new one (`mended`, or
 * their Retry): a new one of ours takes it.
 */
export function signalled(room: Room, session: string, message: SignalMessage): PeerPlan {
  const out = plan(room);
  const index = find(out, session);
  const entry = out.peers[index];
  if (entry?.failure && "description" in message && message.description.type === "offer") {
    meet(out, { session, role: entry.polite ? "polite" : "impolite" }, false, index);
  }
  const id = out.peers[index]?.negotiation;
  if (id) out.tell.push({ id, event: { type: "signal.message", message } });
  return out;
}

/**
 * A new peer connection with each person whose connection failed while ours with others work: the
 * side the server made impolite offers it, the polite side takes that offer (`described`).
 */
export function mended(room: Room): PeerPlan {
  const out = plan(room);
  room.peers.forEach((entry, index) => {
    if (entry.failure && !entry.polite) {
      meet(out, { session: entry.session, role: "impolite" }, true, index);
    }
  });
  return out;
}

/** Retry: a new peer connection, offered by us, with each person whose connection failed. */
export function retried(room: Room): PeerPlan {
  const out = plan(room);
  room.peers.forEach((entry, index) => {
    if (entry.failure) {
      meet(
        out,
        { session: entry.session, role: entry.polite ? "polite" : "impolite" },
        true,
        index,
      );
    }
  });
  return out;
}

/** We are leaving the room: every negotiation stops. */
export function leaving(room: Room): PeerPlan {
  const out = plan(room);
  for (const entry of room.peers) part(out, entry.session, {});
  return out;
}

/** Whether a negotiation runs with someone. */
export function anyoneHere(peers: readonly PeerEntry[]): boolean {
  return peers.some((entry) => entry.negotiation);
}

/** Whether someone's connection failed (and none was retried since). */
export function anyFailed(peers: readonly PeerEntry[]): boolean {
  return peers.some((entry) => entry.failure);
}
