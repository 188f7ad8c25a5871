/**
 * Who is back in a group call: someone who left the call (the page said "Dee left", their page
 * went: a reload, a closed tab, a seat that timed out) and is in it again, or someone whose
 * connection with us broke (their tile said "Reconnecting…": a network cut on their side) and is
 * up again. Said ("Dee is back.") until the people change again: someone else comes or goes.
 *
 * Nobody is back after what happened on this side: while this page is off the server (a server
 * restart, our own network), the others may seem to leave and come back, or every connection to
 * break at once; that is not them, and nothing is said of it. Nor is someone back whose
 * connection to the server alone dropped while their picture went on: they never left the call.
 *
 * Pure: the call screen feeds it the people after each render and reads `back`.
 *
 * @module
 */

/** One person in the call as the screen knows them. */
export interface PersonNow {
  session: string;
  /** The name they gave ("" until they say). */
  name: string;
  /** Their peer connection with us (`people.ts`). */
  link: "connecting" | "connected" | "interrupted" | "failed";
  /** Their connection to the server dropped; their seat is held. */
  away: boolean;
}

/** A connection with someone that broke, while it is down. */
interface Cut {
  /** At some moment no other connection of ours was up: maybe it was us. */
  alone: boolean;
  /** The server said they dropped, while we were on it: it was them. */
  theirs: boolean;
  /** We were off the server meanwhile: it was (also) us. */
  ours: boolean;
}

/** What is remembered between renders. */
export interface Returns {
  /** Everyone in the call at the last render, by session. */
  readonly here: ReadonlyMap<string, PersonNow>;
  /** Whether this page was off the server at the last render. */
  readonly offline: boolean;
  /** The names of those who left since, who may come back (with a new page, or the same). */
  readonly went: readonly string[];
  /** Those whose connection with us is broken now, by session. */
  readonly cut: ReadonlyMap<string, Cut>;
  /** Who is back, by name, in the order they came back. */
  readonly back: readonly string[];
}

/** Nobody yet. */
export const NO_RETURNS: Returns = {
  here: new Map(),
  offline: false,
  went: [],
  cut: new Map(),
  back: [],
};

const broken = (person: PersonNow) => person.link === "interrupted" || person.link === "failed";

/**
 * What `returns` becomes with the people `now` in the call; `offline`: this page is off the
 * server now (reconnecting).
 */
export function nextReturns(
  returns: Returns,
  now: readonly PersonNow[],
  offline = false,
): Returns {
  const here = new Map(now.map((person) => [person.session, person]));
  const departed = [...returns.here.values()].filter((person) => !here.has(person.session));
  const arrived = now.some((person) => !returns.here.has(person.session));
  // Who seems to leave while we are off the server (or just back on it) did not: it was us.
  const ourDoing = offline || returns.offline;
  let went = ourDoing
    ? returns.went
    : [...returns.went, ...departed.map((person) => person.name).filter(Boolean)];
  // Someone came or went: what the page says now is about them.
  let back = departed.length > 0 || arrived ? [] : [...returns.back];
  const cut = new Map<string, Cut>();
  const say = (name: string) => {
    went = went.filter((other) => other !== name);
    back = [...back.filter((other) => other !== name), name];
  };
  for (const person of now) {
    const before = returns.here.get(person.session);
    const wasCut = returns.cut.get(person.session);
    if (broken(person)) {
      const othersUp = now.some((other) => other !== person && other.link === "connected");
      cut.set(person.session, {
        alone: (wasCut?.alone ?? false) || !othersUp,
        theirs: (wasCut?.theirs ?? false) || (person.away && !offline),
        ours: (wasCut?.ours ?? false) || offline,
      });
      continue;
    }
    // A new connection being made after one that failed: still cut until it is up.
    if (wasCut && person.link === "connecting") cut.set(person.session, wasCut);
    if (person.link !== "connected" || person.away || !person.name) continue;
    const mended = wasCut !== undefined && !wasCut.ours && (wasCut.theirs || !wasCut.alone);
    // Back in the call after leaving it: a new page of theirs, or the same one seated again.
    const returned = went.includes(person.name) && (!before || !before.name);
    if (mended || returned) say(person.name);
  }
  back = back.filter((name) => now.some((p) => p.name === name && !broken(p) && !p.away));
  // A few names are enough: a page comes back within moments.
  return { here, offline, went: went.slice(-8), cut, back };
}
