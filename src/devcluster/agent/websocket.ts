import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The server side of RFC 6455, as much as the kubelet's streaming endpoints need: the opening
 * handshake with a subprotocol, binary messages (fragmented or not) from masked client frames,
 * ping/pong and the closing handshake. Text messages are delivered as bytes too.
 */
export interface WebSocketConnection {
  readonly protocol: string;
  send(data: Buffer): void;
  /** Sends a close frame and ends the connection once the peer answers or after a short wait. */
  close(code?: number): void;
  /** Drops the connection at once, without the closing handshake. */
  terminate(): void;
  onMessage(listener: (data: Buffer) => void): void;
  /** Called once, when the connection is gone (closed by either side or broken). */
  onClose(listener: () => void): void;
}

const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
/** A client message bigger than this is a protocol abuse: stdin arrives in small chunks. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (
    (req.headers.upgrade ?? '').toLowerCase() === 'websocket' &&
    (req.headers.connection ?? '')
      .toLowerCase()
      .split(/\s*,\s*/)
      .includes('upgrade')
  );
}

/** The subprotocols a client offers in `Sec-WebSocket-Protocol`. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + ACCEPT_GUID)
    .digest('base64');
}

/** Answers the opening handshake with `protocol` and returns the connection. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string) {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || req.headers['sec-websocket-version'] !== '13') {
    rejectUpgrade(socket, 400, 'a WebSocket version 13 handshake with Sec-WebSocket-Key is required');
    return undefined;
  }
  socket.write(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${acceptKey(key)}`,
      `Sec-WebSocket-Protocol: ${protocol}`,
      '',
      '',
    ].join('\r\n'),
  );
  return new Connection(socket, protocol, head);
}

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
export function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    [
      `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Bad Request'}`,
      'Content-Type: text/plain; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}

/** One frame as the server sends it: final, unmasked. */
export function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([0x80 | opcode, length]);
  } else if (length < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/**
 * Takes the first complete frame off `buffer`: undefined when more bytes are needed. Client frames
 * must be masked (RFC 6455 §5.1); an unmasked one, or one too big, is an Error.
 */
export function decodeFrame(buffer: Buffer): { frame: Frame; rest: Buffer } | undefined | Error {
  if (buffer.length < 2) return undefined;
  const fin = (buffer[0]! & 0x80) !== 0;
  const opcode = buffer[0]! & 0x0f;
  const masked = (buffer[1]! & 0x80) !== 0;
  let length = buffer[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    const big = buffer.readBigUInt64BE(2);
    if (big > BigInt(MAX_MESSAGE_BYTES)) return new Error(`frame of ${big} bytes is too big`);
    length = Number(big);
    offset = 10;
  }
  if (!masked) return new Error('client frames must be masked');
  if (length > MAX_MESSAGE_BYTES) return new Error(`frame of ${length} bytes is too big`);
  if (buffer.length < offset + 4 + length) return undefined;
  const mask = buffer.subarray(offset, offset + 4);
  const payload = Buffer.from(buffer.subarray(offset + 4, offset + 4 + length));
  for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  return { frame: { fin, opcode, payload }, rest: buffer.subarray(offset + 4 + length) };
}

class Connection implements WebSocketConnection {
  private pending: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closeSent = false;
  private gone = false;
  private readonly messageListeners: ((data: Buffer) => void)[] = [];
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly socket: Duplex,
    readonly protocol: string,
    head: Buffer,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.finish());
    socket.on('error', () => socket.destroy());
    if (head.length > 0) queueMicrotask(() => this.receive(head));
  }

  onMessage(listener: (data: Buffer) => void): void {
    this.messageListeners.push(listener);
  }

  onClose(listener: () => void): void {
    if (this.gone) listener();
    else this.closeListeners.push(listener);
  }

  send(data: Buffer): void {
    if (this.closeSent || this.gone) return;
    this.socket.write(encodeFrame(OP_BINARY, data));
  }

  close(code = 1000): void {
    if (this.gone) return;
    if (!this.closeSent) {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code, 0);
      this.socket.write(encodeFrame(OP_CLOSE, payload));
      this.closeSent = true;
    }
    // The peer answers with its own close frame; do not wait for a silent one for long.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  terminate(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const decoded = decodeFrame(this.pending);
      if (decoded === undefined) return;
      if (decoded instanceof Error) {
        this.close(1002);
        return;
      }
      this.pending = decoded.rest;
      this.handle(decoded.frame);
    }
  }

  private handle(frame: Frame): void {
    switch (frame.opcode) {
      case OP_PING:
        if (!this.closeSent) this.socket.write(encodeFrame(OP_PONG, frame.payload));
        return;
      case OP_PONG:
        return;
      case OP_CLOSE:
        this.close(frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1000);
        this.socket.end();
        return;
      case OP_TEXT:
      case OP_BINARY:
      case OP_CONTINUATION: {
        this.fragments.push(frame.payload);
        if (!frame.fin) return;
        const message = Buffer.concat(this.fragments);
        this.fragments = [];
        for (const listener of this.messageListeners) listener(message);
        return;
      }
      default:
        this.close(1002);
    }
  }

  private finish(): void {
    if (this.gone) return;
    this.gone = true;
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
