-- 0009-image-validators: one owner for what a cached ISO is and how to
-- revalidate it. The cache keeps, beside each file, a .meta with the URL,
-- the HTTP validators (ETag, Last-Modified), size, sha256 and mtime it
-- checks its file and the server with, under its own file lock; the
-- inventory only copied the validators and never read them back. So
-- image.etag and image.last_modified are no longer written, and the copies
-- are cleared. They stay as columns, always NULL: SQLite before 3.35 (the
-- one macOS 11 ships) cannot drop a column, and a table rebuild would have
-- to turn foreign keys off, which a migration's transaction cannot.
-- image.sha256 and image.size stay: they say which file the machines were
-- made from, as of when it was recorded, and are what SQL asks about.

UPDATE image SET etag = NULL, last_modified = NULL;
