-- CreateTable
CREATE TABLE "rtcstats-server" (
    "id" BIGSERIAL NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "session_start" TIMESTAMPTZ(6),
    "session_end" TIMESTAMPTZ(6),
    "blob_url" TEXT,
    "rtcstats_user" TEXT,
    "rtcstats_conference" TEXT,
    "rtcstats_session" TEXT,
    "features_processing_start" TIMESTAMPTZ(6),
    "features_processing_stop" TIMESTAMPTZ(6),
    "rtcstats_embed_url" TEXT,
    "host_identifier" TEXT,
    "dump_id" UUID NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'websocket',
    "format" TEXT NOT NULL DEFAULT 'rtcstats',
    "client_protocol" TEXT,
    "status" TEXT NOT NULL DEFAULT 'live',
    "historical" BOOLEAN NOT NULL DEFAULT false,
    "device_id" TEXT,
    "user_is_device" BOOLEAN NOT NULL DEFAULT false,
    "origin" TEXT,
    "user_agent" TEXT,
    "url" TEXT,
    "remote_address" TEXT,
    "browser_name" TEXT,
    "browser_version" TEXT,
    "os_name" TEXT,
    "signing_key_id" TEXT,
    "close_code" INTEGER,
    "close_reason" TEXT,
    "message_count" INTEGER NOT NULL DEFAULT 0,
    "byte_count" BIGINT NOT NULL DEFAULT 0,
    "last_message_at" TIMESTAMPTZ(6),
    "first_event_at" TIMESTAMPTZ(6),
    "last_event_at" TIMESTAMPTZ(6),
    "processing_error" TEXT,
    "processed_bytes" BIGINT NOT NULL DEFAULT 0,
    "quality" TEXT,
    "issue_types" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "issue_count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "rtcstats-server_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conference" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "first_seen" TIMESTAMPTZ(6) NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,
    "session_count" INTEGER NOT NULL DEFAULT 0,
    "user_count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "conference_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "end_user" (
    "id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "first_seen" TIMESTAMPTZ(6) NOT NULL,
    "last_seen" TIMESTAMPTZ(6) NOT NULL,
    "session_count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "end_user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "session_analysis" (
    "session_id" BIGINT NOT NULL,
    "version" INTEGER NOT NULL,
    "client" JSONB NOT NULL,
    "connections" JSONB NOT NULL,
    "summary" JSONB NOT NULL,
    "warnings" JSONB NOT NULL DEFAULT '[]',
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "session_analysis_pkey" PRIMARY KEY ("session_id")
);

-- CreateTable
CREATE TABLE "track" (
    "id" UUID NOT NULL,
    "session_id" BIGINT NOT NULL,
    "track_key" TEXT NOT NULL,
    "pc_id" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "ssrc" BIGINT,
    "mid" TEXT,
    "track_identifier" TEXT,
    "label" TEXT,
    "codec" TEXT,
    "is_screen" BOOLEAN NOT NULL DEFAULT false,
    "start_time" TIMESTAMPTZ(6),
    "end_time" TIMESTAMPTZ(6),
    "facts" JSONB NOT NULL,
    "summary" JSONB NOT NULL,
    "series" BYTEA,

    CONSTRAINT "track_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "detected_issue" (
    "id" UUID NOT NULL,
    "session_id" BIGINT NOT NULL,
    "type" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "track_key" TEXT,
    "pc_id" TEXT,
    "start_time" TIMESTAMPTZ(6) NOT NULL,
    "end_time" TIMESTAMPTZ(6),
    "message" TEXT NOT NULL,
    "evidence" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "detected_issue_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "signing_key" (
    "id" UUID NOT NULL,
    "kid" TEXT NOT NULL,
    "secret_encrypted" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activated_at" TIMESTAMPTZ(6),
    "verifying_until" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),
    "last_used_at" TIMESTAMPTZ(6),
    "created_by_id" UUID,

    CONSTRAINT "signing_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "signing_key_usage" (
    "key_id" UUID NOT NULL,
    "hour" TIMESTAMPTZ(6) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "signing_key_usage_pkey" PRIMARY KEY ("key_id","hour")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),
    "created_by_id" UUID,

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_user" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "password_hash" TEXT,
    "role" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,
    "last_login_at" TIMESTAMPTZ(6),

    CONSTRAINT "staff_user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_id" UUID,
    "actor_email" TEXT,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "ip" TEXT,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "setting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "setting_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "device_salt" (
    "day" TEXT NOT NULL,
    "salt" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "device_salt_pkey" PRIMARY KEY ("day")
);

-- CreateIndex
CREATE UNIQUE INDEX "rtcstats-server_dump_id_key" ON "rtcstats-server"("dump_id");

-- CreateIndex
CREATE INDEX "rtcstats-server_rtcstats_user_session_start_idx" ON "rtcstats-server"("rtcstats_user", "session_start");

-- CreateIndex
CREATE INDEX "rtcstats-server_rtcstats_conference_session_start_idx" ON "rtcstats-server"("rtcstats_conference", "session_start");

-- CreateIndex
CREATE INDEX "rtcstats-server_rtcstats_session_prefix_idx" ON "rtcstats-server"("rtcstats_session" text_pattern_ops);

-- CreateIndex
CREATE INDEX "rtcstats-server_session_start_idx" ON "rtcstats-server"("session_start");

-- CreateIndex
CREATE INDEX "rtcstats-server_status_last_message_at_idx" ON "rtcstats-server"("status", "last_message_at");

-- CreateIndex
CREATE UNIQUE INDEX "conference_name_key" ON "conference"("name");

-- CreateIndex
CREATE INDEX "conference_last_seen_idx" ON "conference"("last_seen");

-- CreateIndex
CREATE INDEX "conference_name_prefix_idx" ON "conference"("name" text_pattern_ops);

-- CreateIndex
CREATE UNIQUE INDEX "end_user_external_id_key" ON "end_user"("external_id");

-- CreateIndex
CREATE INDEX "end_user_last_seen_idx" ON "end_user"("last_seen");

-- CreateIndex
CREATE INDEX "end_user_external_id_prefix_idx" ON "end_user"("external_id" text_pattern_ops);

-- CreateIndex
CREATE INDEX "track_ssrc_idx" ON "track"("ssrc");

-- CreateIndex
CREATE UNIQUE INDEX "track_session_id_track_key_key" ON "track"("session_id", "track_key");

-- CreateIndex
CREATE INDEX "detected_issue_session_id_start_time_idx" ON "detected_issue"("session_id", "start_time");

-- CreateIndex
CREATE INDEX "detected_issue_type_idx" ON "detected_issue"("type");

-- CreateIndex
CREATE UNIQUE INDEX "signing_key_kid_key" ON "signing_key"("kid");

-- CreateIndex
CREATE UNIQUE INDEX "api_key_hash_key" ON "api_key"("hash");

-- CreateIndex
CREATE UNIQUE INDEX "staff_user_email_key" ON "staff_user"("email");

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");

-- AddForeignKey
ALTER TABLE "session_analysis" ADD CONSTRAINT "session_analysis_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "rtcstats-server"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "track" ADD CONSTRAINT "track_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "rtcstats-server"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "detected_issue" ADD CONSTRAINT "detected_issue_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "rtcstats-server"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "signing_key_usage" ADD CONSTRAINT "signing_key_usage_key_id_fkey" FOREIGN KEY ("key_id") REFERENCES "signing_key"("id") ON DELETE CASCADE ON UPDATE CASCADE;
