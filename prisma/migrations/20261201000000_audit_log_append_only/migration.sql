-- The audit log is append-only in the database, not only in code: rows can be inserted and read, never changed or
-- removed, whoever connects. An operator who must purge it (as the table's owner) disables the triggers first:
--   ALTER TABLE "audit_log" DISABLE TRIGGER USER;  …  ALTER TABLE "audit_log" ENABLE TRIGGER USER;
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_log_no_update_or_delete" BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();

CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();
