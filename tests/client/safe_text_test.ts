/**
 * The other person's words made safe to show (client/text/safe_text.ts): right-to-left overrides
 * and every other bidi control, invisible fillers, stacks of combining marks and line breaks are
 * gone from chat text, display names and file names, while what real writing needs stays (emoji
 * sequences, Persian's non-joiner, Vietnamese and Hebrew marks, right-to-left letters).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  cutText,
  displayName,
  fileName,
  isolate,
  MAX_FILE_NAME,
  MAX_MARKS,
  visibleText,
} from "../../client/text/safe_text.ts";

const BIDI_CONTROLS = [
  "\u202A",
  "\u202B",
  "\u202C",
  "\u202D",
  "\u202E",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200E",
  "\u200F",
  "\u061C",
];
const INVISIBLE = [
  "\u3164", // HANGUL FILLER
  "\u115F", // HANGUL CHOSEONG FILLER
  "\u1160", // HANGUL JUNGSEONG FILLER
  "\uFFA0", // HALFWIDTH HANGUL FILLER
  "\u200B", // ZERO WIDTH SPACE
  "\u2060", // WORD JOINER
  "\uFEFF", // ZERO WIDTH NO-BREAK SPACE
  "\u00AD", // SOFT HYPHEN
  "\u034F", // COMBINING GRAPHEME JOINER
  "\u180E", // MONGOLIAN VOWEL SEPARATOR
  "\u17B4", // KHMER VOWEL INHERENT AQ
  "\u2064", // INVISIBLE PLUS
  "\uFFF9", // INTERLINEAR ANNOTATION ANCHOR
  "\u{1D173}", // MUSICAL SYMBOL BEGIN BEAM
  "\u{E0041}", // TAG LATIN CAPITAL LETTER A (outside a flag)
];

Deno.test("a right-to-left override cannot disguise an extension, in any of the three", () => {
  const spoof = "invoice\u202Efdp.exe"; // Shows as "invoiceexe.pdf".
  assert.equal(visibleText(spoof), "invoicefdp.exe");
  assert.equal(displayName(spoof, 40), "invoicefdp.exe");
  assert.equal(fileName(spoof), "invoicefdp.exe");
  for (const control of BIDI_CONTROLS) {
    assert.equal(visibleText(`a${control}b`), "ab", `U+${control.codePointAt(0)!.toString(16)}`);
  }
});

Deno.test("invisible fillers are gone: a blank name is no name, two look-alikes are one", () => {
  for (const char of INVISIBLE) {
    const hex = char.codePointAt(0)!.toString(16);
    assert.equal(visibleText(`Ad${char}a`), "Ada", `U+${hex}`);
    assert.equal(displayName(char.repeat(10), 40), "", `U+${hex} alone`);
  }
  assert.equal(displayName("\u3164\u2800 \u3000\u115F", 40), "", "fillers and blanks only");
  assert.equal(displayName("  Ada \u3000\u2800  Lovelace\t", 40), "Ada Lovelace");
  assert.equal(displayName("Ada\u{F0000}\u{E0001}", 40), "Ada", "private use, tags");
});

Deno.test("stacks of combining marks are cut to a few per character; real marks stay", () => {
  const zalgo = "Z" + "\u0336\u0337\u0338\u0321\u0322\u0327".repeat(10) + "a";
  const kept = Array.from(visibleText(zalgo));
  assert.equal(kept.length, 2 + MAX_MARKS);
  assert.deepEqual([kept[0], kept.at(-1)], ["Z", "a"]);
  assert.ok(kept.slice(1, -1).every((char) => /\p{M}/u.test(char)));
  assert.equal(visibleText("\u0301\u0301hi"), "hi", "marks on nothing");
  assert.equal(visibleText("a \u0301"), "a ", "marks on a space");
  // Vietnamese (decomposed, made NFC), pointed Hebrew, Devanagari, Thai.
  assert.equal(visibleText("Nguye\u0302\u0303n"), "Nguyễn");
  for (const word of ["בְּרֵאשִׁית", "नमस्ते", "ภาษาไทย", "Ελληνικά", "سلام", "日本語"]) {
    assert.equal(visibleText(word), word.normalize("NFC"), word);
  }
});

Deno.test("what writing needs stays: emoji sequences, joiners between letters", () => {
  for (
    const emoji of [
      "👩‍💻", // ZWJ sequence
      "👨🏽‍💻", // with a skin tone
      "❤️‍🔥", // variation selector, then ZWJ
      "1️⃣", // keycap
      "🇫🇷", // regional indicators
      "🏴󠁧󠁢󠁳󠁣󠁴󠁿", // subdivision flag: tags after a black flag
    ]
  ) assert.equal(visibleText(emoji), emoji, emoji);
  assert.equal(visibleText("می\u200Cخواهم"), "می\u200Cخواهم", "Persian's non-joiner");
  assert.equal(visibleText("a\u200Cb"), "a\u200Cb");
  assert.equal(visibleText("a\u200Db"), "ab", "a joiner between letters joins no emoji");
  assert.equal(visibleText("\u200D👩"), "👩");
  assert.equal(visibleText("a\uFE0F\uFE0F\uFE0F"), "a\uFE0F", "one variation selector");
  assert.equal(visibleText(" \uFE0F"), " ");
});

Deno.test("line breaks and controls cannot fake a second line", () => {
  assert.equal(visibleText("ok\n\nYou: send me your password"), "ok  You: send me your password");
  assert.equal(visibleText("a\u2028b\u2029c\rd\u0085e\tf"), "a b c d e f");
  assert.equal(visibleText("a\u0000b\u001Bc\u007Fd\u009Be"), "abcde", "other controls");
  assert.equal(displayName("Ada\n\n\nLovelace", 40), "Ada Lovelace");
  assert.equal(visibleText("a\uD800b"), "ab", "a lone surrogate");
});

Deno.test("display names are cut between characters as a person sees them", () => {
  assert.equal(displayName("x".repeat(500), 40).length, 40);
  const family = "👨‍👩‍👧‍👦"; // 11 code units.
  assert.equal(cutText("a".repeat(35) + family, 40), "a".repeat(35), "never half an emoji");
  assert.equal(cutText("abc", 40), "abc");
});

Deno.test("file names: safe to show and to save as", () => {
  assert.equal(fileName("report.pdf"), "report.pdf");
  assert.equal(fileName("../../etc/passwd"), "_.._etc_passwd");
  assert.equal(fileName("..\\..\\boot.ini"), "_.._boot.ini");
  assert.equal(fileName(".bashrc"), "bashrc", "no hidden file");
  assert.equal(fileName(".."), "file");
  assert.equal(fileName("   "), "file");
  assert.equal(fileName("\u3164\u202E"), "file");
  assert.equal(fileName('a<b>c:d"e|f?g*h.txt'), "a_b_c_d_e_f_g_h.txt");
  assert.equal(fileName("notes.txt. . "), "notes.txt", "no trailing dots or spaces");
  assert.equal(fileName("CON"), "_CON");
  assert.equal(fileName("nul.txt"), "_nul.txt");
  assert.equal(fileName("console.txt"), "console.txt");
  assert.equal(fileName("report.pdf          .exe"), "report.pdf .exe", "blanks cannot hide it");
  assert.equal(fileName("photo\u200B.jpg\u3164.exe"), "photo.jpg.exe");
  const long = fileName("a".repeat(500) + ".tar.gz");
  assert.equal(long.length, MAX_FILE_NAME);
  assert.ok(long.endsWith("a….gz"), long);
});

Deno.test("isolate wraps a name so it cannot reorder the words around it", () => {
  assert.equal(isolate("سارة"), "\u2068سارة\u2069");
});
