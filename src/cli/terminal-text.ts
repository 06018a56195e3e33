import type { HistoryEntry } from '../client/history.store.js';

/**
 * Names and messages come from other people: control characters (an ESC starts a terminal
 * escape sequence) and bidirectional overrides are shown as \u escapes, never passed through.
 */
export function safeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (char) =>
    char === '\t' ? '    ' : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** `HH:MM:SS` in local time; `--:--:--` for a time that cannot be read. */
export function clockTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '--:--:--';
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** `YYYY-MM-DD HH:MM:SS` in local time. */
export function dateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '----------' + ' ' + clockTime(iso);
  const day = [date.getFullYear(), date.getMonth() + 1, date.getDate()].map((n) => String(n).padStart(2, '0'));
  return `${day.join('-')} ${clockTime(iso)}`;
}

/**
 * `HH:MM:SS  <from>: <message>`; the lines of a multi-line message after the first are
 * indented under the text, so every line that starts at the margin starts with a time.
 */
export function messageLine(entry: HistoryEntry, time = clockTime(entry.sent_at)): string {
  const [first, ...rest] = entry.message.split(/\r?\n/).map(safeText);
  const indent = ' '.repeat(time.length + 2);
  return [`${time}  ${safeText(entry.from)}: ${first}`, ...rest.map((line) => indent + line)].join('\n');
}
