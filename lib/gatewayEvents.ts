/**
 * The one mapping from a raw gateway WebSocket message to a typed event (contract: docs/gateway-contract.md).
 * Accepts Baileys' own `connection.update` shape tagged with the session, and the flat `{type, sessionId}`
 * shape. Anything else becomes `unknown` with the raw text: a stray message must never crash a wait.
 */
export type SessionStatus = "connecting" | "open" | "close";

/** Why a session closed, told apart because an operator acts differently on each. */
export type CloseReason = "qr-expired" | "connection-lost" | "logged-out" | "replaced" | "restart-required" | "other";

export type GatewayEvent =
  | { kind: "qr"; sessionId: string; qr: string }
  | { kind: "status"; sessionId: string; status: SessionStatus; statusCode?: number; reason?: CloseReason; message?: string }
  | { kind: "unknown"; raw: string };

const STATUSES: readonly string[] = ["connecting", "open", "close"];
const REASONS: readonly string[] = ["qr-expired", "connection-lost", "logged-out", "replaced", "restart-required", "other"];

/** Baileys' DisconnectReason codes; 408 is both "timed out" and QR expiry, which only the message tells apart. */
export function closeReason(statusCode: number | undefined, message: string | undefined): CloseReason {
  if (statusCode === 408 && /QR refs attempts ended/i.test(message ?? "")) return "qr-expired";
  if (statusCode === 408 || statusCode === 428) return "connection-lost";
  if (statusCode === 401) return "logged-out";
  if (statusCode === 440) return "replaced";
  if (statusCode === 515) return "restart-required";
  return "other";
}

export function toGatewayEvent(data: unknown): GatewayEvent {
  const raw = rawText(data);
  let msg: unknown;
  try {
    msg = typeof data === "object" && data !== null && !Buffer.isBuffer(data) && !Array.isArray(data) ? data : JSON.parse(raw);
  } catch {
    return { kind: "unknown", raw };
  }
  if (typeof msg !== "object" || msg === null) return { kind: "unknown", raw };
  const m = msg as Record<string, any>;
  if (typeof m.sessionId !== "string" || m.sessionId === "") return { kind: "unknown", raw };
  const sessionId = m.sessionId;
  if (m.event === "connection.update") {
    if (typeof m.qr === "string" && m.qr !== "") return { kind: "qr", sessionId, qr: m.qr };
    if (!STATUSES.includes(m.connection)) return { kind: "unknown", raw };
    const error = m.lastDisconnect?.error;
    const statusCode = typeof error?.output?.statusCode === "number" ? error.output.statusCode : undefined;
    const message = typeof error?.message === "string" ? error.message : undefined;
    return statusEvent(sessionId, m.connection, statusCode, message, undefined);
  }
  if (m.type === "qr" && typeof m.qr === "string" && m.qr !== "") return { kind: "qr", sessionId, qr: m.qr };
  if (m.type === "status" && STATUSES.includes(m.status)) {
    const statusCode = typeof m.statusCode === "number" ? m.statusCode : undefined;
    const reason = REASONS.includes(m.reason) ? (m.reason as CloseReason) : undefined;
    return statusEvent(sessionId, m.status, statusCode, typeof m.message === "string" ? m.message : undefined, reason);
  }
  return { kind: "unknown", raw };
}

function statusEvent(sessionId: string, status: SessionStatus, statusCode?: number, message?: string, reason?: CloseReason): GatewayEvent {
  const event: GatewayEvent = { kind: "status", sessionId, status };
  if (statusCode !== undefined) event.statusCode = statusCode;
  if (message !== undefined) event.message = message;
  if (status === "close") event.reason = reason ?? closeReason(statusCode, message);
  return event;
}

function rawText(data: unknown): string {
  if (typeof data === "string") return data;
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (Array.isArray(data) && data.every((d) => Buffer.isBuffer(d))) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  try {
    return JSON.stringify(data) ?? String(data);
  } catch {
    return String(data);
  }
}

/** One line for reports: what the event says, e.g. `canary: close (qr-expired, 408 QR refs attempts ended)`. */
export function describeEvent(event: GatewayEvent): string {
  if (event.kind === "unknown") return `unrecognised message ${JSON.stringify(event.raw.slice(0, 120))}`;
  if (event.kind === "qr") return `${event.sessionId}: QR (${event.qr.length} chars)`;
  const code = [event.statusCode, event.message].filter((x) => x !== undefined).join(" ");
  const detail = [event.reason, code].filter((x) => x).join(", ");
  return `${event.sessionId}: ${event.status}${detail ? ` (${detail})` : ""}`;
}
