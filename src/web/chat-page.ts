import { CohoraHttpError, CohoraNetworkError, MessageNotSentError } from '../client/client-errors.js';
import { CohoraClient, newIdempotencyKey } from '../client/cohora-client.js';
import { CohoraConnection, type ConnectionState } from '../client/cohora-connection.js';
import { type HistoryEntry, outgoingEntry, peerIdOf, withServerId } from '../client/history.store.js';
import { LiveDirectory } from '../client/live-directory.js';
import { CloseCode } from '../protocol/close-codes.js';
import { V2_PROTOCOL } from '../protocol/ws-frames-v2.js';
import { ServerUrl } from '../client/server-url.js';
import { WebStorageHistoryStore } from '../client/web-storage-history.store.js';
import { byId, element } from './dom.js';
import { messageItem, showSendState } from './message-item.js';
import { type Peer, PeopleIndex } from '../client/people-index.js';
import { PeopleList, RENDERED_ROWS, SEARCH_FROM } from './people-list.js';
import {
  historyKey,
  openPeerKey,
  rememberedProfiles,
  type SavedProfile,
  signInHere,
  signOutHere,
  tabProfile,
} from './saved-profile.js';

/** A server without cohora.v2 sends no directory events: there the list is read again this often. */
const DIRECTORY_REFRESH_MS = 15_000;

/** One send being made: the same key for every retry (the SDK's and the Retry button's), so it is stored once. */
interface OutgoingSend {
  recipientId: string;
  message: string;
  key: string;
}

/**
 * The chat page: sign in or register, the People list (live over cohora.v2: new users and
 * online dots), one conversation at a time, history in localStorage, messages sent and
 * received over the SDK's connection. Every piece of other people's text goes into the page
 * through textContent.
 */
export class ChatPage {
  private readonly server: ServerUrl;
  private api: CohoraClient;
  private me?: SavedProfile;
  private connection?: CohoraConnection;
  private history?: WebStorageHistoryStore;
  private entries: HistoryEntry[] = [];
  private directory?: LiveDirectory;
  private readonly people: PeopleList;
  private open?: Peer;
  /** The ids of the People rows in view, which are watched with the open conversation. */
  private inView: string[] = [];
  private watched: string[] = [];

  private readonly view = {
    connection: byId('connection'),
    account: byId('account'),
    meName: byId('me-name'),
    signOut: byId<HTMLButtonElement>('sign-out'),
    signIn: byId('sign-in'),
    registerForm: byId<HTMLFormElement>('register-form'),
    registerName: byId<HTMLInputElement>('register-name'),
    registerError: byId('register-error'),
    remembered: byId('remembered'),
    rememberedUsers: byId('remembered-users'),
    existingUsers: byId('existing-users'),
    existingEmpty: byId('existing-empty'),
    existingSearchRow: byId('existing-search-row'),
    existingSearch: byId<HTMLInputElement>('existing-search'),
    existingMore: byId('existing-more'),
    chat: byId('chat'),
    back: byId<HTMLButtonElement>('back'),
    conversationTitle: byId('conversation-title'),
    peerPresence: byId('peer-presence'),
    messages: byId('messages'),
    composer: byId<HTMLFormElement>('composer'),
    messageLabel: byId('message-label'),
    messageInput: byId<HTMLInputElement>('message-input'),
    sendError: byId('send-error'),
    announcer: byId('announcer'),
  };

  constructor(serverBase: string) {
    this.server = new ServerUrl(serverBase);
    this.api = new CohoraClient({ server: this.server });
    const v = this.view;
    v.registerForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.register();
    });
    v.composer.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
    v.signOut.addEventListener('click', () => void this.signOut());
    v.back.addEventListener('click', () => this.showPeopleList());
    this.people = new PeopleList(
      {
        pane: byId('people-pane'),
        list: byId('people'),
        empty: byId('people-empty'),
        search: byId<HTMLInputElement>('people-search'),
        searchRow: byId('people-search-row'),
        more: byId('people-more'),
      },
      { open: (peer) => this.openConversation(peer), inView: (ids) => this.rowsInView(ids) },
    );
    window.addEventListener('storage', (event) => void this.otherTabWrote(event));
    setInterval(() => {
      if (this.me && document.visibilityState === 'visible' && !this.twoWay) void this.directory?.refresh();
    }, DIRECTORY_REFRESH_MS);
  }

  /** Whether the server speaks cohora.v2 to this page: then the directory and presence come live. */
  private get twoWay(): boolean {
    return this.connection?.serverProtocol === V2_PROTOCOL;
  }

  async boot(): Promise<void> {
    const saved = tabProfile();
    if (saved) await this.enter(saved);
    else await this.showSignIn();
  }

  // --- Signing in ---------------------------------------------------------------------------

  private async showSignIn(message = ''): Promise<void> {
    const v = this.view;
    v.chat.hidden = true;
    v.account.hidden = true;
    v.signIn.hidden = false;
    v.registerError.textContent = message;
    this.setStatus('idle', 'Not signed in');
    const remembered = rememberedProfiles();
    v.rememberedUsers.replaceChildren(...remembered.map((profile) => this.signInButton(profile)));
    v.remembered.hidden = remembered.length === 0;
    (v.rememberedUsers.querySelector('button') ?? v.registerName).focus();
    let directory: Map<string, string>;
    try {
      directory = await this.api.listUsers();
    } catch (error) {
      v.registerError.textContent = explain(error);
      return;
    }
    const everyone = new PeopleIndex();
    everyone.add(Array.from(directory, ([name, id]) => ({ id, name })));
    const render = () => {
      // The first matches only: a directory of tens of thousands is searched, not listed.
      const { people, total } = everyone.find(v.existingSearch.value, RENDERED_ROWS);
      v.existingUsers.replaceChildren(
        ...people.map(({ id, name }) => this.signInButton(remembered.find((p) => p.id === id) ?? { id: id!, name })),
      );
      v.existingMore.hidden = total <= people.length;
      v.existingMore.textContent = `Showing ${people.length} of ${total.toLocaleString()}: type your name to find it.`;
    };
    v.existingSearch.value = '';
    v.existingSearch.oninput = render;
    v.existingSearchRow.hidden = everyone.size <= SEARCH_FROM;
    v.existingEmpty.hidden = everyone.size > 0;
    render();
  }

  private signInButton(profile: SavedProfile): HTMLLIElement {
    const button = element('button', { text: profile.name, attributes: { type: 'button' } });
    button.addEventListener('click', () => void this.enter(profile));
    return element('li', {}, [button]);
  }

  private async register(): Promise<void> {
    const v = this.view;
    const name = v.registerName.value.normalize('NFC').trim();
    if (name === '') {
      v.registerError.textContent = 'Type a name first.';
      v.registerName.focus();
      return;
    }
    const button = v.registerForm.querySelector('button')!;
    button.disabled = true;
    try {
      const { id, token } = await this.api.createUser(name);
      v.registerName.value = '';
      await this.enter({ id, name, token });
    } catch (error) {
      if (error instanceof CohoraHttpError && error.status === 409) {
        v.registerError.textContent = `“${name}” is taken. Pick another name, or sign in below if it is yours.`;
      } else if (error instanceof CohoraHttpError && error.status === 400) {
        v.registerError.textContent = `That name cannot be used: ${error.message}.`;
      } else {
        v.registerError.textContent = explain(error);
      }
      v.registerName.focus();
    } finally {
      button.disabled = false;
    }
  }

  private async enter(profile: SavedProfile): Promise<void> {
    if (this.me) return; // A second click while the first sign-in is under way.
    signInHere(profile);
    this.me = profile;
    const v = this.view;
    v.signIn.hidden = true;
    v.chat.hidden = false;
    v.account.hidden = false;
    v.meName.textContent = profile.name;
    this.api = new CohoraClient({ server: this.server, token: profile.token });
    this.history = new WebStorageHistoryStore({ key: historyKey(profile.id) });
    this.entries = await this.history.entries();

    const connection = new CohoraConnection({
      server: this.server,
      userId: profile.id,
      token: profile.token,
      history: this.history,
      rest: this.api,
    });
    this.connection = connection;
    const directory = new LiveDirectory(this.api, connection);
    this.directory = directory;
    directory.on('added', (added) => {
      if (this.directory === directory) this.people.add(added.filter((person) => person.id !== profile.id));
    });
    connection.on('connecting', ({ attempt }) =>
      this.setStatus('connecting', attempt === 0 ? 'Connecting…' : 'Reconnecting…'),
    );
    connection.on('connected', () => this.setStatus('connected', 'Connected'));
    connection.on('disconnected', (event) => {
      if (event.code === CloseCode.Unauthorized) void this.unknownToServer(profile);
      else if (event.willReconnect) {
        const seconds = Math.max(1, Math.round((event.retryInMs ?? 0) / 1000));
        this.setStatus('waiting', `Connection lost: reconnecting in ${seconds} s…`);
      } else if (this.connection === connection) this.setStatus('stopped', 'Disconnected');
      // Without a socket nobody's presence is known.
      for (const id of this.watched) this.people.setPresence(id, undefined);
      this.showPeerPresence();
    });
    connection.on('message', (entry) => this.received(entry));
    connection.on('presence', ({ online, offline }) => {
      for (const id of online) this.people.setPresence(id, true);
      for (const id of offline) this.people.setPresence(id, false);
      this.showPeerPresence();
    });

    if (this.entries.some((entry) => peerIdOf(entry) === null)) this.people.add([{ id: null, name: 'anonymous' }]);
    await directory.refresh();
    const lastOpen = localStorage.getItem(openPeerKey(profile.id));
    const peer = lastOpen === null ? undefined : this.people.find(lastOpen === '' ? null : lastOpen);
    if (peer) this.openConversation(peer, { focus: false });
    else this.showPeopleList();
    await connection.start();
  }

  private async signOut(): Promise<void> {
    if (this.me) signOutHere(this.me);
    const connection = this.connection;
    this.connection = undefined;
    this.directory = undefined;
    this.me = undefined;
    this.entries = [];
    this.open = undefined;
    this.inView = [];
    this.watched = [];
    this.people.clear();
    await connection?.close();
    await this.showSignIn();
  }

  private async unknownToServer(profile: SavedProfile): Promise<void> {
    await this.signOut();
    this.view.registerError.textContent = `The server does not know “${profile.name}” any more (was its data reset?). Join again.`;
  }

  // --- People and conversations -------------------------------------------------------------

  private rowsInView(ids: string[]): void {
    this.inView = ids;
    this.watchPresence();
  }

  /** Watches the open conversation and the rows in view: a bounded list, whatever the directory's size. */
  private watchPresence(): void {
    const connection = this.connection;
    if (!connection) return;
    const open = this.open?.id;
    const ids = [...new Set([...(open ? [open] : []), ...this.inView])].slice(0, connection.limits.max_watch);
    if (ids.length === this.watched.length && ids.every((id, i) => id === this.watched[i])) return;
    for (const id of this.watched) if (!ids.includes(id)) this.people.setPresence(id, undefined);
    this.watched = ids;
    connection.watch(ids);
  }

  /** Beside the conversation's title: whether that person is online now. */
  private showPeerPresence(): void {
    const id = this.open?.id;
    const online = id ? this.connection?.isOnline(id) : undefined;
    this.view.peerPresence.textContent = online === undefined ? '' : online ? 'online' : 'offline';
    this.view.peerPresence.dataset.state = online === undefined ? 'unknown' : online ? 'online' : 'offline';
  }

  private openConversation(peer: Peer, { focus = true } = {}): void {
    const v = this.view;
    this.open = peer;
    if (this.me) localStorage.setItem(openPeerKey(this.me.id), peer.id ?? '');
    v.conversationTitle.textContent = `Chat with ${peer.name}`;
    v.messageLabel.textContent = `Message to ${peer.name}`;
    v.composer.hidden = peer.id === null;
    v.sendError.textContent = '';
    v.chat.dataset.view = 'conversation';
    this.renderMessages();
    this.people.clearUnread(peer.id);
    this.people.setOpen(peer.id);
    this.watchPresence();
    this.showPeerPresence();
    if (focus) (peer.id === null ? v.back : v.messageInput).focus();
  }

  private showPeopleList(): void {
    const v = this.view;
    v.chat.dataset.view = 'people';
    if (!this.open) {
      v.conversationTitle.textContent = 'Pick someone to chat with';
      v.composer.hidden = true;
      v.messages.replaceChildren();
    }
    const list = byId('people');
    const current = this.open ? list.querySelector<HTMLElement>('[aria-current="true"]') : null;
    if (current && getComputedStyle(list).display !== 'none') current.focus();
  }

  private renderMessages(): void {
    const v = this.view;
    const peer = this.open;
    if (!peer) return;
    const conversation = this.entries.filter((entry) => peerIdOf(entry) === peer.id);
    v.messages.replaceChildren(
      ...(conversation.length > 0
        ? conversation.map((entry) => messageItem(entry))
        : [element('li', { className: 'empty-conversation', text: `No messages with ${peer.name} yet. Say hello!` })]),
    );
    v.messages.scrollTop = v.messages.scrollHeight;
  }

  private appendMessage(item: HTMLLIElement): void {
    const list = this.view.messages;
    list.querySelector('.empty-conversation')?.remove();
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(item);
    if (atBottom || item.classList.contains('out')) list.scrollTop = list.scrollHeight;
  }

  // --- Messages -------------------------------------------------------------------------------

  private received(entry: HistoryEntry): void {
    if (this.entries.some((known) => known.id === entry.id)) return;
    this.entries.push(entry);
    const from = peerIdOf(entry);
    if (from === null) this.people.add([{ id: null, name: 'anonymous' }]);
    else if (!this.people.has(from) && from !== this.me?.id) void this.directory?.refresh();
    if (this.open && this.open.id === from) {
      this.appendMessage(messageItem(entry));
      this.announce(`${entry.from}: ${entry.message}`);
    } else {
      this.people.countUnread(from);
      this.announce(`New message from ${entry.from}`);
    }
  }

  private async send(): Promise<void> {
    const v = this.view;
    const me = this.me;
    const peer = this.open;
    const text = v.messageInput.value;
    if (!me || !peer || peer.id === null || text.trim() === '') return;
    const to = { id: peer.id, name: peer.name };
    const entry = outgoingEntry(me, to, text);
    const item = messageItem(entry);
    this.appendMessage(item);
    v.messageInput.value = '';
    v.sendError.textContent = '';
    await this.deliver(item, entry, { recipientId: to.id, message: text, key: newIdempotencyKey() });
  }

  /** Sends one message over the socket (REST without v2), showing it as sending, then sent or not sent (with a Retry). */
  private async deliver(item: HTMLLIElement, entry: HistoryEntry, send: OutgoingSend): Promise<void> {
    const v = this.view;
    const connection = this.connection;
    if (!connection) return;
    showSendState(item, 'sending');
    let sent: HistoryEntry;
    try {
      const { message_id } = await connection.send(send.recipientId, send.message, { key: send.key });
      sent = withServerId(entry, message_id);
    } catch (error) {
      showSendState(item, 'not-sent', () => void this.deliver(item, entry, send));
      const unconfirmed = error instanceof MessageNotSentError && error.maybeStored;
      v.sendError.textContent = `${unconfirmed ? 'Not confirmed' : 'Not sent'}: ${explain(error)}`;
      return;
    }
    // To oneself, the frame may have come first and is on screen already: one message, shown once.
    if (this.entries.some((known) => known.id === sent.id)) {
      item.remove();
      return;
    }
    item.dataset.id = sent.id;
    showSendState(item, 'sent');
    this.entries.push(sent);
    try {
      await this.history?.append(sent);
    } catch (error) {
      v.sendError.textContent = `Sent, but not kept in this browser’s history: ${explain(error)}`;
    }
  }

  /** Another tab of this user changed the history (a message sent there): show it here too. */
  private async otherTabWrote(event: StorageEvent): Promise<void> {
    if (!this.me || !this.history || event.key !== historyKey(this.me.id)) return;
    this.entries = await this.history.entries();
    this.renderMessages();
  }

  // --- Status -----------------------------------------------------------------------------------

  private setStatus(state: ConnectionState, text: string): void {
    this.view.connection.dataset.state = state;
    this.view.connection.textContent = text;
  }

  /** Read out by screen readers (aria-live), without moving the focus. */
  private announce(text: string): void {
    this.view.announcer.textContent = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  }
}

function explain(error: unknown): string {
  if (error instanceof MessageNotSentError && error.maybeStored) {
    return `${explain(error.lastError)} It may have arrived: Retry cannot send it twice.`;
  }
  if (error instanceof MessageNotSentError) return `${explain(error.lastError)} Press Retry to try again.`;
  if (error instanceof CohoraNetworkError) return 'cannot reach the cohora server. Is it running?';
  if (error instanceof CohoraHttpError) return `${error.message}.`;
  return error instanceof Error ? error.message : String(error);
}
