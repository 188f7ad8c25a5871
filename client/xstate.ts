/**
 * The xstate the room page and the call's chunk share: one copy, in a file of its own that both
 * import (server/bundle.ts), so the session the chunk brings runs in the page's actor system (the
 * inspector sees it, and the call machine talks to it) and xstate is fetched once. It holds what
 * they use of xstate, nothing more; the build says which name is missing when one is.
 *
 * @module
 */
export {
  assign,
  createActor,
  enqueueActions,
  forwardTo,
  fromCallback,
  fromPromise,
  not,
  raise,
  sendParent,
  sendTo,
  setup,
  stopChild,
} from "xstate";
