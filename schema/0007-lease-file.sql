-- 0007-lease-file: XHINV_BOOTPD_LEASES wins over the lease file recorded
-- with the vmnet network when it was first made; the record follows the
-- setting, and says so with this event.

INSERT INTO event_kind (name, description) VALUES
    ('network-lease-file', 'the vmnet network''s lease file was changed to follow XHINV_BOOTPD_LEASES (detail: lease_file_was, lease_file)');
