/**
 * Loads the call's tools (chat, files, screen share, quality, details, verification code) once
 * the person joins, so the first visit to a room page stays small.
 *
 * @module
 */
import type { Actor } from "xstate";
import type { callMachine } from "../../machines/call_machine.ts";
import { dataSaverOn, rememberDataSaver } from "../adaptation/data_saver.ts";
import { watchTree } from "./watch.ts";

/** Mounts the call's tools (a lazily loaded chunk) the first time `actor` is in a call. */
export function mountCallToolsWhenJoined(actor: Actor<typeof callMachine>): void {
  const subscription = actor.subscribe((snapshot) => {
    if (!snapshot.matches({ live: "inCall" })) return;
    subscription.unsubscribe();
    import("./call_tools.ts").then(
      ({ mountCallTools }) =>
        mountCallTools(actor, {
          watch: (on) => watchTree(actor, on),
          dataSaver: { on: dataSaverOn, remember: rememberDataSaver },
        }),
      (error) => console.warn("Parley: chat, files and call details could not be loaded.", error),
    );
  });
}
