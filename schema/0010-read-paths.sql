-- 0010-read-paths: the two reads every command or plugin call makes at
-- scale, each from a few consecutive pages instead of one page a row.
--
-- `xhinv history NAME` shows the newest page of one machine's events.
-- event_machine(machine_id, id) found them, but each event's row then came
-- from its own table page, scattered among every other machine's events:
-- about 140 page reads for 100 events at 1,000,000 events. The index now
-- carries what the page prints, so the page is read from the index alone
-- (16 reads). It costs the events' size again in the file (91 to 123 MB at
-- 1,000,000 events) and keeps the same prefix, so it serves every lookup
-- the old one did.
DROP INDEX event_machine;
CREATE INDEX event_machine ON event(machine_id, id, at, kind, duration_ms,
    detail);

-- Every `ls`, `status` and GetState first looks for hypervisors that ended
-- (machine_refresh): the processes not yet ended. That was a scan of every
-- process ever run (30,000 at 10,000 machines); the live ones are a
-- handful, and this partial index holds just them.
CREATE INDEX process_live ON process(id) WHERE ended_at IS NULL;
