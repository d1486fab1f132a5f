-- A conference's pairing, fault verdicts and per-session analysis timeline events, stored when one of its sessions'
-- analysis is stored (lib/server/data/conference-results.ts) so the conference API and page only read them.
-- Keyed by the conference name as the session rows hold it (no foreign key: a session's conference may have no
-- `conference` directory row). `sessions_stamp` names the session analyses it was computed from.
CREATE TABLE "conference_result" (
    "conference_name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "sessions_stamp" TEXT NOT NULL,
    "session_count" INTEGER NOT NULL,
    "result" BYTEA NOT NULL,
    "computed_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "conference_result_pkey" PRIMARY KEY ("conference_name")
);
