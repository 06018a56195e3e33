import { element } from './dom.js';
import { type Peer, PeopleIndex } from '../client/people-index.js';

/** Never more rows than this in the page at once: a long directory is searched, not scrolled through. */
export const RENDERED_ROWS = 100;
/** The search box appears once the list is longer than this. */
export const SEARCH_FROM = 12;
/** Rows scrolled into view are watched after the scrolling has paused this long. */
const VISIBLE_SETTLE_MS = 150;

export interface PeopleListView {
  /** The scrolling pane that holds the list: rows in it count as in view. */
  pane: HTMLElement;
  list: HTMLElement;
  empty: HTMLElement;
  search: HTMLInputElement;
  searchRow: HTMLElement;
  more: HTMLElement;
}

export interface PeopleListEvents {
  open(peer: Peer): void;
  /** The ids of the rows now in view changed. */
  inView(ids: string[]): void;
}

/**
 * The People pane: everyone but me, in name order, with unread badges and online dots, and a
 * search box once the list is long. It renders at most RENDERED_ROWS rows (the first matches),
 * so tens of thousands of users cost no more DOM than a hundred, and it reports which rows are
 * in view, which the page watches for presence.
 */
export class PeopleList {
  private readonly index = new PeopleIndex();
  private readonly unread = new Map<string | null, number>();
  private readonly presence = new Map<string, boolean>();
  private readonly visible = new Set<string>();
  private readonly observer: IntersectionObserver;
  private openId?: string | null;
  private settleTimer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly view: PeopleListView,
    private readonly events: PeopleListEvents,
  ) {
    view.search.addEventListener('input', () => this.render());
    this.observer = new IntersectionObserver((changes) => this.seen(changes), { root: view.pane });
  }

  get size(): number {
    return this.index.size;
  }

  has(id: string | null): boolean {
    return this.index.has(id);
  }

  /** Adds people (who are never removed: users do not change); re-renders. */
  add(people: Iterable<Peer>): void {
    this.index.add(people);
    this.render();
  }

  /** One more unread message from `id`, shown as a badge. */
  countUnread(id: string | null): void {
    this.unread.set(id, (this.unread.get(id) ?? 0) + 1);
    this.render();
  }

  /** The conversation with `id` was read. */
  clearUnread(id: string | null): void {
    if (this.unread.delete(id)) this.render();
  }

  /** The row of the open conversation is marked current. */
  setOpen(id: string | null | undefined): void {
    this.openId = id;
    this.render();
  }

  /** Shows `id` online (true), offline (false) or unknown (undefined), in place. */
  setPresence(id: string, online: boolean | undefined): void {
    if (online === undefined) this.presence.delete(id);
    else this.presence.set(id, online);
    const button = this.view.list.querySelector<HTMLElement>(`[data-peer="${CSS.escape(id)}"]`);
    if (button) showPresence(button, online);
  }

  /** Forgets everyone (signing out). */
  clear(): void {
    this.unread.clear();
    this.presence.clear();
    this.openId = undefined;
    this.view.search.value = '';
    this.index.clear();
    this.render();
  }

  find(id: string | null): Peer | undefined {
    return this.index.get(id);
  }

  render(): void {
    const v = this.view;
    const focusedPeer = (document.activeElement as HTMLElement | null)?.dataset?.peer;
    const { people, total } = this.index.find(v.search.value, RENDERED_ROWS);
    this.observer.disconnect();
    this.visible.clear();
    v.list.replaceChildren(...people.map((peer) => this.row(peer)));
    for (const item of v.list.children) this.observer.observe(item);
    v.searchRow.hidden = this.index.size <= SEARCH_FROM && v.search.value === '';
    v.empty.hidden = this.index.size > 0;
    const nobody = total === 0 && this.index.size > 0;
    v.more.hidden = !nobody && total <= people.length;
    const summary = nobody
      ? `Nobody’s name contains “${v.search.value.trim()}”.`
      : `Showing ${people.length} of ${total.toLocaleString()}: type a name to find someone.`;
    // A live region: rewritten only when it says something new, so a re-render is not read out.
    if (v.more.textContent !== summary) v.more.textContent = summary;
    // Rebuilding the list must not throw the keyboard user's focus away.
    if (focusedPeer !== undefined)
      v.list.querySelector<HTMLElement>(`[data-peer="${CSS.escape(focusedPeer)}"]`)?.focus();
  }

  private row(peer: Peer): HTMLLIElement {
    const dot = element('span', { className: 'presence', attributes: { 'aria-hidden': 'true' } });
    const button = element('button', { attributes: { type: 'button', 'data-peer': peer.id ?? '' } }, [
      element('span', { className: 'who' }, [dot, element('span', { text: peer.name })]),
    ]);
    const unread = this.unread.get(peer.id) ?? 0;
    if (unread > 0) {
      button.append(
        element('span', { className: 'badge', text: String(unread) }, [
          element('span', { className: 'visually-hidden', text: unread === 1 ? ' new message' : ' new messages' }),
        ]),
      );
    }
    if (peer.id !== null) showPresence(button, this.presence.get(peer.id));
    if (this.openId !== undefined && peer.id === this.openId) button.setAttribute('aria-current', 'true');
    button.addEventListener('click', () => this.events.open(peer));
    return element('li', {}, [button]);
  }

  private seen(changes: IntersectionObserverEntry[]): void {
    for (const change of changes) {
      const id = (change.target.firstElementChild as HTMLElement | null)?.dataset.peer;
      if (!id) continue;
      if (change.isIntersecting) this.visible.add(id);
      else this.visible.delete(id);
    }
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.events.inView([...this.visible]), VISIBLE_SETTLE_MS);
  }
}

/** The dot's colour, and the state in words for screen readers (the button's name stays the name). */
function showPresence(button: HTMLElement, online: boolean | undefined): void {
  const state = online === undefined ? 'unknown' : online ? 'online' : 'offline';
  button.querySelector<HTMLElement>('.presence')?.setAttribute('data-state', state);
  if (online === undefined) button.removeAttribute('aria-description');
  else button.setAttribute('aria-description', state);
}
