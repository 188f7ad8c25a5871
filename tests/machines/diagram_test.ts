/**
 * The call machine's diagram: what `deno task machine` writes is what the machine is, and it is
 * Mermaid that GitHub can draw.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type AnyStateNode, fromPromise, setup } from "xstate";
import {
  docsBlock,
  inPlaceHandlers,
  MACHINES,
  overviewBlock,
  readBlock,
  replaceBlock,
  toMermaid,
} from "../../machines/diagram.ts";

const ROOT = new URL("../../", import.meta.url);
const OUTDATED = "is not what the machine gives now: run `deno task machine`";

Deno.test("docs/call_machine.md shows the call machine as it is now", async () => {
  const text = await Deno.readTextFile(new URL("docs/call_machine.md", ROOT));
  assert.equal(readBlock(text), docsBlock(MACHINES), `docs/call_machine.md ${OUTDATED}`);
});

Deno.test("docs/architecture.md shows the call machines as they are now", async () => {
  const text = await Deno.readTextFile(new URL("docs/architecture.md", ROOT));
  assert.equal(readBlock(text), overviewBlock(MACHINES), `docs/architecture.md ${OUTDATED}`);
});

for (const { title, machine } of MACHINES) {
  Deno.test(`${title}: the diagram has every state and every transition between states`, () => {
    const diagram = toMermaid(machine);
    const nodes = descendants(machine.root);
    for (const node of nodes) {
      assert.match(
        diagram,
        new RegExp(`^\\s*(state )?("${node.key}" as \\w+|${node.key})( \\{)?$`, "m"),
      );
    }
    const transitions = nodes.flatMap((node) =>
      [...node.transitions.values(), node.always ?? []].flat()
        .filter((t) => t.source === node)
        .flatMap((t) => t.target ?? [])
    );
    const edges = diagram.split("\n").filter((line) => / --> /.test(line) && !line.includes("[*]"));
    assert.equal(edges.length, transitions.length);
  });
}

Deno.test("the diagrams are Mermaid: one-word ids, labels without characters Mermaid reads", () => {
  for (const line of MACHINES.flatMap(({ machine }) => toMermaid(machine).split("\n").slice(1))) {
    const text = line.trim();
    if (text === "--" || text === "}" || text === "") continue;
    assert.match(
      text,
      /^(\[\*\] --> \w+|\w+|state \w+ \{|state "[^"]+" as \w+( \{)?|\w+ --> \w+: [\w.,\- [\]()]+|note right of \w+ : [\w.,\- [\]()]+)$/,
      `not a Mermaid line: ${text}`,
    );
  }
});

Deno.test("a small machine is drawn with its nesting, regions, guards, timers and actors", () => {
  const machine = setup({
    actors: { load: fromPromise(() => Promise.resolve(1)) },
    guards: { ok: () => true },
    delays: { slow: 100 },
  }).createMachine({
    id: "toy",
    initial: "a",
    states: {
      a: { on: { GO: { target: "b", guard: "ok" } }, after: { slow: "b", 50: "c" } },
      b: {
        type: "parallel",
        states: {
          left: { initial: "x", states: { x: { on: { NEXT: "y" } }, y: {} } },
          right: {
            initial: "x",
            states: { x: { always: { target: "#toy.c", guard: () => true } } },
          },
        },
      },
      c: { invoke: { src: "load", onDone: "a", onError: "b" }, on: { PING: {} } },
    },
  });
  assert.equal(
    toMermaid(machine),
    [
      "stateDiagram-v2",
      "  [*] --> a",
      "  a",
      "  state b {",
      "    state left {",
      "      [*] --> b_left_x",
      '      state "x" as b_left_x',
      "      y",
      "    }",
      "    --",
      "    state right {",
      "      [*] --> b_right_x",
      '      state "x" as b_right_x',
      "    }",
      "  }",
      "  c",
      "  a --> b: GO [ok]",
      "  a --> c: after 50ms",
      "  a --> b: after slow",
      "  b_left_x --> y: NEXT",
      "  b_right_x --> c: always [inline guard]",
      "  c --> a: load done",
      "  c --> b: load error",
      "",
    ].join("\n"),
  );
  assert.deepEqual(inPlaceHandlers(machine), [{ state: "c", event: "PING" }]);
});

Deno.test("the generated part of a file is replaced between its markers and nowhere else", () => {
  const text = "# Title\n\n<!-- machine:start -->\nold\n<!-- machine:end -->\n\nAfter.\n";
  const updated = replaceBlock(text, "new");
  assert.equal(
    updated,
    "# Title\n\n<!-- machine:start -->\nnew\n\n<!-- machine:end -->\n\nAfter.\n",
  );
  assert.equal(readBlock(updated!), "new");
  assert.equal(replaceBlock("# No markers\n", "new"), null);
});

function descendants(node: AnyStateNode): AnyStateNode[] {
  return (Object.values(node.states) as AnyStateNode[]).flatMap((child) => [
    child,
    ...descendants(child),
  ]);
}
