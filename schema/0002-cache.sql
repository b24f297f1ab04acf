-- 0002-cache: the ISO download cache, and re-extracting the kernel when a
-- machine's ISO changes (docker-machine upgrade).
--
-- image rows are one per download URL (image.url, unique since 0001); for
-- a local file the URL is file:///path.

-- What the user asked for: a path, a URL, a releases/latest API URL, or ''
-- for the latest boot2docker release.
ALTER TABLE image ADD COLUMN source TEXT;
-- The release tag, when the image came from a releases/latest lookup.
ALTER TABLE image ADD COLUMN tag TEXT;
-- When `xhinv cache prune` deleted the file; the row stays for history.
ALTER TABLE image ADD COLUMN removed_at INTEGER;

-- "size:mtime_ns" of the machine's boot2docker.iso when its kernel and
-- initrd were extracted; a different stamp at start means extract again.
ALTER TABLE machine ADD COLUMN iso_stamp TEXT;
-- 1 when the user gave the kernel command line (else it comes from the
-- ISO, and a new ISO brings its own).
ALTER TABLE machine ADD COLUMN cmdline_given INTEGER NOT NULL DEFAULT 0
    CHECK (cmdline_given IN (0, 1));

CREATE INDEX machine_image ON machine(image_id);

INSERT INTO event_kind (name, description) VALUES
    ('image-fetch',    'an ISO was downloaded into the cache'),
    ('image-stale',    'a cached ISO was used because the remote could not be checked'),
    ('image-prune',    'cache prune deleted an unused ISO or a leftover partial download'),
    ('kernel-extract', 'the kernel and initrd were extracted again because the machine ISO changed');

-- The cache, with how many live machines use each image.
CREATE VIEW images AS
SELECT i.id, i.source, i.url, i.tag, i.size, i.sha256, i.volume_id,
       strftime('%Y-%m-%dT%H:%M:%SZ', i.fetched_at / 1000, 'unixepoch') AS fetched,
       strftime('%Y-%m-%dT%H:%M:%SZ', i.last_used_at / 1000, 'unixepoch') AS last_used,
       (SELECT count(*) FROM machine m WHERE m.image_id = i.id
            AND m.removed_at IS NULL) AS users,
       i.path,
       strftime('%Y-%m-%dT%H:%M:%SZ', i.removed_at / 1000, 'unixepoch') AS removed
FROM image i;
