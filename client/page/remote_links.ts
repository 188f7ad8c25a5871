/**
 * The call screen's link with each other person, over their peer connection's data channels:
 * what they say about themselves (presence), and the chat and files (messages to everyone, files
 * to whom the person picks). One
 * link per person while they are here (`people.ts`), following their newest connection; their
 * last name is kept while the page may still say they left. In a group, each connection sends
 * this side's picture within its share of the uplink (`meshLimits`), set again as people come
 * and go.
 *
 * @module
 */
import type { PeerChannels } from "../../machines/peer_types.ts";
import { meshLimits } from "../adaptation/send_levels.ts";
import type { ChatView } from "../chat/chat_view.ts";
import { peerMessages } from "../effects/peer_messages.ts";
import { type Presence, type PresenceLink, presenceLink } from "../presence/presence.ts";
import type { People } from "./people.ts";

interface Link {
  presence: PresenceLink;
  channels: PeerChannels | null;
  detach: (() => void) | null;
  /** The share of the uplink last set on `channels` (as JSON). */
  capped: string;
}

/** The links with everyone in the call. */
export interface RemoteLinks {
  /** Follows `people` (links made and let go), saying `mine` to each. */
  update(people: People, mine: Presence): void;
  /** What `session` said about themselves last (null until they say something, or when gone). */
  theirs(session: string): Presence | null;
  /** The last name `session` gave ("" for none). */
  lastName(session: string): string;
  destroy(): void;
}

/** The links of the call screen: the chat speaks over them; `onChange` redraws. */
export function remoteLinks(chat: ChatView, onChange: () => void): RemoteLinks {
  const links = new Map<string, Link>();
  const names = new Map<string, string>();

  const drop = (session: string, link: Link) => {
    link.detach?.();
    link.presence.update(null, { mic: false, camera: false, name: "" });
    links.delete(session);
  };

  return {
    update({ here, gone }, mine) {
      for (const [session, link] of links) {
        if (!here.some((person) => person.session === session)) drop(session, link);
      }
      for (const person of here) {
        let link = links.get(person.session);
        if (!link) {
          link = { presence: presenceLink(onChange), channels: null, detach: null, capped: "" };
          links.set(person.session, link);
        }
        const next = person.channels;
        if (next !== link.channels) {
          // A new connection with them (after a reconnect): chat and files go over it from now on.
          link.detach?.();
          link.channels = next;
          link.capped = "";
          link.detach = next
            ? chat.attach(
              peerMessages(next.control as RTCDataChannel),
              next.files as RTCDataChannel,
              person.session,
            )
            : null;
        }
        const cap = meshLimits(here.length);
        if (next?.cap && JSON.stringify(cap) !== link.capped) {
          link.capped = JSON.stringify(cap);
          next.cap(cap);
        }
        link.presence.update(next?.control as RTCDataChannel ?? null, mine);
        const name = link.presence.theirs()?.name;
        if (name && name !== names.get(person.session)) {
          names.set(person.session, name);
          chat.renamed();
        }
      }
      // Names are kept for those here and those the page still says left.
      for (const session of names.keys()) {
        if (!links.has(session) && !gone.some((g) => g.session === session)) names.delete(session);
      }
    },
    theirs: (session) => links.get(session)?.presence.theirs() ?? null,
    lastName: (session) => names.get(session) ?? "",
    destroy() {
      for (const [session, link] of links) drop(session, link);
    },
  };
}
