/**
 * In a group call, whom the files just chosen (or dropped on the chat) go to: a short question
 * above the composer, "Send report.pdf to", with a button for everyone, one for each person in
 * the call, and Cancel (or Escape). In a call of two nobody is asked: the chat sends them to the
 * other person. The buttons follow the call: someone who leaves while it is asked is no longer
 * offered, a new name is shown as it changes.
 *
 * @module
 */
import { X } from "lucide";
import { type Child, h, text } from "../ui/dom.ts";
import { icon } from "../ui/icons.ts";

/** Someone a file can go to: their connection (as the chat knows it) and their name now. */
export interface Recipient {
  peer: string | undefined;
  /** "" when they gave none. */
  name: string;
}

/** The question on the page. */
export interface RecipientChoice {
  element: HTMLElement;
  /** Asks whom `files` go to, among `people`; a new question replaces one left unanswered. */
  ask(files: File[], people: Recipient[]): void;
  /** The people in the call changed (came, left, renamed): the buttons are drawn again. */
  update(people: Recipient[]): void;
}

/** What the question does with an answer. */
export interface RecipientChoiceOptions {
  /** `files` go to `to` (everyone when the person chose everyone). */
  send(files: File[], to: Recipient[]): void;
  /** The question went away (answered, or cancelled): the focus may go back to the composer. */
  done(): void;
}

/** How a person without a name is offered: by their place in the call, as Details does. */
function label(person: Recipient, index: number): string {
  return person.name || `Person ${index + 1}`;
}

/** The question, hidden until asked. */
export function recipientChoice(options: RecipientChoiceOptions): RecipientChoice {
  const what = h("bdi", { className: "send-to-what" });
  const question = h("p", { id: "send-to-question" }, "Send ", what, " to");
  const cancel = h("button", {
    type: "button",
    className: "icon-button",
    "aria-label": "Cancel",
    "data-tip": "Don't send",
  }, icon(X));
  const buttons = h("div", { className: "send-to-buttons" });
  const element = h(
    "div",
    {
      className: "send-to",
      role: "group",
      "aria-labelledby": "send-to-question",
      hidden: true,
    },
    h("div", { className: "send-to-head" }, question, cancel),
    buttons,
  );
  let asked: File[] = [];
  let people: Recipient[] = [];

  const close = () => {
    const focused = element.contains(document.activeElement);
    element.hidden = true;
    asked = [];
    buttons.replaceChildren();
    if (focused) options.done();
  };
  const answer = (to: Recipient[]) => {
    const files = asked;
    close();
    options.send(files, to);
  };
  const draw = () => {
    if (asked.length === 0) return;
    if (people.length === 0) return close();
    // Drawn again under the person's hand: the focus stays on the same choice.
    const focused = buttons.contains(document.activeElement)
      ? (document.activeElement as HTMLElement).dataset.choice
      : undefined;
    const choice = (key: string, to: Recipient[], className: string, name: string, shown: Child) =>
      h("button", {
        type: "button",
        className,
        "data-choice": key,
        "aria-label": name,
        onclick: () => answer(to),
      }, shown);
    buttons.replaceChildren(
      choice("everyone", people, "primary", "Send to everyone", "Everyone"),
      ...people.map((person, i) =>
        choice(
          `to ${person.peer}`,
          [person],
          "secondary",
          `Send to ${label(person, i)}`,
          h("bdi", null, label(person, i)),
        )
      ),
    );
    if (focused === undefined) return;
    [...buttons.querySelectorAll<HTMLElement>("button")].find((b) => b.dataset.choice === focused)
      ?.focus();
  };
  cancel.onclick = close;
  element.onkeydown = (event) => {
    if (event.key !== "Escape") return;
    event.stopPropagation();
    close();
  };

  return {
    element,
    ask(files, now) {
      asked = files;
      people = now;
      text(what, files.length === 1 ? files[0].name : `${files.length} files`);
      element.hidden = false;
      draw();
      (buttons.firstElementChild as HTMLElement | null)?.focus();
    },
    update(now) {
      people = now;
      draw();
    },
  };
}
