-- The page's own metadata and feedback on the session row (lib/stats/analyze/app-events.ts, stored by
-- lib/server/data/session-results.ts with the rest of an analysis), so search can filter on them: `plan:pro` is
-- `metadata_terms @> '{plan=pro}'` (GIN), `rating:<=2` is `feedback_rating <= 2`. `metadata` keeps the fields as
-- traced, for the session page and for SQL (`metadata->>'plan'`).
ALTER TABLE "rtcstats-server"
    ADD COLUMN "metadata" JSONB,
    ADD COLUMN "metadata_terms" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    ADD COLUMN "feedback_rating" INTEGER,
    ADD COLUMN "feedback_comment" TEXT;

CREATE INDEX "rtcstats-server_metadata_terms_idx" ON "rtcstats-server" USING GIN ("metadata_terms");
CREATE INDEX "rtcstats-server_feedback_rating_idx" ON "rtcstats-server" ("feedback_rating");
