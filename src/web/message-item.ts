import type { HistoryEntry } from '../client/history.store.js';
import { element } from './dom.js';

/** Where an outgoing message stands: being sent (and retried), stored, or given up on. */
export type SendState = 'sending' | 'sent' | 'not-sent';

const SEND_STATE_TEXT: Record<SendState, string> = { sending: 'sending…', sent: 'sent', 'not-sent': 'not sent' };

/** Shows `state` on an outgoing message's item; `retry`, for not-sent, puts a Retry button beside it. */
export function showSendState(item: HTMLLIElement, state: SendState, retry?: () => void): void {
  item.classList.toggle('pending', state === 'sending');
  item.classList.toggle('not-sent', state === 'not-sent');
  item.dataset.sendState = state;
  let badge = item.querySelector<HTMLElement>('.send-state');
  if (!badge) {
    badge = element('span', { className: 'send-state' });
    item.querySelector('.meta')?.append(badge);
  }
  badge.replaceChildren(SEND_STATE_TEXT[state]);
  if (state === 'not-sent' && retry) {
    const button = element('button', { className: 'retry', text: 'Retry', attributes: { type: 'button' } });
    button.addEventListener('click', retry, { once: true });
    badge.append(' ', button);
  }
}

/** One message as a list item: sender, time, text. Text only, never HTML. */
export function messageItem(entry: HistoryEntry, options: { pending?: boolean } = {}): HTMLLIElement {
  const sentAt = new Date(entry.sent_at);
  const time = element('time', { text: shortTime(sentAt), attributes: { datetime: entry.sent_at } });
  if (!Number.isNaN(sentAt.getTime())) time.title = sentAt.toLocaleString();
  return element(
    'li',
    {
      className: `message ${entry.direction}${options.pending ? ' pending' : ''}`,
      attributes: { 'data-id': entry.id },
    },
    [
      element('div', { className: 'meta' }, [element('span', { className: 'from', text: entry.from }), time]),
      element('p', { className: 'text', text: entry.message }),
    ],
  );
}

/** Today's messages show their time; older ones their date as well. */
function shortTime(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return date.toDateString() === new Date().toDateString()
    ? time
    : `${date.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}
