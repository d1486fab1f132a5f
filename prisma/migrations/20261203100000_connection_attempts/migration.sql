-- Rejected or failed ingest connection attempts (lib/server/ingest/rejected-attempts.ts): what the "Connect your
-- app" page shows an operator whose client's data does not arrive. Bounded: every insert deletes all but the
-- newest 200 rows, and a node records at most CALLSCOPE_INGEST_REJECTIONS_PER_SECOND a second (the rest are only
-- counted), so a flood of bad clients cannot flood the database. The address is obfuscated as rtcstats-server does.
CREATE TABLE "connection_attempt" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "transport" TEXT NOT NULL,
    "protocol" TEXT,
    "code" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "log_line" TEXT,
    "origin" TEXT,
    "user_agent" TEXT,
    "remote_address" TEXT,

    CONSTRAINT "connection_attempt_pkey" PRIMARY KEY ("id")
);
