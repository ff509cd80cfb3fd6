/** Defaults that more than one stack's config reads: written once. */

/** The gateway as the runbook reaches it: HTTP on 4001, the WebSocket of QR codes and statuses on 4002. */
export const GATEWAY_DEFAULTS = { httpUrl: "http://localhost:4001", wsUrl: "ws://localhost:4002" } as const;

/** BullMQ's own key prefix: the worker's queues live under `bull:<queue>:…` unless it sets another. */
export const BULLMQ_PREFIX = "bull";

/** Where reports (restore, drill, post-mortem skeletons) are written, relative to the project dir. */
export const REPORTS_DIR = "reports";
