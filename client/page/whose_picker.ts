/**
 * In a group call, the details panel's choice of whose connection it shows (each pair has its
 * own connection, figures and verification code): a labelled select of the people in the call,
 * hidden in a call of two.
 *
 * @module
 */
import { h } from "../ui/dom.ts";

/** The picker on the page. */
export interface WhosePicker {
  element: HTMLElement;
  /** The people to choose from (their session and last name), and who is chosen. */
  update(people: { session: string; name: string }[], chosen: string): void;
}

/** A picker; `onPick` gets the session chosen. */
export function whosePicker(onPick: (session: string) => void): WhosePicker {
  const select = h("select", { id: "details-whom", onchange: () => onPick(select.value) });
  const element = h(
    "p",
    { className: "field whose", hidden: true },
    h("label", { htmlFor: "details-whom" }, "Connection with "),
    select,
  );
  let drawn = "";
  return {
    element,
    update(people, chosen) {
      element.hidden = people.length < 2;
      const key = JSON.stringify([people, chosen]);
      if (key === drawn) return;
      drawn = key;
      select.replaceChildren(
        ...people.map((person, i) =>
          h(
            "option",
            { value: person.session, selected: person.session === chosen },
            person.name || `Person ${i + 1}`,
          )
        ),
      );
    },
  };
}
