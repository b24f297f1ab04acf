-- 0005-reconcile: what xhinv reconcile repairs.

INSERT INTO event_kind (name, description) VALUES
    ('reconcile',     'reconcile repaired a difference between the inventory and reality (detail: kind, what, action)');
