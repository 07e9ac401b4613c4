import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { acceptKey, decodeFrame, encodeFrame } from '../../../../src/devcluster/agent/websocket.ts';

/** A frame as a client sends it: masked (RFC 6455 §5.3). */
function clientFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const server = encodeFrame(opcode, payload);
  const headerLength = server.length - payload.length;
  const header = Buffer.from(server.subarray(0, headerLength));
  if (!fin) header[0] = header[0]! & 0x7f;
  header[1] = header[1]! | 0x80;
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([header, mask, masked]);
}

test('the handshake answer is the one of RFC 6455’s example', () => {
  assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test('masked client frames of any size decode to their payload, and partial input waits for more', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 70_000 }), fc.nat(), (bytes, cut) => {
      const payload = Buffer.from(bytes);
      const wire = clientFrame(0x2, payload);
      const decoded = decodeFrame(wire);
      assert.ok(decoded && !(decoded instanceof Error));
      assert.deepEqual(decoded.frame, { fin: true, opcode: 0x2, payload });
      assert.equal(decoded.rest.length, 0);
      assert.equal(decodeFrame(wire.subarray(0, cut % wire.length)), undefined);
    }),
    { numRuns: 50 },
  );
});

test('two frames in one chunk come apart, the first one not final', () => {
  const wire = Buffer.concat([
    clientFrame(0x2, Buffer.from('ab'), false),
    clientFrame(0x0, Buffer.from('c')),
  ]);
  const first = decodeFrame(wire);
  assert.ok(first && !(first instanceof Error));
  assert.equal(first.frame.fin, false);
  const second = decodeFrame(first.rest);
  assert.ok(second && !(second instanceof Error));
  assert.deepEqual([second.frame.opcode, second.frame.payload.toString()], [0x0, 'c']);
});

test('unmasked client frames are a protocol error', () => {
  assert.ok(decodeFrame(encodeFrame(0x2, Buffer.from('x'))) instanceof Error);
});
