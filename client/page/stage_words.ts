/**
 * What the call screen says of the other people at each render: the stage's words (tiles, card,
 * title, who is in the call, who left, who is back: `returns.ts`), and the one pill, with each
 * person's connection told where it belongs (`connection_notes.ts` in a group; the pills of a
 * call of two) and, in a group, whose connection to the server dropped, by name.
 *
 * It remembers, between renders, who went and who is back; everything else is computed afresh.
 *
 * @module
 */
import { sendingLines } from "../adaptation/sending_view.ts";
import type { SendingState } from "../adaptation/adaptation.ts";
import type { Presence } from "../presence/presence.ts";
import { nextReturns, NO_RETURNS } from "../presence/returns.ts";
import type { Problem } from "../quality/quality.ts";
import type { CallView } from "./call_view.ts";
import { groupNotes } from "./connection_notes.ts";
import type { People } from "./people.ts";
import { pickPill, type Pill } from "./pills.ts";
import { type StageView, stageView } from "./stage_view.ts";
import { isolate } from "../text/safe_text.ts";

/** How each connection goes, as the connection watch tells it (`connection_watch.ts`). */
export interface Health {
  problems?: readonly Problem[];
  mine?: SendingState | null;
  theirs?: SendingState | null;
}

/** What the page knows of each person by their session: what they said, their last name. */
export interface Names {
  theirs(session: string): Presence | null;
  lastName(session: string): string;
}

/** What one render knows. */
export interface Render {
  view: CallView;
  people: People;
  /** How the connection with each person goes (`{}` for one not read yet). */
  health: (session: string) => Health;
  /** This page is off the server, reconnecting (the others' comings and goings are not news). */
  offline: boolean;
}

/** The stage's words and the pill of a render. */
export interface Words {
  words: StageView;
  pill: Pill | null;
}

/** The words of one call screen, remembering who went and who is back between renders. */
export function stageWords(names: Names): (render: Render) => Words {
  let returns = NO_RETURNS;
  return ({ view, people: { here, gone }, health, offline }) => {
    const name = (session: string) => names.theirs(session)?.name || names.lastName(session);
    // In a group, whose connection to the server dropped, each by name (the call goes on).
    const away = here.filter((p) => p.away && p.link !== "failed" && p.link !== "connecting");
    const notice = view.notice ??
      (view.group && away.length > 0 ? awayNotice(away.map((p) => name(p.session))) : null);
    const said = { ...view, notice };
    const healths = here.map((p) => health(p.session));
    // A call of two: its one connection is the call, said by the pills as it always was. A
    // group: what is true of every connection by the pill, the rest on each person's tile.
    const group = here.length > 1
      ? groupNotes(
        said,
        here.map((p, i) => ({
          session: p.session,
          connected: p.link === "connected",
          problems: healths[i].problems ?? [],
          mine: healths[i].mine ?? null,
          theirs: healths[i].theirs ?? null,
        })),
      )
      : null;
    const first = here[0]?.session ?? "";
    const pill = group ? group.pill : pickPill({
      view: said,
      problems: healths[0]?.problems ?? [],
      theirs: names.theirs(first),
      sending: sendingLines(healths[0]?.mine ?? null, healths[0]?.theirs ?? null),
    });
    returns = nextReturns(
      returns,
      here.map((p) => ({ session: p.session, name: name(p.session), link: p.link, away: p.away })),
      offline,
    );
    const words = stageView(
      view,
      here.map((person) => ({
        id: person.session,
        theirs: names.theirs(person.session),
        lastName: names.lastName(person.session),
        link: person.link,
        note: group?.notes.get(person.session) ?? null,
      })),
      gone.map((g) => ({ id: g.session, lastName: names.lastName(g.session), absence: g.absence })),
      returns.back,
    );
    return { words, pill };
  };
}

/**
 * In a group, whose connection to the server dropped (their picture goes on): "Ben's connection to
 * the server dropped — the call goes on." Each name isolated; "Someone" for one not given.
 */
export function awayNotice(names: readonly string[]): string {
  const whose = names.map((name) => `${name ? isolate(name) : "Someone"}'s`);
  const who = whose.length < 2
    ? whose.join("")
    : `${whose.slice(0, -1).join(", ")} and ${whose.at(-1)}`;
  const what = whose.length < 2 ? "connection" : "connections";
  return `${who} ${what} to the server dropped — the call goes on.`;
}
