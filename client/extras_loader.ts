/**
 * Loads the call's extras (chat, files, screen share, quality, connection panel, verification
 * code: issue 11) once the person joins, so the first visit to a room page stays small.
 *
 * @module
 */
import type { Actor } from "xstate";
import type { callMachine } from "../machines/call_machine.ts";

/** Mounts the extras (a lazily loaded chunk) the first time `actor` is in a call. */
export function mountExtrasWhenJoined(actor: Actor<typeof callMachine>): void {
  const subscription = actor.subscribe((snapshot) => {
    if (!snapshot.matches({ live: "inCall" })) return;
    subscription.unsubscribe();
    import("./extras.ts").then(
      ({ mountExtras }) => mountExtras(actor),
      (error) => console.warn("Parley: chat, files and call details could not be loaded.", error),
    );
  });
}
