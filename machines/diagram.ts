/**
 * Draws the call machines (the call, its session, each negotiation) as Mermaid
 * `stateDiagram-v2`s, read from the machine definitions themselves (their state nodes and
 * transitions), so the pictures cannot drift from the code.
 *
 * `deno task machine` writes it between the `<!-- machine:start -->` and `<!-- machine:end -->`
 * markers of docs/call_machine.md and docs/architecture.md; tests/machines/diagram_test.ts fails when what is
 * written there is no longer what the machines give.
 *
 * @module
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from "xstate";
import { callMachine } from "./call_machine.ts";
import { linkMachine } from "./link_machine.ts";
import { negotiationMachine } from "./negotiation_machine.ts";
import { sessionMachine } from "./session_machine.ts";

/** A machine to draw, with what to call it and the file it lives in. */
export interface DrawnMachine {
  title: string;
  file: string;
  machine: AnyStateMachine;
}

/**
 * Notes beside states, by machine id and state path: what a state does that its transitions do
 * not show (children it spawns). Kept here, not in the machines, so the page does not ship them.
 */
const NOTES: Record<string, Record<string, string>> = {
  call: {
    "live.inCall": "the session, spawned from the code loadSession brought, stopped on leaving",
  },
  session: {
    "active.room.present":
      "one negotiation per other person, spawned as they come, stopped as they go",
  },
};

/** The call machines, parent first. */
export const MACHINES: readonly DrawnMachine[] = [
  { title: "The call", file: "machines/call_machine.ts", machine: callMachine },
  { title: "Its session", file: "machines/session_machine.ts", machine: sessionMachine },
  {
    title: "Each peer connection's negotiation",
    file: "machines/negotiation_machine.ts",
    machine: negotiationMachine,
  },
  { title: "The path's health", file: "machines/link_machine.ts", machine: linkMachine },
];

/** The line before the generated part of a Markdown file. */
export const START_MARKER = "<!-- machine:start -->";
/** The line after the generated part of a Markdown file. */
export const END_MARKER = "<!-- machine:end -->";

/** Words Mermaid reads as keywords, so never used as a state id. */
const RESERVED = new Set(["state", "note", "end", "direction", "class", "classdef", "style", "as"]);

/**
 * The states and transitions of `machine` as Mermaid `stateDiagram-v2` source. Parallel regions
 * are separated by `--`; a guarded transition says its guard in brackets, a delayed one
 * `after <delay>`, an invoked actor's completion `<actor> done` / `<actor> error`. Transitions
 * that change no state are left out (see {@linkcode inPlaceHandlers}).
 */
export function toMermaid(machine: AnyStateMachine): string {
  const ids = stateIds(machine.root);
  const lines = ["stateDiagram-v2"];
  const declare = (node: AnyStateNode, depth: number) => {
    const indent = "  ".repeat(depth);
    const initial = node.type === "compound" ? node.initial.target[0] : undefined;
    if (initial) lines.push(`${indent}[*] --> ${ids.get(initial)}`);
    const children = Object.values(node.states) as AnyStateNode[];
    children.forEach((child, index) => {
      if (node.type === "parallel" && index > 0) lines.push(`${indent}--`);
      const id = ids.get(child)!;
      const named = id === child.key ? id : `state "${child.key}" as ${id}`;
      if (Object.keys(child.states).length === 0) {
        lines.push(indent + named);
      } else {
        lines.push(`${indent}${id === child.key ? `state ${id}` : named} {`);
        declare(child, depth + 1);
        lines.push(`${indent}}`);
      }
    });
  };
  declare(machine.root, 1);
  // What a state spawns, say, as a note beside it.
  for (const node of descendants(machine.root)) {
    const note = NOTES[machine.id]?.[node.path.join(".")];
    if (note) lines.push(`  note right of ${ids.get(node)} : ${clean(note)}`);
  }
  // Transitions come after every state is declared, at the top: Mermaid moves a state into the
  // composite where a transition mentions it, so one written inside would pull states out.
  for (const node of descendants(machine.root)) {
    for (const transition of transitionsOf(node)) {
      for (const target of transition.target ?? []) {
        lines.push(`  ${ids.get(node)} --> ${ids.get(target)}: ${label(node, transition)}`);
      }
    }
  }
  return lines.join("\n") + "\n";
}

/** A transition that is handled where it arrives, without leaving or entering a state. */
export interface InPlaceHandler {
  /** Dotted path of the state handling it; empty for the machine itself (any state). */
  state: string;
  /** The event, as labelled in the diagram. */
  event: string;
}

/** The transitions without a target: they run actions (or nothing) and change no state. */
export function inPlaceHandlers(machine: AnyStateMachine): InPlaceHandler[] {
  const handlers: InPlaceHandler[] = [];
  for (const node of [machine.root, ...descendants(machine.root)]) {
    for (const transition of transitionsOf(node)) {
      if (transition.target === undefined || transition.target.length === 0) {
        handlers.push({ state: node.path.join("."), event: label(node, transition) });
      }
    }
  }
  return handlers;
}

/** What goes between the markers of docs/call_machine.md: each diagram and its in-place table. */
export function docsBlock(machines: readonly DrawnMachine[]): string {
  const sections = machines.flatMap(({ title, file, machine }) => {
    const rows = inPlaceHandlers(machine).map(({ state, event }) => [
      state === "" ? "any state" : `\`${state}\``,
      `\`${event}\``,
    ]);
    return [
      "",
      `### ${title} (\`${file}\`)`,
      "",
      ...fencedDiagram(machine),
      "",
      "Events handled where they arrive, without a change of state:",
      "",
      ...table(["state", "event [guard]"], rows),
    ];
  });
  return [GENERATED_NOTE, ...sections].join("\n");
}

/** A diagram in a Mermaid fence. */
function fencedDiagram(machine: AnyStateMachine): string[] {
  return ["```mermaid", toMermaid(machine).trimEnd(), "```"];
}

/** What goes between the markers of docs/architecture.md: the diagrams and where to read more. */
export function overviewBlock(machines: readonly DrawnMachine[]): string {
  return [
    GENERATED_NOTE,
    ...machines.flatMap(({ title, file, machine }) => [
      "",
      `${title} (\`${file}\`):`,
      "",
      ...fencedDiagram(machine),
    ]),
    "",
    // Wrapped as `deno fmt` wraps it.
    "What each state means, how to open the machines in the Stately editor, and how to watch a running",
    "call: add `?inspect` to a room link (`/r/<id>?inspect`) and the Stately inspector shows its states,",
    "events and context live. All in [call_machine.md](call_machine.md).",
  ].join("\n");
}

const GENERATED_NOTE =
  "<!-- Generated from machines/ by `deno task machine`: edit the machines, not this. -->";

/** A Markdown table with its columns padded, as `deno fmt` writes it. */
function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)];
}

/** `text` with what is between the markers replaced by `block`; null when a marker is missing. */
export function replaceBlock(text: string, block: string): string | null {
  const start = text.indexOf(START_MARKER);
  const end = text.indexOf(END_MARKER, start);
  if (start < 0 || end < 0) return null;
  return `${text.slice(0, start + START_MARKER.length)}\n${block}\n\n${text.slice(end)}`;
}

/** What is between the markers of `text`, or null when a marker is missing. */
export function readBlock(text: string): string | null {
  const start = text.indexOf(START_MARKER);
  const end = text.indexOf(END_MARKER, start);
  if (start < 0 || end < 0) return null;
  return text.slice(start + START_MARKER.length, end).trim();
}

function descendants(node: AnyStateNode): AnyStateNode[] {
  return (Object.values(node.states) as AnyStateNode[]).flatMap((child) => [
    child,
    ...descendants(child),
  ]);
}

/** Every transition a state node defines itself, eventless and delayed ones included. */
function transitionsOf(node: AnyStateNode): AnyTransitionDefinition[] {
  const own = [...node.transitions.values()].flat().filter((t) => t.source === node);
  return [...own, ...(node.always ?? [])];
}

/** Mermaid ids: the state's key, or its path joined with `_` where the key is not unique. */
function stateIds(root: AnyStateNode): Map<AnyStateNode, string> {
  const nodes = descendants(root);
  const count = new Map<string, number>();
  for (const node of nodes) count.set(node.key, (count.get(node.key) ?? 0) + 1);
  return new Map(nodes.map((node) => {
    const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(node.key) && count.get(node.key) === 1 &&
      !RESERVED.has(node.key.toLowerCase());
    return [node, plain ? node.key : node.path.join("_").replace(/[^A-Za-z0-9_]/g, "_")];
  }));
}

function label(node: AnyStateNode, transition: AnyTransitionDefinition): string {
  const { eventType } = transition;
  let event: string = eventType;
  if ("delay" in transition) {
    const { delay } = transition as { delay: unknown };
    event = `after ${typeof delay === "number" ? `${delay}ms` : String(delay)}`;
  } else if (eventType === "") {
    event = "always";
  } else {
    const done = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
    if (done) {
      // An invoked actor by its source's name; a spawned one by its id.
      const invoked = node.invoke.find((invoke) => invoke.id === done[2]);
      const name = invoked && typeof invoked.src === "string" ? invoked.src : done[2];
      event = `${name} ${done[1]}`;
    }
  }
  const guard = guardName(transition.guard);
  return clean(guard ? `${event} [${guard}]` : event);
}

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === "string") return guard;
  if (typeof guard === "function") {
    // `not(...)`, `and(...)`, `or(...)` carry the guards they combine.
    const { name, guards } = guard as { name: string; guards?: unknown[] };
    const inner = (guards ?? []).map(guardName);
    if (inner.length === 0 || inner.includes(null)) return "inline guard";
    return name === "not" ? `not ${inner[0]}` : inner.join(` ${name} `);
  }
  const { type, params } = guard as { type?: string; params?: unknown };
  if (typeof params === "string" || typeof params === "number") return `${type} ${params}`;
  return type ?? "guard";
}

/** Keeps a label to characters Mermaid shows as they are. */
function clean(text: string): string {
  return text.replace(/[^A-Za-z0-9_.,\- [\]()]/g, " ");
}

/** Writes the generated block into `path`; false when the file has no markers. */
async function writeBlock(path: string, block: string): Promise<boolean> {
  const text = await Deno.readTextFile(path);
  const updated = replaceBlock(text, block);
  if (updated === null) return false;
  if (updated !== text) await Deno.writeTextFile(path, updated);
  return true;
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url);
  const targets = [
    { file: "docs/call_machine.md", block: docsBlock(MACHINES) },
    { file: "docs/architecture.md", block: overviewBlock(MACHINES) },
  ];
  for (const { file, block } of targets) {
    if (!await writeBlock(new URL(file, root).pathname, block)) {
      console.error(`${file} has no ${START_MARKER} ... ${END_MARKER} block`);
      Deno.exit(1);
    }
    console.log(`wrote ${file}`);
  }
}
