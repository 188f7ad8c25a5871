/**
 * Text from the other person, made safe to show: their display name, their chat messages, the
 * names of the files they send (shown and saved). Everything they type reaches this page as plain
 * text, but plain text can still lie about itself:
 *
 * - **bidi controls** (U+202E RIGHT-TO-LEFT OVERRIDE and the other embeddings, overrides,
 *   isolates and marks) reorder what follows: `invoice\u202Efdp.exe` shows as `invoiceexe.pdf`;
 * - **invisible characters** (U+3164 HANGUL FILLER, U+115F, U+200B ZERO WIDTH SPACE, U+2060,
 *   U+FEFF, U+00AD... every default-ignorable code point) make a blank name or two names that
 *   look alike, and hide what a link says;
 * - **stacks of combining marks** ("Zalgo" text) draw over the lines above and below;
 * - **line breaks and controls** fake a second message or a name on a line of its own.
 *
 * All of them are removed. What legitimately needs an invisible character keeps it: ZERO WIDTH
 * JOINER inside an emoji sequence (👩‍💻), ZERO WIDTH NON-JOINER between letters (Persian), a
 * variation selector after its character (❤️), the tag characters of a subdivision flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿). A
 * character keeps at most {@linkcode MAX_MARKS} combining marks, enough for every script's
 * vowels and tones. Right-to-left text itself is left alone: the page shows each such string
 * isolated (`dir="auto"`, `<bdi>`, or {@linkcode isolate} in the tab title), so it cannot
 * reorder the words around it.
 *
 * One module for every place the other person's words are shown; `tests/client/safe_text_test.ts`.
 *
 * @module
 */

/** Combining marks kept on one character (Vietnamese needs 2, pointed Hebrew 3 or 4). */
export const MAX_MARKS = 4;
/** The longest file name kept, in UTF-16 code units (an extension is kept when cut). */
export const MAX_FILE_NAME = 120;

const ZWNJ = "\u200C";
const ZWJ = "\u200D";
const BLACK_FLAG = 0x1F3F4;
const CANCEL_TAG = 0xE007F;

const BIDI_CONTROL = /^\p{Bidi_Control}$/u;
/** Invisible: default-ignorable, or a format character (U+FFF9 annotation anchors...). */
const IGNORABLE = /^[\p{Default_Ignorable_Code_Point}\p{Cf}]$/u;
/** Private-use and unassigned code points: a box at best; no place in a name. */
const UNKNOWN = /[\p{Co}\p{Cn}]/gu;
const VARIATION = /^\p{Variation_Selector}$/u;
const MARK = /^\p{M}$/u;
const LETTER_OR_MARK = /^[\p{L}\p{M}]$/u;
const LETTER = /^\p{L}$/u;
const PICTOGRAPH = /^[\p{Extended_Pictographic}\p{Emoji_Modifier}]$/u;
const LINE_BREAK = /^[\t\n\v\f\r\u0085\u2028\u2029]$/u;
const CONTROL = /^\p{Cc}$/u;
const SURROGATE = /^\p{Cs}$/u;
/** Any character {@linkcode visibleText} may have to remove or look at twice. */
const SUSPECT =
  /[\p{Cc}\p{Cf}\p{Cs}\p{M}\p{Default_Ignorable_Code_Point}\p{Bidi_Control}\p{Zl}\p{Zp}]|\u{1F3F4}/u;
/** Blank in every font, but not default-ignorable: treated as a space. */
const BLANK = /^[\p{White_Space}\u2800]$/u;

function isTag(codePoint: number): boolean {
  return codePoint >= 0xE0020 && codePoint <= CANCEL_TAG;
}

/**
 * `text` with every bidi control, invisible character, control and surplus combining mark
 * removed (see the module's comment); line breaks and tabs become spaces. NFC first, so a
 * precomposed letter counts as one character with no marks. Linear in the length, which callers
 * bound first (a chat message is at most 4,000 characters).
 */
export function visibleText(text: string): string {
  const normal = text.normalize("NFC");
  // Most text has nothing to remove: one scan, no work per character.
  if (!SUSPECT.test(normal)) return normal;
  const chars = Array.from(normal);
  const out: string[] = [];
  let marks = 0;
  let inFlag = false;
  const previous = () => out.at(-1) ?? "";
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i];
    const codePoint = char.codePointAt(0)!;
    if (LINE_BREAK.test(char)) {
      out.push(" ");
      marks = 0;
      continue;
    }
    if (CONTROL.test(char) || SURROGATE.test(char) || BIDI_CONTROL.test(char)) continue;
    if (isTag(codePoint)) {
      if (inFlag) out.push(char);
      if (codePoint === CANCEL_TAG) inFlag = false;
      continue;
    }
    inFlag = codePoint === BLACK_FLAG;
    if (char === ZWJ) {
      if (PICTOGRAPH.test(baseOf(out)) && PICTOGRAPH.test(chars[i + 1] ?? "")) out.push(char);
      continue;
    }
    if (char === ZWNJ) {
      if (LETTER_OR_MARK.test(previous()) && LETTER.test(chars[i + 1] ?? "")) out.push(char);
      continue;
    }
    if (VARIATION.test(char)) {
      const after = previous();
      if (after && !BLANK.test(after) && !VARIATION.test(after) && after !== ZWJ) out.push(char);
      continue;
    }
    if (IGNORABLE.test(char)) continue;
    if (MARK.test(char)) {
      const base = previous();
      if (base && !BLANK.test(base) && ++marks <= MAX_MARKS) out.push(char);
      continue;
    }
    marks = 0;
    out.push(char);
  }
  return out.join("");
}

/** The last character of `out` that is not a mark or variation selector (an emoji's base). */
function baseOf(out: string[]): string {
  for (let i = out.length - 1; i >= 0; i--) {
    if (!MARK.test(out[i]) && !VARIATION.test(out[i])) return out[i];
  }
  return "";
}

/**
 * `text` on one line: {@linkcode visibleText} without private-use or unassigned code points,
 * every run of blanks one space, trimmed.
 */
function oneLine(text: string): string {
  return Array.from(visibleText(text).replace(UNKNOWN, ""), (char) => BLANK.test(char) ? " " : char)
    .join("")
    .replace(/ {2,}/g, " ").trim();
}

/**
 * `text` cut to at most `max` UTF-16 code units, between two characters as a person sees them
 * (never inside an emoji sequence or between a letter and its marks).
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = "";
  for (const { segment } of new Intl.Segmenter().segment(text)) {
    if (cut.length + segment.length > max) break;
    cut += segment;
  }
  return cut;
}

/**
 * A display name as it may be shown: one line of {@linkcode visibleText}, at most `max` code
 * units; "" when nothing visible is left (the page then says "The other person").
 */
export function displayName(text: string, max: number): string {
  // What could still show after removals is within the first few times `max` (a peer's 64 KiB
  // name would otherwise cost a long task).
  return cutText(oneLine(text.slice(0, max * 8)), max).trim();
}

const UNSAFE_IN_FILE_NAMES = /[<>:"/\\|?*]/g;
const RESERVED_ON_WINDOWS = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;

/**
 * A file name as it may be shown and saved: one line of {@linkcode visibleText}; no path
 * separators or characters Windows refuses (`_` instead); no leading dots (no hidden file, no
 * `..`), no trailing dots or spaces; not a Windows device name; at most
 * {@linkcode MAX_FILE_NAME} code units, keeping the extension; "file" when nothing is left.
 */
export function fileName(text: string): string {
  // A name longer than any file system allows: its start and its end (the extension) will do.
  const bounded = text.length > 1024 ? text.slice(0, 512) + text.slice(-512) : text;
  let name = oneLine(bounded).replace(UNSAFE_IN_FILE_NAMES, "_").replace(/^[.\s]+/, "")
    .replace(/[.\s]+$/, "");
  if (RESERVED_ON_WINDOWS.test(name)) name = `_${name}`;
  if (name.length > MAX_FILE_NAME) {
    const dot = name.lastIndexOf(".");
    const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : "";
    name =
      cutText(name.slice(0, name.length - extension.length), MAX_FILE_NAME - 1 - extension.length)
        .trimEnd() + "…" + extension;
  }
  return name || "file";
}

/**
 * `text` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE, for places that take no markup
 * (the tab title): a right-to-left name stays in its own run and cannot reorder the words around
 * it. Those two are the only bidi controls Parley shows, and only around what it isolates.
 */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}
