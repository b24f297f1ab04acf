-- 0004-disks: disks that grow, and what gc frees.

INSERT INTO event_kind (name, description) VALUES
    ('disk-resize',   'a stopped machine''s disk was grown (detail: from_mb, to_mb)');
