import { z } from 'zod';
import {
  connectionAttemptSchema,
  connectionAttemptsResponseSchema,
  testTokenResponseSchema,
} from '@/lib/schemas/connect';
import { framesQuery, framesResultSchema, uploadQuery, uploadResultSchema } from '@/lib/schemas/ingest';
import {
  conferenceEventsQuery,
  monitoringEventDtoSchema,
  monitoringEventListSchema,
  monitoringPayloadSchema,
} from '@/lib/schemas/monitoring';
import { overviewQuery, overviewSchema } from '@/lib/schemas/overview';
import { userErasureSchema, userExportLineSchema } from '@/lib/schemas/privacy';
import {
  conferenceDetailSchema,
  eventLogSchema,
  healthResponseSchema,
  liveResponseSchema,
  searchResultSchema,
  sessionDetailSchema,
  sessionListItemSchema,
  sessionPageSchema,
  trackDtoSchema,
  trackSeriesSchema,
  userDetailSchema,
} from '@/lib/schemas/read-api';
import {
  roomPoliciesResponseSchema,
  roomPolicyDtoSchema,
  roomPolicyInput,
  roomPolicyResponseSchema,
  updateRoomPolicyInput,
} from '@/lib/schemas/room-policies';
import { eventsQuery, exportSessionsQuery, listSessionsQuery, seriesQuery } from '@/lib/schemas/sessions';
import {
  apiKeyDtoSchema,
  apiKeyInput,
  apiKeysResponseSchema,
  auditEntryDtoSchema,
  auditPageSchema,
  auditQuery,
  createStaffInput,
  gracePeriodDtoSchema,
  gracePeriodInput,
  gracePeriodResponseSchema,
  mintedTokenResponseSchema,
  mintTokenInput,
  newApiKeyResponseSchema,
  newSigningKeyResponseSchema,
  retentionDtoSchema,
  retentionInput,
  retentionResponseSchema,
  revokedApiKeyResponseSchema,
  revokedSigningKeyResponseSchema,
  signingKeyDtoSchema,
  signingKeyInput,
  signingKeysResponseSchema,
  staffAccountDtoSchema,
  staffAccountResponseSchema,
  staffListResponseSchema,
  updateStaffInput,
} from '@/lib/schemas/settings';
import { setupInput, setupResponseSchema } from '@/lib/schemas/setup';
import { vonageCallbackSchema, vonageReceiptSchema } from '@/lib/schemas/vonage-callbacks';
import {
  createWebhookInput,
  listDeliveriesQuery,
  rotateWebhookSecretInput,
  updateWebhookInput,
  webhookAttemptResponseSchema,
  webhookDeletedResponseSchema,
  webhookDeliveryDtoSchema,
  webhookDeliveryListSchema,
  webhookEndpointDtoSchema,
  webhookEndpointListSchema,
  webhookEndpointResponseSchema,
  webhookSecretResponseSchema,
} from '@/lib/schemas/webhooks';
import { ERROR_STATUS } from '@/lib/server/api';
import type { Role } from '@/lib/shared/roles';

/**
 * Every operation of the HTTP API in one list, for the OpenAPI 3.1 reference (document.ts builds it, served at
 * `GET /api/openapi.json` and drawn at /api-reference). Each entry names the very zod objects its route handler
 * validates with (query, body) and answers with (lib/schemas/*), so the reference cannot drift from the code:
 * test/openapi.test.ts fails when a route file has a method without an entry here (or an entry has no route), when
 * an entry's role is not the one its handler's `route({access})` asks for, and the API shape tests validate real
 * answers against the generated document. Paths use OpenAPI's `{param}` style for app/api's `[param]` folders.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Access = 'public' | Role;

/** A public route's own credential (the wrapper checks none): an ingest JWT, a platform's signature, or nothing. */
type PublicCredential = 'ingest-token' | 'vonage-signature' | 'none';

interface ResponseSpec {
  description: string;
  /** A JSON answer's zod schema. */
  schema?: z.ZodType;
  /** Default `application/json`. NDJSON: `schema` is one line's. */
  contentType?: 'application/json' | 'application/x-ndjson' | 'application/octet-stream';
  /** Other forms the same answer can take (a query parameter picks one): text, described by `description`. */
  alternatives?: 'text/csv'[];
}

interface JsonBody {
  schema: z.ZodType;
  description?: string;
}

/** A body the handler reads itself (a dump, NDJSON lines): content types and what they carry, no zod schema. */
interface RawBody {
  raw: { contentTypes: string[]; description: string };
}

export interface Operation {
  /** operationId: unique, camelCase. */
  id: string;
  method: HttpMethod;
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** The role the handler's `route({access})` requires; `public` routes check `credential` themselves. */
  access: Access;
  credential?: PublicCredential;
  pathParams?: Record<string, string>;
  query?: z.ZodType;
  body?: JsonBody | RawBody;
  /** Successful answers by status. */
  responses: Record<number, ResponseSpec>;
  /** Error statuses this operation answers beyond the ones the wrapper implies (401/403, 400/415/422, 404). */
  errors?: number[];
  /**
   * A query or body the handler reads itself rather than through `route({query, body})` (a signed body must be
   * read raw before it is parsed): the modules that do, which the route walk checks use the same schema or fields.
   */
  readBy?: { query?: string[]; body?: string[] };
}

/** The error shape every route answers with (lib/server/api.ts `errorResponse`). */
export const apiErrorSchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
    message: z.string(),
    /** 422: zod's tree of what failed, by field; domain errors: `{reason}`. */
    issues: z.unknown().optional(),
  }),
});

/** `GET /api/openapi.json`: this document (its parts are described by the OpenAPI 3.1 specification itself). */
const openApiDocumentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
  components: z.record(z.string(), z.unknown()),
});

/** Shared parts of several answers, named in `components.schemas`; every other answer is named after its operation. */
export const NAMED_SCHEMAS: [z.ZodType, string][] = [
  [apiErrorSchema, 'Error'],
  [sessionListItemSchema, 'SessionListItem'],
  [trackDtoSchema, 'TrackDto'],
  [signingKeyDtoSchema, 'SigningKey'],
  [gracePeriodDtoSchema, 'GracePeriod'],
  [apiKeyDtoSchema, 'ApiKey'],
  [staffAccountDtoSchema, 'StaffAccount'],
  [retentionDtoSchema, 'Retention'],
  [auditEntryDtoSchema, 'AuditEntry'],
  [roomPolicyDtoSchema, 'RoomPolicy'],
  [webhookEndpointDtoSchema, 'WebhookEndpoint'],
  [webhookDeliveryDtoSchema, 'WebhookDelivery'],
  [monitoringEventDtoSchema, 'MonitoringEvent'],
  [monitoringPayloadSchema, 'MonitoringPayload'],
  [connectionAttemptSchema, 'ConnectionAttempt'],
];

/** Route files that are not Callscope's API (no zod, no wrapper): named here so the route walk knows them. */
export const NOT_DOCUMENTED = {
  'GET /api/auth/[...nextauth]': "next-auth's own sign-in, sign-out, session and CSRF endpoints (used by /login)",
  'POST /api/auth/[...nextauth]': "next-auth's own sign-in, sign-out, session and CSRF endpoints (used by /login)",
} as const;

const ID = { id: 'The session row id (a decimal string)' };
const WEBHOOK = { id: 'The webhook endpoint id (uuid)' };

export const OPERATIONS: Operation[] = [
  // --- System
  {
    id: 'getHealth',
    method: 'get',
    path: '/api/health',
    tag: 'System',
    summary: 'Version, database and storage status',
    description:
      'For monitoring; no secrets. `degraded` (503, same shape) while the database does not answer, the store fails, or session-row writes wait for the database.',
    access: 'public',
    credential: 'none',
    responses: {
      200: { description: 'Healthy', schema: healthResponseSchema },
      503: { description: 'Degraded', schema: healthResponseSchema },
    },
  },
  {
    id: 'setup',
    method: 'post',
    path: '/api/setup',
    tag: 'System',
    summary: 'Create the first admin account',
    description: 'Only while no staff account exists (409 after). A browser must send it from this site.',
    access: 'public',
    credential: 'none',
    body: { schema: setupInput },
    responses: { 201: { description: 'The admin account', schema: setupResponseSchema } },
    errors: [409],
  },
  {
    id: 'getOpenApiDocument',
    method: 'get',
    path: '/api/openapi.json',
    tag: 'System',
    summary: 'This OpenAPI 3.1 document',
    description:
      'Public: it is generated from the code (the same for every installation) and holds no data, settings or secrets; API clients and code generators can fetch it without a key.',
    access: 'public',
    credential: 'none',
    responses: { 200: { description: 'The OpenAPI 3.1 document', schema: openApiDocumentSchema } },
  },
  // --- Ingest
  {
    id: 'uploadDump',
    method: 'post',
    path: '/api/v1/upload',
    tag: 'Ingest',
    summary: 'Upload a whole dump',
    description:
      'RTCStatsDump (file format 3), a Jitsi dump or a Chrome webrtc-internals file; raw or multipart (`file` part), gzip accepted. Token in `?rtcstats-token=` or `Authorization: Bearer <jwt>`; engineer staff and API keys may upload without one and pass the identity in the query.',
    access: 'public',
    credential: 'ingest-token',
    query: uploadQuery,
    readBy: { query: ['lib/server/ingest/http-ingest.ts', 'lib/server/ingest/request-token.ts'] },
    body: {
      raw: {
        contentTypes: ['application/octet-stream', 'application/gzip', 'multipart/form-data'],
        description: 'The dump, as a file (gzip accepted) or the `file` part of a form',
      },
    },
    responses: { 201: { description: 'The ended session the dump became', schema: uploadResultSchema } },
    errors: [400, 401, 413, 415, 422],
  },
  {
    id: 'postFrames',
    method: 'post',
    path: '/api/v1/frames',
    tag: 'Ingest',
    summary: 'Append NDJSON rtcstats frames to a session',
    description:
      'One `[method, connId, value, ...extra, delta]` frame a line; a last line `["close", null, code, ms]` ends the session. A batch with any invalid line is refused whole; at most 8 MB and 20,000 lines.',
    access: 'public',
    credential: 'ingest-token',
    query: framesQuery,
    readBy: { query: ['lib/server/ingest/http-ingest.ts', 'lib/server/ingest/request-token.ts'] },
    body: { raw: { contentTypes: ['application/x-ndjson'], description: 'rtcstats frames, one JSON array a line' } },
    responses: { 202: { description: 'Appended', schema: framesResultSchema } },
    errors: [401, 403, 413, 422],
  },
  {
    id: 'receiveVonageCallback',
    method: 'post',
    path: '/api/v1/monitoring/vonage',
    tag: 'Ingest',
    summary: 'A Vonage Video session-monitoring callback',
    description:
      'Checked (bounded body, HS256 JWT and `payload_hash`) and queued; unknown events and callbacks outside the 24 h window are acknowledged and dropped. docs/monitoring.md.',
    access: 'public',
    credential: 'vonage-signature',
    body: { schema: vonageCallbackSchema },
    readBy: { body: ['lib/server/monitoring/vonage-callbacks.ts'] },
    responses: { 200: { description: 'Queued, or acknowledged and ignored', schema: vonageReceiptSchema } },
    errors: [413],
  },
  // --- Sessions
  {
    id: 'listSessions',
    method: 'get',
    path: '/api/v1/sessions',
    tag: 'Sessions',
    summary: 'Sessions, newest first',
    description: 'Filtered by ids, time range (the call’s own), issue, browser and OS; cursor paging.',
    access: 'support',
    query: listSessionsQuery,
    responses: { 200: { description: 'A page of sessions', schema: sessionPageSchema } },
  },
  {
    id: 'search',
    method: 'get',
    path: '/api/v1/search',
    tag: 'Sessions',
    summary: 'The search box',
    description: 'Recognizes `q` as an exact user, conference or session id; else a prefix of any id.',
    access: 'support',
    query: listSessionsQuery,
    responses: { 200: { description: 'What `q` was recognised as, and the sessions', schema: searchResultSchema } },
  },
  {
    id: 'exportSearch',
    method: 'get',
    path: '/api/v1/search/export',
    tag: 'Sessions',
    summary: 'Every session the search matches, as CSV or NDJSON (streamed)',
    description:
      'The same filters as `/api/v1/search` (and `q` recognised the same way), without paging: every match, newest ' +
      'first, as an attachment. `format=csv` (default): a header row, RFC 4180 quoting, text starting with = + - @ ' +
      "prefixed with an apostrophe. `format=ndjson`: one `SessionListItem` a line.",
    access: 'support',
    query: exportSessionsQuery,
    responses: {
      200: {
        description: 'One session a line (NDJSON), or a CSV row a session after the header row',
        contentType: 'application/x-ndjson',
        schema: sessionListItemSchema,
        alternatives: ['text/csv'],
      },
    },
  },
  {
    id: 'getOverview',
    method: 'get',
    path: '/api/v1/overview',
    tag: 'Sessions',
    summary: 'The Overview page: aggregates of a time range',
    description:
      'Sessions and calls per hour (ranges up to 3 days) or day (UTC), quality shares, issue types, MOS / RTT ' +
      'percentiles, breakdowns by browser and major version, OS and client protocol (relay, TCP, ICE failure, ' +
      'getUserMedia errors, time to connect) and the ten worst calls. Filters: `conference` (prefix), `browser`, `os`, ' +
      '`metadata` (one `key:value` term).',
    access: 'support',
    query: overviewQuery,
    responses: { 200: { description: 'The aggregates of the range', schema: overviewSchema } },
  },
  {
    id: 'getSession',
    method: 'get',
    path: '/api/v1/sessions/{id}',
    tag: 'Sessions',
    summary: 'One session: client, peer connections, tracks with summaries, issues',
    access: 'support',
    pathParams: ID,
    responses: { 200: { description: 'The session', schema: sessionDetailSchema } },
  },
  {
    id: 'getSessionEvents',
    method: 'get',
    path: '/api/v1/sessions/{id}/events',
    tag: 'Sessions',
    summary: 'The event log decoded from the raw dump',
    description: 'Signaling, ICE, getUserMedia, SDP (whole).',
    access: 'support',
    pathParams: ID,
    query: eventsQuery,
    responses: { 200: { description: 'The events', schema: eventLogSchema } },
  },
  {
    id: 'getTrackSeries',
    method: 'get',
    path: '/api/v1/sessions/{id}/tracks/{trackId}/series',
    tag: 'Sessions',
    summary: "A track's metrics over time, min/max-downsampled",
    access: 'support',
    pathParams: { ...ID, trackId: 'The track key (`PC_0:outbound:video:1234`), URL-encoded' },
    query: seriesQuery,
    responses: { 200: { description: 'Columnar series: `values[metric][i]` is at `t[i]`', schema: trackSeriesSchema } },
  },
  {
    id: 'downloadDump',
    method: 'get',
    path: '/api/v1/sessions/{id}/dump',
    tag: 'Sessions',
    summary: 'The raw dump as stored, uncompressed (audited)',
    access: 'engineer',
    pathParams: ID,
    responses: { 200: { description: 'The dump file', contentType: 'application/octet-stream' } },
  },
  // --- Conferences, users, live
  {
    id: 'getConference',
    method: 'get',
    path: '/api/v1/conferences/{conference}',
    tag: 'Conferences',
    summary: 'Participants with tracks, sender→receiver pairs and fault verdicts',
    access: 'support',
    pathParams: { conference: 'The conference id, URL-encoded' },
    responses: { 200: { description: 'The conference', schema: conferenceDetailSchema } },
  },
  {
    id: 'listConferenceEvents',
    method: 'get',
    path: '/api/v1/conferences/{conference}/events',
    tag: 'Conferences',
    summary: "The conference's session-monitoring events, in stored order",
    description: 'Callscope’s own and platform callbacks; `after` (a seq) and `limit` page through them.',
    access: 'support',
    pathParams: { conference: 'The conference id, URL-encoded' },
    query: conferenceEventsQuery,
    responses: {
      200: { description: 'The events (empty for an unknown conference)', schema: monitoringEventListSchema },
    },
  },
  {
    id: 'getLive',
    method: 'get',
    path: '/api/v1/live',
    tag: 'Conferences',
    summary: 'Conferences with a session in progress',
    access: 'support',
    responses: { 200: { description: 'Live conferences', schema: liveResponseSchema } },
  },
  {
    id: 'getUser',
    method: 'get',
    path: '/api/v1/users/{user}',
    tag: 'Users',
    summary: "A user's sessions over time with quality, and recurring issues",
    access: 'support',
    pathParams: { user: 'The end user id, URL-encoded' },
    responses: { 200: { description: 'The user', schema: userDetailSchema } },
  },
  {
    id: 'eraseUser',
    method: 'delete',
    path: '/api/v1/users/{user}',
    tag: 'Users',
    summary: 'Erase everything stored about one end user (audited)',
    access: 'admin',
    pathParams: { user: 'The end user id, URL-encoded' },
    responses: { 200: { description: 'What was erased', schema: userErasureSchema } },
  },
  {
    id: 'exportUser',
    method: 'get',
    path: '/api/v1/users/{user}/export',
    tag: 'Users',
    summary: 'Everything stored about one end user, as NDJSON (audited)',
    access: 'admin',
    pathParams: { user: 'The end user id, URL-encoded' },
    responses: {
      200: {
        description: 'One record a line (streamed)',
        contentType: 'application/x-ndjson',
        schema: userExportLineSchema,
      },
    },
  },
  // --- Connect
  {
    id: 'listIngestRejections',
    method: 'get',
    path: '/api/v1/ingest/rejections',
    tag: 'Connect',
    summary: 'The last 200 rejected or failed ingest connection attempts, newest first',
    access: 'engineer',
    responses: { 200: { description: 'The attempts', schema: connectionAttemptsResponseSchema } },
  },
  {
    id: 'mintTestToken',
    method: 'post',
    path: '/api/v1/ingest/test-token',
    tag: 'Connect',
    summary: 'A one-hour ingest token for the "Connect your app" test client (audited)',
    access: 'engineer',
    responses: { 200: { description: 'The token (null when ingest needs none)', schema: testTokenResponseSchema } },
  },
  // --- Tokens and signing keys
  {
    id: 'mintToken',
    method: 'post',
    path: '/api/v1/tokens',
    tag: 'Tokens and keys',
    summary: 'An ingest token for {user, session, conference, expiresIn} (audited)',
    access: 'admin',
    body: { schema: mintTokenInput },
    responses: { 201: { description: 'The token, shown this once', schema: mintedTokenResponseSchema } },
    errors: [409],
  },
  {
    id: 'listSigningKeys',
    method: 'get',
    path: '/api/v1/settings/keys',
    tag: 'Tokens and keys',
    summary: 'Every signing key (never a secret) with usage, and the grace period',
    access: 'admin',
    responses: { 200: { description: 'The keys', schema: signingKeysResponseSchema } },
  },
  {
    id: 'createOrRotateSigningKey',
    method: 'post',
    path: '/api/v1/settings/keys',
    tag: 'Tokens and keys',
    summary: 'Create the first key or rotate; the new secret is shown this once',
    access: 'admin',
    body: { schema: signingKeyInput },
    responses: { 201: { description: 'The new key and its secret', schema: newSigningKeyResponseSchema } },
    errors: [409],
  },
  {
    id: 'revokeSigningKey',
    method: 'delete',
    path: '/api/v1/settings/keys/{id}',
    tag: 'Tokens and keys',
    summary: 'Revoke a key now (idempotent)',
    access: 'admin',
    pathParams: { id: 'The key id or kid' },
    responses: { 200: { description: 'The key as revoked', schema: revokedSigningKeyResponseSchema } },
    errors: [409],
  },
  {
    id: 'getGracePeriod',
    method: 'get',
    path: '/api/v1/settings/keys/grace',
    tag: 'Tokens and keys',
    summary: 'The grace period the next rotation uses',
    access: 'admin',
    responses: { 200: { description: 'The grace period', schema: gracePeriodResponseSchema } },
  },
  {
    id: 'setGracePeriod',
    method: 'put',
    path: '/api/v1/settings/keys/grace',
    tag: 'Tokens and keys',
    summary: 'Set the grace period in seconds, or null for automatic',
    access: 'admin',
    body: { schema: gracePeriodInput },
    responses: { 200: { description: 'The grace period', schema: gracePeriodResponseSchema } },
  },
  // --- Settings
  {
    id: 'listApiKeys',
    method: 'get',
    path: '/api/v1/settings/api-keys',
    tag: 'Settings',
    summary: 'Every API key, prefix only',
    access: 'admin',
    responses: { 200: { description: 'The API keys', schema: apiKeysResponseSchema } },
  },
  {
    id: 'createApiKey',
    method: 'post',
    path: '/api/v1/settings/api-keys',
    tag: 'Settings',
    summary: 'Create an API key; the full key is shown this once',
    access: 'admin',
    body: { schema: apiKeyInput },
    responses: { 201: { description: 'The API key and its secret', schema: newApiKeyResponseSchema } },
  },
  {
    id: 'revokeApiKey',
    method: 'delete',
    path: '/api/v1/settings/api-keys/{id}',
    tag: 'Settings',
    summary: 'Revoke an API key now (idempotent)',
    access: 'admin',
    pathParams: { id: 'The API key id (uuid)' },
    responses: { 200: { description: 'The key as revoked', schema: revokedApiKeyResponseSchema } },
  },
  {
    id: 'listStaff',
    method: 'get',
    path: '/api/v1/settings/staff',
    tag: 'Settings',
    summary: 'Every staff account (never a password hash)',
    access: 'admin',
    responses: { 200: { description: 'The accounts', schema: staffListResponseSchema } },
  },
  {
    id: 'createStaff',
    method: 'post',
    path: '/api/v1/settings/staff',
    tag: 'Settings',
    summary: 'Create a staff account with an initial password',
    access: 'admin',
    body: { schema: createStaffInput },
    responses: { 201: { description: 'The account', schema: staffAccountResponseSchema } },
    errors: [409],
  },
  {
    id: 'updateStaff',
    method: 'patch',
    path: '/api/v1/settings/staff/{id}',
    tag: 'Settings',
    summary: 'Change role or name, disable or enable, or reset the password',
    access: 'admin',
    pathParams: { id: 'The staff account id (uuid)' },
    body: { schema: updateStaffInput },
    responses: { 200: { description: 'The account', schema: staffAccountResponseSchema } },
    errors: [409],
  },
  {
    id: 'getRetention',
    method: 'get',
    path: '/api/v1/settings/retention',
    tag: 'Settings',
    summary: 'Days to keep raw dumps, series and session rows (null: forever)',
    access: 'admin',
    responses: { 200: { description: 'The policy', schema: retentionResponseSchema } },
  },
  {
    id: 'setRetention',
    method: 'put',
    path: '/api/v1/settings/retention',
    tag: 'Settings',
    summary: 'Replace the retention policy (all three fields)',
    access: 'admin',
    body: { schema: retentionInput },
    responses: { 200: { description: 'The policy', schema: retentionResponseSchema } },
  },
  {
    id: 'listAudit',
    method: 'get',
    path: '/api/v1/settings/audit',
    tag: 'Settings',
    summary: 'The audit log, newest first (read-only)',
    access: 'admin',
    query: auditQuery,
    responses: { 200: { description: 'A page of entries', schema: auditPageSchema } },
  },
  {
    id: 'listRoomPolicies',
    method: 'get',
    path: '/api/v1/settings/room-policies',
    tag: 'Settings',
    summary: 'Every room policy, by conference pattern',
    access: 'admin',
    responses: { 200: { description: 'The policies', schema: roomPoliciesResponseSchema } },
  },
  {
    id: 'createRoomPolicy',
    method: 'post',
    path: '/api/v1/settings/room-policies',
    tag: 'Settings',
    summary: 'A policy for a conference id or prefix*',
    access: 'admin',
    body: { schema: roomPolicyInput },
    responses: { 201: { description: 'The policy', schema: roomPolicyResponseSchema } },
    errors: [409],
  },
  {
    id: 'updateRoomPolicy',
    method: 'patch',
    path: '/api/v1/settings/room-policies/{id}',
    tag: 'Settings',
    summary: 'Change its pattern or rules (null clears a rule)',
    access: 'admin',
    pathParams: { id: 'The policy id (uuid)' },
    body: { schema: updateRoomPolicyInput },
    responses: { 200: { description: 'The policy', schema: roomPolicyResponseSchema } },
    errors: [409],
  },
  {
    id: 'deleteRoomPolicy',
    method: 'delete',
    path: '/api/v1/settings/room-policies/{id}',
    tag: 'Settings',
    summary: 'Delete a policy (rooms already judged keep their events)',
    access: 'admin',
    pathParams: { id: 'The policy id (uuid)' },
    responses: { 200: { description: 'The policy as it was', schema: roomPolicyResponseSchema } },
  },
  // --- Webhooks
  {
    id: 'listWebhooks',
    method: 'get',
    path: '/api/v1/webhooks',
    tag: 'Webhooks',
    summary: "Every endpoint, with its disabled state and the last 24 h's success rate",
    access: 'admin',
    responses: { 200: { description: 'The endpoints', schema: webhookEndpointListSchema } },
  },
  {
    id: 'createWebhook',
    method: 'post',
    path: '/api/v1/webhooks',
    tag: 'Webhooks',
    summary: 'Add an endpoint; the secret is shown this once',
    access: 'admin',
    body: { schema: createWebhookInput },
    responses: { 201: { description: 'The endpoint and its secret', schema: webhookSecretResponseSchema } },
  },
  {
    id: 'getWebhook',
    method: 'get',
    path: '/api/v1/webhooks/{id}',
    tag: 'Webhooks',
    summary: 'One endpoint',
    access: 'admin',
    pathParams: WEBHOOK,
    responses: { 200: { description: 'The endpoint', schema: webhookEndpointResponseSchema } },
  },
  {
    id: 'updateWebhook',
    method: 'patch',
    path: '/api/v1/webhooks/{id}',
    tag: 'Webhooks',
    summary: 'Change url, events, conference, description, enabled (re-enabling needs `replay`)',
    access: 'admin',
    pathParams: WEBHOOK,
    body: { schema: updateWebhookInput },
    responses: { 200: { description: 'The endpoint', schema: webhookEndpointResponseSchema } },
    errors: [409],
  },
  {
    id: 'deleteWebhook',
    method: 'delete',
    path: '/api/v1/webhooks/{id}',
    tag: 'Webhooks',
    summary: 'Delete the endpoint, its deliveries and their log',
    access: 'admin',
    pathParams: WEBHOOK,
    responses: { 200: { description: 'Deleted', schema: webhookDeletedResponseSchema } },
  },
  {
    id: 'testWebhook',
    method: 'post',
    path: '/api/v1/webhooks/{id}/test',
    tag: 'Webhooks',
    summary: 'Send a test event through the signed path',
    access: 'admin',
    pathParams: WEBHOOK,
    responses: { 200: { description: "The attempt's outcome", schema: webhookAttemptResponseSchema } },
  },
  {
    id: 'listWebhookDeliveries',
    method: 'get',
    path: '/api/v1/webhooks/{id}/deliveries',
    tag: 'Webhooks',
    summary: 'The delivery log, newest first',
    access: 'admin',
    pathParams: WEBHOOK,
    query: listDeliveriesQuery,
    responses: { 200: { description: 'A page of deliveries', schema: webhookDeliveryListSchema } },
  },
  {
    id: 'redeliverWebhook',
    method: 'post',
    path: '/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
    tag: 'Webhooks',
    summary: 'Send a delivery again now',
    access: 'admin',
    pathParams: { ...WEBHOOK, deliveryId: 'The delivery id (uuid)' },
    responses: { 200: { description: "The attempt's outcome", schema: webhookAttemptResponseSchema } },
  },
  {
    id: 'rotateWebhookSecret',
    method: 'post',
    path: '/api/v1/webhooks/{id}/rotate-secret',
    tag: 'Webhooks',
    summary: 'A new secret, shown once; the old one signs too for `overlapHours`',
    access: 'admin',
    pathParams: WEBHOOK,
    body: { schema: rotateWebhookSecretInput },
    responses: { 200: { description: 'The endpoint and its new secret', schema: webhookSecretResponseSchema } },
  },
];
