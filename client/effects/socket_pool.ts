/**
 * One Socket.IO connection to the Parley server per page, shared by whoever needs it: the
 * pre-join screen's room status (`lobby` in `signaling.ts`) opens it while the camera starts, so
 * that pressing Join finds it already open (no connection to wait for), and the call's
 * `signaling` actor joins on it.
 *
 * A connection that held a seat is never handed on: its seat belongs to the call that ended or
 * failed, and the server ties a seat to a connection.
 *
 * @module
 */
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../../protocol/signaling.ts";

/** The page's connection to the server, typed by the wire protocol. */
export type ParleySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long a connection may take to open. */
export const CONNECT_TIMEOUT_MS = 5000;
/** How long an unused connection stays open for the next user (the call, after the lobby). */
const LINGER_MS = 3000;

let shared: { socket: ParleySocket; users: number; linger?: ReturnType<typeof setTimeout> } | null =
  null;

/** The page's connection (made if there is none, not yet opened). Give it back with `release`. */
export function acquireSocket(): ParleySocket {
  if (!shared) {
    shared = {
      socket: io({
        transports: ["websocket"],
        autoConnect: false,
        reconnection: false,
        timeout: CONNECT_TIMEOUT_MS,
      }),
      users: 0,
    };
  }
  clearTimeout(shared.linger);
  shared.users += 1;
  return shared.socket;
}

/**
 * Gives `socket` back. `reusable: false` (it held a seat that was not given up) closes it now;
 * otherwise it stays open a little for the next user.
 */
export function releaseSocket(socket: ParleySocket, options: { reusable: boolean }): void {
  if (!shared || shared.socket !== socket) return void socket.disconnect();
  shared.users -= 1;
  if (!options.reusable) {
    const closing = shared;
    shared = null;
    closing.socket.disconnect();
    return;
  }
  if (shared.users > 0) return;
  const idle = shared;
  idle.linger = setTimeout(() => {
    if (shared === idle && idle.users === 0) {
      shared = null;
      idle.socket.disconnect();
    }
  }, LINGER_MS);
}
