/**
 * The landing page's script: the theme switch, and "Have a link or code?": a pasted link to a
 * room of this server, or a room's code, opens that room.
 *
 * @module
 */
import { isRoomId } from "../protocol/signaling.ts";
import { applyTheme, themeButton } from "./ui/theme.ts";

applyTheme();
document.querySelector(".topbar")?.append(themeButton());

/** The room `entry` names (a link to a room here, or a bare code), or null. */
export function roomOf(entry: string): string | null {
  const trimmed = entry.trim();
  if (isRoomId(trimmed)) return trimmed;
  try {
    const url = new URL(trimmed, location.href);
    const [, r, id] = url.pathname.split("/");
    return url.origin === location.origin && r === "r" && isRoomId(id) ? id : null;
  } catch {
    return null;
  }
}

const form = document.getElementById("join-form") as HTMLFormElement | null;
const field = document.getElementById("room-code") as HTMLInputElement | null;
const error = document.getElementById("room-code-error");
form?.addEventListener("submit", (event) => {
  event.preventDefault();
  const room = roomOf(field!.value);
  if (room) return location.assign(`/r/${room}`);
  error!.hidden = false;
  field!.setAttribute("aria-invalid", "true");
  field!.focus();
});
field?.addEventListener("input", () => {
  error!.hidden = true;
  field.removeAttribute("aria-invalid");
});
