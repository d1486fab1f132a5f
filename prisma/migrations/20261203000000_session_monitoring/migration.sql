-- Session monitoring (issue 14): connection, stream, quality and policy events per conference, in order; outbound
-- webhook endpoints and their deliveries; room policies. lib/server/data/monitoring.ts writes events under a lock
-- on the conference's monitoring_room row, so `seq` is the conference's order and a delivery job never sees a
-- later event of a conference committed before an earlier one.

-- A conference's live state as monitoring sees it: open since its first connection, how many are connected, since
-- when at least two are (room policies' time limit). `generation` counts opens (sessionCreated ids).
CREATE TABLE "monitoring_room" (
    "conference" TEXT NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "open_since" TIMESTAMPTZ(6),
    "participants" INTEGER NOT NULL DEFAULT 0,
    "two_present_since" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "monitoring_room_pkey" PRIMARY KEY ("conference")
);
CREATE INDEX "monitoring_room_two_present_since_idx" ON "monitoring_room"("two_present_since");

-- One event. `id` is stable (derived from `dedupe_key`), so consumers can deduplicate; `dedupe_key` makes every
-- emission idempotent (two nodes ending one session, a replayed platform callback).
CREATE TABLE "monitoring_event" (
    "id" UUID NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "conference" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL,
    "session_id" BIGINT,
    "connection_id" TEXT,
    "user_id" TEXT,
    "stream_id" TEXT,
    "payload" JSONB NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "monitoring_event_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "monitoring_event_seq_key" ON "monitoring_event"("seq");
CREATE UNIQUE INDEX "monitoring_event_dedupe_key_key" ON "monitoring_event"("dedupe_key");
CREATE INDEX "monitoring_event_conference_seq_idx" ON "monitoring_event"("conference", "seq");
CREATE INDEX "monitoring_event_conference_connection_id_idx" ON "monitoring_event"("conference", "connection_id");

-- An outbound webhook endpoint. Secrets are encrypted with the master key; during a rotation the previous secret
-- signs too until `previous_secret_expires_at`.
CREATE TABLE "webhook_endpoint" (
    "id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT,
    "events" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "conference_filter" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "secret_enc" TEXT NOT NULL,
    "previous_secret_enc" TEXT,
    "previous_secret_expires_at" TIMESTAMPTZ(6),
    "disabled_at" TIMESTAMPTZ(6),
    "disabled_reason" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "webhook_endpoint_pkey" PRIMARY KEY ("id")
);

-- One event to one endpoint: pending until a 2xx, retried with backoff, failed after 24 h (or skipped when the
-- endpoint was disabled and the admin chose not to replay). A test delivery has no event: its payload is
-- `test_payload` and its conference '' (no ordered line).
CREATE TABLE "webhook_delivery" (
    "id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "event_id" UUID,
    "test_payload" JSONB,
    "conference" TEXT NOT NULL,
    "event_seq" BIGINT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(6),
    "retry_until" TIMESTAMPTZ(6),
    "last_status" INTEGER,
    "last_latency_ms" INTEGER,
    "last_response" TEXT,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(6),

    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "webhook_delivery_endpoint_id_event_id_key" ON "webhook_delivery"("endpoint_id", "event_id");
CREATE INDEX "webhook_delivery_endpoint_id_conference_event_seq_idx" ON "webhook_delivery"("endpoint_id", "conference", "event_seq");
CREATE INDEX "webhook_delivery_endpoint_id_created_at_idx" ON "webhook_delivery"("endpoint_id", "created_at");
CREATE INDEX "webhook_delivery_state_next_attempt_at_idx" ON "webhook_delivery"("state", "next_attempt_at");
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "monitoring_event"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every attempt of a delivery (the delivery log, the success rate, the disable rule's failure count).
CREATE TABLE "webhook_attempt" (
    "id" BIGSERIAL NOT NULL,
    "delivery_id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ok" BOOLEAN NOT NULL,
    "status" INTEGER,
    "latency_ms" INTEGER NOT NULL,
    "response_excerpt" TEXT,
    "error" TEXT,

    CONSTRAINT "webhook_attempt_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhook_attempt_endpoint_id_at_idx" ON "webhook_attempt"("endpoint_id", "at");
CREATE INDEX "webhook_attempt_delivery_id_idx" ON "webhook_attempt"("delivery_id");
ALTER TABLE "webhook_attempt" ADD CONSTRAINT "webhook_attempt_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_delivery"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A room policy: for conferences named exactly `conference_pattern`, or starting with it when it ends in `*`.
CREATE TABLE "room_policy" (
    "id" UUID NOT NULL,
    "conference_pattern" TEXT NOT NULL,
    "max_participants" INTEGER,
    "max_duration_minutes" DOUBLE PRECISION,
    "screen_share_restricted" BOOLEAN NOT NULL DEFAULT false,
    "screen_share_users" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "room_policy_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "room_policy_conference_pattern_key" ON "room_policy"("conference_pattern");

-- Vonage session ids mapped to Callscope conferences by the token data (CALLSCOPE_VONAGE_CONFERENCE_FROM=data:…):
-- session events carry no token data, so they land where the session's connections did.
CREATE TABLE "vonage_session" (
    "session_id" TEXT NOT NULL,
    "conference" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vonage_session_pkey" PRIMARY KEY ("session_id")
);
