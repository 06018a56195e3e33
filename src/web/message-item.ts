import type { HistoryEntry } from '../client/history.store.js';
import { element } from './dom.js';

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
