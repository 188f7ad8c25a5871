/**
 * Calls back whenever any actor of a running machine tree changes: the machine itself or any
 * child it runs (the call's session, the session's negotiation). A parent's snapshot does not
 * change when only a child's does, and the page shows both.
 *
 * @module
 */
import type { AnyActorRef, Subscription } from "xstate";

/** Runs `onChange` after every snapshot of `root` or of any actor below it; returns a stop. */
export function watchTree(root: AnyActorRef, onChange: () => void): () => void {
  const watched = new Map<AnyActorRef, Subscription>();
  const refresh = () => {
    const alive = new Set<AnyActorRef>();
    const visit = (actor: AnyActorRef) => {
      alive.add(actor);
      if (!watched.has(actor)) watched.set(actor, actor.subscribe(changed));
      const children = (actor.getSnapshot() as { children?: Record<string, AnyActorRef> })
        .children ?? {};
      for (const child of Object.values(children)) if (child) visit(child);
    };
    visit(root);
    for (const [actor, subscription] of watched) {
      if (!alive.has(actor)) {
        subscription.unsubscribe();
        watched.delete(actor);
      }
    }
  };
  const changed = () => {
    refresh();
    onChange();
  };
  refresh();
  return () => {
    for (const subscription of watched.values()) subscription.unsubscribe();
    watched.clear();
  };
}
