import { closeReason, describeEvent, toGatewayEvent } from "../lib/gatewayEvents";

describe("toGatewayEvent: one raw WebSocket message to one typed event", () => {
  test("Baileys connection.update with a QR", () => {
    expect(toGatewayEvent(JSON.stringify({ event: "connection.update", sessionId: "s1", qr: "2@abc" }))).toEqual({
      kind: "qr",
      sessionId: "s1",
      qr: "2@abc",
    });
  });

  test("Baileys connection.update open, from a Buffer as ws delivers it", () => {
    const data = Buffer.from(JSON.stringify({ event: "connection.update", sessionId: "s1", connection: "open" }));
    expect(toGatewayEvent(data)).toEqual({ kind: "status", sessionId: "s1", status: "open" });
  });

  test("408 'QR refs attempts ended' is QR expiry, a plain 408 is a lost connection", () => {
    const close = (message: string) => ({
      event: "connection.update",
      sessionId: "s1",
      connection: "close",
      lastDisconnect: { error: { message, output: { statusCode: 408 } } },
    });
    expect(toGatewayEvent(JSON.stringify(close("QR refs attempts ended")))).toEqual({
      kind: "status",
      sessionId: "s1",
      status: "close",
      statusCode: 408,
      message: "QR refs attempts ended",
      reason: "qr-expired",
    });
    expect(toGatewayEvent(JSON.stringify(close("Connection was lost")))).toMatchObject({ reason: "connection-lost", statusCode: 408 });
  });

  test("Baileys' other disconnect codes", () => {
    expect([401, 428, 440, 515, 500, undefined].map((c) => closeReason(c, undefined))).toEqual([
      "logged-out",
      "connection-lost",
      "replaced",
      "restart-required",
      "other",
      "other",
    ]);
  });

  test("flat {type:'qr'} and {type:'status'} messages", () => {
    expect(toGatewayEvent('{"type":"qr","sessionId":"s2","qr":"Q"}')).toEqual({ kind: "qr", sessionId: "s2", qr: "Q" });
    expect(toGatewayEvent('{"type":"status","sessionId":"s2","status":"close","reason":"logged-out"}')).toEqual({
      kind: "status",
      sessionId: "s2",
      status: "close",
      reason: "logged-out",
    });
    expect(
      toGatewayEvent('{"type":"status","sessionId":"s2","status":"close","statusCode":408,"message":"QR refs attempts ended"}'),
    ).toMatchObject({ reason: "qr-expired" });
  });

  test.each([
    ["not JSON", "hello {"],
    ["JSON but not an object", "42"],
    ["no session id", '{"event":"connection.update","qr":"x"}'],
    ["unknown connection state", '{"event":"connection.update","sessionId":"s","connection":"weird"}'],
    ["unknown type", '{"type":"presence","sessionId":"s"}'],
    ["empty qr", '{"type":"qr","sessionId":"s","qr":""}'],
  ])("%s maps to unknown with the raw text, never a throw", (_label, raw) => {
    expect(toGatewayEvent(raw)).toEqual({ kind: "unknown", raw });
  });

  test("describeEvent gives one line for reports", () => {
    expect(
      describeEvent({
        kind: "status",
        sessionId: "c",
        status: "close",
        statusCode: 408,
        message: "QR refs attempts ended",
        reason: "qr-expired",
      }),
    ).toBe("c: close (qr-expired, 408 QR refs attempts ended)");
    expect(describeEvent({ kind: "status", sessionId: "c", status: "open" })).toBe("c: open");
    expect(describeEvent({ kind: "qr", sessionId: "c", qr: "abcd" })).toBe("c: QR (4 chars)");
    expect(describeEvent({ kind: "unknown", raw: "zz" })).toBe('unrecognised message "zz"');
  });
});
