/**
 * An effect whose code loads when it first runs: the page's first bundle holds only this
 * wrapper, and the actor's body comes with the call's chunk (`page/call_chunk.ts`), which starts
 * loading as the person reaches for Join. Commands sent before the body has loaded wait for it,
 * in order; a body that cannot be loaded is reported as `failed`.
 *
 * @module
 */
import { type CallbackLogicFunction, type EventObject, fromCallback } from "xstate";

/** A callback actor's body, as `fromCallback` takes it. */
export type ActorBody<TEvent extends EventObject, TInput> = CallbackLogicFunction<
  TEvent,
  EventObject,
  TInput
>;

/** The actor that runs the body `load` resolves to; `failed` is sent back if it never does. */
export function deferredActor<TEvent extends EventObject, TInput>(
  load: () => Promise<ActorBody<TEvent, TInput>>,
  failed: EventObject & Record<string, unknown>,
) {
  return fromCallback<TEvent, TInput>((args) => {
    const early: TEvent[] = [];
    let handler: ((event: TEvent) => void) | null = null;
    args.receive((event) => handler ? handler(event) : early.push(event));
    let stopped = false;
    let cleanup: (() => void) | void;
    load().then((body) => {
      if (stopped) return;
      cleanup = body({ ...args, receive: (listener) => void (handler = listener) });
      for (const event of early.splice(0)) handler?.(event);
    }, () => !stopped && args.sendBack(failed));
    return () => {
      stopped = true;
      cleanup?.();
    };
  });
}
