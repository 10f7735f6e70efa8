-- +goose Up
-- Stream guards (app.StreamGuard, app.StreamLock): a batch that records an access
-- in a stream of its own (a link open) depends on another stream (the link) being
-- unchanged, without appending to it. Both sides meet on one advisory lock per
-- stream, taken for the rest of the transaction: guards share it, a batch that
-- appends to the guarded stream takes it exclusively. So a guard either checks the
-- version after the write committed (and fails), or the write waits until the
-- guarded batch committed: nothing guarded commits after a write it did not see.
-- The version is read after the lock is granted; in READ COMMITTED each statement
-- of this volatile function takes a fresh snapshot, so it sees that write.
-- +goose StatementBegin
CREATE FUNCTION sharehub_stream_guard(p_stream text, p_version bigint) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    current bigint;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('stream:' || p_stream, 0));
    SELECT coalesce(max(stream_version), 0) INTO current FROM events WHERE stream_id = p_stream;
    IF current <> p_version THEN
        RAISE EXCEPTION 'stream % is at version %, guard expected %', p_stream, current, p_version
            USING ERRCODE = 'check_violation', CONSTRAINT = 'stream_guard';
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION sharehub_stream_lock(p_stream text) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT pg_advisory_xact_lock(hashtextextended('stream:' || p_stream, 0));
$$;
-- +goose StatementEnd

GRANT EXECUTE ON FUNCTION sharehub_stream_guard(text, bigint), sharehub_stream_lock(text) TO sharehub_app;

-- +goose Down
DROP FUNCTION sharehub_stream_lock(text);
DROP FUNCTION sharehub_stream_guard(text, bigint);
