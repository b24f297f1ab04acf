-- 0003-macos: the xhyve backend (its console, vmnet leases found rather than
-- reserved) and shared folders.

-- The serial console xhyve attached (COM1 on a pty: /dev/ttysNNN).
ALTER TABLE process ADD COLUMN console TEXT;

-- A folder shared into a machine, mounted over SSH at every start.
CREATE TABLE share (
    id          INTEGER PRIMARY KEY,
    machine_id  INTEGER NOT NULL REFERENCES machine(id),
    kind        TEXT NOT NULL CHECK (kind IN ('9p', 'nfs')),
    host_path   TEXT NOT NULL,          -- absolute path on the host
    guest_path  TEXT NOT NULL,          -- where the guest mounts it
    tag         TEXT,                   -- 9p mount tag: host-0, host-1, ...
    position    INTEGER NOT NULL CHECK (position >= 0)  -- 9p slot 5 + position
);
CREATE INDEX share_machine ON share(machine_id);

INSERT INTO event_kind (name, description) VALUES
    ('mac',           'the hypervisor told the MAC address (xhyve -M: vmnet picks it)'),
    ('ip-lost',       'bootpd gave this machine''s recorded address to another one'),
    ('lease-pending', 'a lease could not be removed without root; xhinv gc as root will'),
    ('share-mount',   'shared folders were mounted in the guest over SSH'),
    ('exports',       '/etc/exports was changed for a machine''s NFS shares');
