import { CohoraHttpError, CohoraNetworkError, MessageNotSentError } from '../client/client-errors.js';
import { CohoraClient, newIdempotencyKey, type SendMessageInput } from '../client/cohora-client.js';
import { CohoraConnection, type ConnectionState } from '../client/cohora-connection.js';
import { type HistoryEntry, outgoingEntry, peerIdOf, withServerId } from '../client/history.store.js';
import { CloseCode } from '../protocol/close-codes.js';
import { ServerUrl } from '../client/server-url.js';
import { nameKey } from '../client/user-lookup.js';
import { WebStorageHistoryStore } from '../client/web-storage-history.store.js';
import { byId, element } from './dom.js';
import { messageItem, showSendState } from './message-item.js';
import {
  historyKey,
  openPeerKey,
  rememberedProfiles,
  type SavedProfile,
  signInHere,
  signOutHere,
  tabProfile,
} from './saved-profile.js';

/** Someone to chat with; `id` null is `anonymous`, whose messages cannot be answered. */
interface Peer {
  id: string | null;
  name: string;
}

/** New names appear without a reload: the directory is read again this often while the page is visible. */
const DIRECTORY_REFRESH_MS = 15_000;

/**
 * The chat page: sign in or register, the directory, one conversation at a time, history in
 * localStorage, live messages over the SDK's connection. Every piece of other people's text
 * goes into the page through textContent.
 */
export class ChatPage {
  private readonly server: ServerUrl;
  private api: CohoraClient;
  private me?: SavedProfile;
  private connection?: CohoraConnection;
  private history?: WebStorageHistoryStore;
  private entries: HistoryEntry[] = [];
  private directory = new Map<string, string>();
  private open?: Peer;
  private readonly unread = new Map<string | null, number>();

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
    chat: byId('chat'),
    people: byId('people'),
    peopleEmpty: byId('people-empty'),
    refresh: byId<HTMLButtonElement>('refresh-people'),
    back: byId<HTMLButtonElement>('back'),
    conversationTitle: byId('conversation-title'),
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
    v.refresh.addEventListener('click', () => void this.refreshDirectory());
    v.back.addEventListener('click', () => this.showPeopleList());
    window.addEventListener('storage', (event) => void this.otherTabWrote(event));
    window.addEventListener('focus', () => void this.refreshDirectory());
    setInterval(() => {
      if (this.me && document.visibilityState === 'visible') void this.refreshDirectory();
    }, DIRECTORY_REFRESH_MS);
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
    try {
      const directory = await this.api.listUsers();
      const names = [...directory].sort(([a], [b]) => nameKey(a).localeCompare(nameKey(b)));
      v.existingUsers.replaceChildren(
        ...names.map(([name, id]) => this.signInButton(remembered.find((p) => p.id === id) ?? { id, name })),
      );
      v.existingEmpty.hidden = names.length > 0;
    } catch (error) {
      v.registerError.textContent = explain(error);
    }
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
    });
    this.connection = connection;
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
    });
    connection.on('message', (entry) => this.received(entry));

    await this.refreshDirectory();
    const lastOpen = localStorage.getItem(openPeerKey(profile.id));
    const peer = lastOpen === null ? undefined : this.peers().find((p) => (p.id ?? '') === lastOpen);
    if (peer) this.openConversation(peer, { focus: false });
    else this.showPeopleList();
    await connection.start();
  }

  private async signOut(): Promise<void> {
    if (this.me) signOutHere(this.me);
    const connection = this.connection;
    this.connection = undefined;
    this.me = undefined;
    this.entries = [];
    this.open = undefined;
    this.unread.clear();
    await connection?.close();
    await this.showSignIn();
  }

  private async unknownToServer(profile: SavedProfile): Promise<void> {
    await this.signOut();
    this.view.registerError.textContent = `The server does not know “${profile.name}” any more (was its data reset?). Join again.`;
  }

  // --- People and conversations -------------------------------------------------------------

  private async refreshDirectory(): Promise<void> {
    if (!this.me) return;
    try {
      this.directory = await this.api.listUsers();
    } catch {
      return; // The connection state already tells whether the server can be reached.
    }
    this.renderPeople();
  }

  /** Everyone but me, by name; `anonymous` too when they wrote. */
  private peers(): Peer[] {
    const peers: Peer[] = [...this.directory]
      .filter(([, id]) => id !== this.me?.id)
      .map(([name, id]) => ({ name, id }))
      .sort((a, b) => nameKey(a.name).localeCompare(nameKey(b.name)));
    if (this.entries.some((entry) => peerIdOf(entry) === null)) peers.push({ id: null, name: 'anonymous' });
    return peers;
  }

  private renderPeople(): void {
    const v = this.view;
    const focusedPeer = (document.activeElement as HTMLElement | null)?.dataset?.peer;
    const peers = this.peers();
    v.people.replaceChildren(
      ...peers.map((peer) => {
        const unread = this.unread.get(peer.id) ?? 0;
        const button = element('button', { attributes: { type: 'button', 'data-peer': peer.id ?? '' } }, [
          element('span', { text: peer.name }),
        ]);
        if (unread > 0) {
          button.append(
            element('span', { className: 'badge', text: String(unread) }, [
              element('span', { className: 'visually-hidden', text: unread === 1 ? ' new message' : ' new messages' }),
            ]),
          );
        }
        if (this.open && peer.id === this.open.id) button.setAttribute('aria-current', 'true');
        button.addEventListener('click', () => this.openConversation(peer));
        return element('li', {}, [button]);
      }),
    );
    v.peopleEmpty.hidden = peers.length > 0;
    // Rebuilding the list must not throw the keyboard user's focus away.
    if (focusedPeer !== undefined)
      v.people.querySelector<HTMLElement>(`[data-peer="${CSS.escape(focusedPeer)}"]`)?.focus();
  }

  private openConversation(peer: Peer, { focus = true } = {}): void {
    const v = this.view;
    this.open = peer;
    this.unread.delete(peer.id);
    if (this.me) localStorage.setItem(openPeerKey(this.me.id), peer.id ?? '');
    v.conversationTitle.textContent = `Chat with ${peer.name}`;
    v.messageLabel.textContent = `Message to ${peer.name}`;
    v.composer.hidden = peer.id === null;
    v.sendError.textContent = '';
    v.chat.dataset.view = 'conversation';
    this.renderMessages();
    this.renderPeople();
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
    const current = this.open ? v.people.querySelector<HTMLElement>('[aria-current="true"]') : null;
    if (current && getComputedStyle(v.people).display !== 'none') current.focus();
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
    if (from !== null && ![...this.directory.values()].includes(from)) void this.refreshDirectory();
    if (this.open && this.open.id === from) {
      this.appendMessage(messageItem(entry));
      this.announce(`${entry.from}: ${entry.message}`);
    } else {
      this.unread.set(from, (this.unread.get(from) ?? 0) + 1);
      this.renderPeople();
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
    // One key per message, kept across every retry (the SDK's and the Retry button's): it is stored once.
    await this.deliver(item, entry, {
      recipientId: to.id,
      message: text,
      senderId: me.id,
      idempotencyKey: newIdempotencyKey(),
    });
  }

  /** Sends one message, showing it as sending, then sent or not sent (with a Retry). */
  private async deliver(item: HTMLLIElement, entry: HistoryEntry, input: Required<SendMessageInput>): Promise<void> {
    const v = this.view;
    showSendState(item, 'sending');
    let sent: HistoryEntry;
    try {
      const { message_id } = await this.api.sendMessage(input);
      sent = withServerId(entry, message_id);
    } catch (error) {
      showSendState(item, 'not-sent', () => void this.deliver(item, entry, input));
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
