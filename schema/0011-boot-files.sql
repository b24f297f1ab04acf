-- 0011-boot-files: the kernel and initrd taken out of an ISO once, not once
-- per machine. They sit in <store>/cache/boot/<ISO sha256>/ and each
-- machine links them into its directory, so a second machine from the same
-- ISO reads none of it. They are written without fsync (they can be
-- derived again): create hashes and syncs them while its guest boots (the
-- seal), and a use after the host rebooted hashes them again before
-- trusting them. One row per file.
CREATE TABLE boot_file (
    id          INTEGER PRIMARY KEY,
    iso_sha256  TEXT NOT NULL,          -- the ISO's content, which names the directory
    role        TEXT NOT NULL CHECK (role IN ('kernel', 'initrd', 'pvh')),
                                        -- pvh: the ELF kernel taken out of the bzImage
    member      TEXT NOT NULL,          -- its path inside the ISO (pvh: the bzImage's)
    path        TEXT NOT NULL,          -- the file in the cache
    size        INTEGER NOT NULL,       -- bytes, as written
    sha256      TEXT,                   -- hex, set by the seal; NULL until then
    boot_id     TEXT NOT NULL,          -- the host boot it was written or last hashed in
    made_at     INTEGER NOT NULL,       -- when it was written (ms)
    sealed_at   INTEGER,                -- when it was hashed and synced (ms)
    used_at     INTEGER,                -- when a machine last linked it (ms)
    UNIQUE (iso_sha256, role)
);

INSERT INTO event_kind (name, description) VALUES
    ('boot-files-extract', 'a kernel and initrd were taken out of an ISO into the boot-file cache (detail: why each was, bytes copied from the ISO''s extents or decoded)');
