-- A live session's series, appended as its snapshots are stored: each snapshot adds the rows each track gained
-- since the last one (lib/server/processing/live-states.ts), so a snapshot costs what changed, not the call so far.
-- The track row's own series stays NULL while the chunks hold it; the final analysis stores the whole series on the
-- track row and drops the session's chunks (lib/server/data/analysis-store.ts). Readers join them in order
-- (lib/server/data/read-sessions.ts).
CREATE TABLE "track_series_chunk" (
    "session_id" BIGINT NOT NULL,
    "track_key" TEXT NOT NULL,
    "first_row" INTEGER NOT NULL,
    "row_count" INTEGER NOT NULL,
    "series" BYTEA NOT NULL,

    CONSTRAINT "track_series_chunk_pkey" PRIMARY KEY ("session_id", "track_key", "first_row")
);

ALTER TABLE "track_series_chunk" ADD CONSTRAINT "track_series_chunk_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "rtcstats-server"("id") ON DELETE CASCADE ON UPDATE CASCADE;
