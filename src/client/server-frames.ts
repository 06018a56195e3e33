import type { MessageFrame } from '../protocol/ws-frames.js';
import type { ServerFrameV2 } from '../protocol/ws-frames-v2.js';

const decoder = new TextDecoder();

/** What a frame from `/ws` turned out to be; undefined for anything cohora does not send. */
export type ServerFrame = { kind: 'message'; frame: MessageFrame } | { kind: 'typed'; frame: ServerFrameV2 };

/**
 * Reads one frame from the server. A v1 message frame has no `type`; every other v2 frame has
 * one (docs/protocol-v2.md). A typed frame whose fields are not what the doc says is refused
 * here, so the rest of the SDK can trust its types. An unknown `type` is refused too: a newer
 * server's additions are never mistaken for messages.
 */
export function parseServerFrame(data: unknown): ServerFrame | undefined {
  const parsed = parseJsonObject(data);
  if (!parsed) return undefined;
  if (!('type' in parsed)) {
    const frame = messageFrameOf(parsed);
    return frame && { kind: 'message', frame };
  }
  const frame = typedFrameOf(parsed);
  return frame && { kind: 'typed', frame };
}

/** A message frame, or undefined for anything else. */
export function parseMessageFrame(data: unknown): MessageFrame | undefined {
  const parsed = parseJsonObject(data);
  return parsed && !('type' in parsed) ? messageFrameOf(parsed) : undefined;
}

function parseJsonObject(data: unknown): Record<string, unknown> | undefined {
  let text: string;
  if (typeof data === 'string') text = data;
  else if (data instanceof ArrayBuffer) text = decoder.decode(new Uint8Array(data));
  else if (ArrayBuffer.isView(data))
    text = decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  else return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : undefined;
}

function messageFrameOf(parsed: Record<string, unknown>): MessageFrame | undefined {
  const { from, message, from_id, id, sent_at } = parsed;
  if (typeof from !== 'string' || typeof message !== 'string' || typeof id !== 'string' || id === '') {
    return undefined;
  }
  return {
    from,
    message,
    from_id: typeof from_id === 'string' ? from_id : null,
    id,
    sent_at: typeof sent_at === 'string' ? sent_at : new Date().toISOString(),
  };
}

function typedFrameOf(parsed: Record<string, unknown>): ServerFrameV2 | undefined {
  switch (parsed.type) {
    case 'ready': {
      const limits = parsed.limits as Record<string, unknown> | undefined;
      const numbers = ['max_message_length', 'max_frame_bytes', 'max_in_flight', 'max_watch'] as const;
      if (typeof parsed.user_id !== 'string' || typeof limits !== 'object' || limits === null) return undefined;
      if (!numbers.every((name) => isPositiveInteger(limits[name]))) return undefined;
      return parsed as unknown as ServerFrameV2;
    }
    case 'ack':
      return typeof parsed.key === 'string' &&
        typeof parsed.message_id === 'string' &&
        (parsed.delivery === 'delivered' || parsed.delivery === 'queued')
        ? (parsed as unknown as ServerFrameV2)
        : undefined;
    case 'error':
      return (typeof parsed.key === 'string' || parsed.key === null) &&
        isPositiveInteger(parsed.status) &&
        typeof parsed.message === 'string' &&
        (parsed.retry_after === undefined || (typeof parsed.retry_after === 'number' && parsed.retry_after >= 0))
        ? (parsed as unknown as ServerFrameV2)
        : undefined;
    case 'users':
      return Array.isArray(parsed.added) &&
        parsed.added.every(
          (user: unknown) =>
            typeof (user as { id?: unknown })?.id === 'string' && typeof (user as { name?: unknown }).name === 'string',
        )
        ? (parsed as unknown as ServerFrameV2)
        : undefined;
    case 'presence':
      return isStringArray(parsed.online) && isStringArray(parsed.offline)
        ? (parsed as unknown as ServerFrameV2)
        : undefined;
    default:
      return undefined;
  }
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
